"""Every write about a person, with its rules, once: registering (consent, language, home
grid), the settings (language, home grid, announcements, following the zone's bulletin) and
granting or revoking roles — for the chat (`handlers.people`) and the command line alike —
and whether the bot may write to them (they blocked it, or came back).

    Refusal (bot.core.refusals)
    ├── NeedStart (NotAllowed)     not registered yet: "common.need_start"
    ├── NotAdmin (NotAllowed)      "common.not_allowed"
    ├── NotOffered (NotFound)      a grid or language never offered: "common.invalid_button"
    └── UnknownCode (Invalid)      a grid, department or zone code nobody has: "admin.unknown_code"
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core import refusals
from bot.core.render import LANGUAGES
from bot.people.roles import has_role
from bot.runtime.services import Services
from storage import bulletins, dispatch, geo, people
from storage.db import Database
from storage.models import Grid, Person, Role


class NeedStart(refusals.NotAllowed):
    """The person has not registered (or has no home grid) yet."""

    template = "common.need_start"


class NotAdmin(refusals.NotAllowed):
    """Only admins grant and revoke roles."""

    template = "common.not_allowed"


class NotOffered(refusals.NotFound):
    """A grid or language the bot did not offer (it is gone, or the button was forged)."""

    template = "common.invalid_button"


class UnknownCode(refusals.Invalid):
    """A grid, department or zone code nobody has (values: code, role, kind)."""

    template = "admin.unknown_code"


async def registered(db: Database, user_id: int, *, with_grid: bool = False) -> Person:
    """The person who registered (with a home grid, if `with_grid`); NeedStart for anyone
    else. The one rule for "has this person registered"."""
    person = await people.get(db, user_id)
    if person is None or (with_grid and person.grid_id is None):
        raise NeedStart("need_start")
    return person


async def register(
    db: Database, user_id: int, first_name: str, language: str, grid_id: int | None, now: datetime
) -> tuple[Person, Grid]:
    """Consent given with a language and a home grid: the first thing stored about a person
    (NotOffered for a grid that is not there)."""
    grid = await geo.grid(db, grid_id) if grid_id is not None else None
    if grid is None:
        raise NotOffered("not_found")
    if language not in LANGUAGES:
        raise NotOffered("language")
    person = await people.register(db, user_id, first_name, language, grid.id, now)
    return person, grid


async def set_language(services: Services, user_id: int, language: str) -> None:
    """The language a person reads (and their command menu is in)."""
    if language not in LANGUAGES:
        raise NotOffered("language")
    await people.update(services.db, user_id, services.clock.now(), language=language)


async def set_home_grid(services: Services, user_id: int, grid_id: int) -> Grid:
    """A new home grid; whoever followed the old zone's bulletin follows the new zone's."""
    db = services.db
    grid = await geo.grid(db, grid_id)
    if grid is None:
        raise NotOffered("not_found")
    person = await people.get(db, user_id)
    before = await geo.grid(db, person.grid_id) if person and person.grid_id else None
    await people.update(db, user_id, services.clock.now(), grid_id=grid.id)
    if before is not None and before.zone_id != grid.zone_id:
        await bulletins.move_following(db, user_id, before.zone_id, grid.zone_id)
    return grid


async def toggle_mute(services: Services, person: Person) -> None:
    """Mute ordinary announcements, or receive them again (urgent notices always arrive)."""
    await people.update(
        services.db,
        person.id,
        services.clock.now(),
        mute_broadcasts=int(not person.mute_broadcasts),
    )


@dataclass(frozen=True)
class Following:
    """Whether a person now follows their home zone's bulletin, and the zone's name."""

    following: bool
    zone: str


async def toggle_follow(services: Services, person: Person) -> Following:
    """Follow the home zone's bulletin (晾晒), or stop; NotOffered without a home grid."""
    db = services.db
    grid = await geo.grid(db, person.grid_id) if person.grid_id else None
    if grid is None:
        raise NotOffered("not_found")
    following = await bulletins.follows(db, person.id, grid.zone_id)
    await bulletins.set_following(db, person.id, grid.zone_id, not following)
    return Following(not following, grid.zone_name)


async def require_admin(services: Services, user_id: int | None) -> None:
    """NotAdmin unless the user is an admin (checked on the server every time)."""
    if user_id is None or not await has_role(services, user_id, Role.ADMIN):
        raise NotAdmin("not_allowed")


async def grant(
    db: Database,
    user_id: int,
    role: Role,
    now: datetime,
    *,
    grid_code: str | None = None,
    department_code: str | None = None,
    zone_code: str | None = None,
    name: str = "",
    granted_by: str,
) -> bool:
    """Grant a role (False if it was held already). A code that is given must exist
    (UnknownCode); a grid worker needs a grid and a department officer a department
    (ValueError from storage when none is given); a dispatcher with a zone rules on that
    zone alone (分中心), without one on the whole town."""
    grid_id = department_id = zone_id = None
    if zone_code is not None:
        zone_id = await dispatch.zone_id_by_code(db, zone_code)
        if zone_id is None:
            raise UnknownCode("unknown_code", code=zone_code, role=role, kind="zone")
    if grid_code is not None:
        grid_id = await geo.grid_id_by_code(db, grid_code)
        if grid_id is None:
            raise UnknownCode("unknown_code", code=grid_code, role=role, kind="grid")
    if department_code is not None:
        department_id = await geo.department_id_by_code(db, department_code)
        if department_id is None:
            raise UnknownCode("unknown_code", code=department_code, role=role, kind="department")
    return await people.grant(
        db,
        user_id,
        role,
        now,
        grid_id=grid_id,
        department_id=department_id,
        zone_id=zone_id,
        display_name=name[:64],
        granted_by=granted_by,
    )


async def revoke(db: Database, user_id: int, role: Role) -> int:
    """Revoke every grant of a role from a user; how many there were."""
    return await people.revoke(db, user_id, role)


async def blocked_the_bot(services: Services, user_id: int) -> None:
    """The person blocked the bot in their private chat: notices to them stop."""
    await people.mark_blocked(services.db, user_id, services.clock.now())


async def came_back(services: Services, user_id: int) -> None:
    """The person unblocked the bot (or sent /start again): notices to them resume (no write
    when they were not marked)."""
    await people.clear_blocked(services.db, user_id)
