"""Who may see the screen, and how much: login links, kiosk links, sessions and scopes.

    Refused                   nothing is shown: the reason names why
    ├── "not_staff"           /dashboard by someone who is no admin or dispatcher
    ├── "not_admin"           a kiosk link asked for by someone who is no admin
    ├── "bad_link"            a login or kiosk link forged, expired, used or revoked
    └── "no_session"          a request without a live session, or whose holder lost the role

A scope is the zones a session sees (None: the whole town): an admin or a dispatcher without
a zone sees the town, one granted with zones sees those zones only; a kiosk shows the scope
of the admin who made it, as it was then. It is worked out again at every request, from the
session's row and the grants as they are now — never from anything the browser sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.config import Settings
from bot.core.refusals import NotAllowed
from bot.dashboard import tokens
from storage import dashboard
from storage.db import Database

LINK_LIFE = timedelta(minutes=10)
SESSION_LIFE = timedelta(hours=12)


class Refused(NotAllowed):
    """The screen refuses (see the module's docstring for the reasons)."""

    template = "dashboard.refused"


@dataclass(frozen=True)
class Scope:
    """What one session sees."""

    zones: tuple[int, ...] | None  # None: the whole town
    user_id: int | None  # the person, or None for a kiosk
    kiosk_id: int | None = None

    def sees(self, zone_id: int) -> bool:
        """Whether a zone is in this scope."""
        return self.zones is None or zone_id in self.zones

    @property
    def key(self) -> str:
        """The same for every session that sees the same zones."""
        return "town" if self.zones is None else ",".join(map(str, self.zones))


async def key_of(db: Database, settings: Settings) -> str:
    """The key that signs links: MINHU_WEB_SECRET, else one made once and kept in the database."""
    if settings.web_secret:
        return settings.web_secret
    return await dashboard.secret(db, tokens.random_token(32))


async def staff_zones(db: Database, settings: Settings, user_id: int) -> tuple[int, ...] | None:
    """The zones a staff member oversees (None: the town); Refused for anyone else."""
    if user_id in settings.admin_ids:
        return None
    grants = await dashboard.staff_scope(db, user_id)
    if not grants:
        raise Refused("not_staff")
    if any(zone is None for _, zone in grants):
        return None
    return tuple(sorted({zone for _, zone in grants if zone is not None}))


def zones_text(zones: tuple[int, ...] | None) -> str:
    """How a kiosk row keeps its scope."""
    return "" if zones is None else ",".join(map(str, zones))


def zones_of(text: str) -> tuple[int, ...] | None:
    """A kiosk row's scope."""
    return None if text == "" else tuple(int(z) for z in text.split(","))


async def issue_link(db: Database, settings: Settings, user_id: int, now: datetime) -> str:
    """/dashboard: a one-time login link for a staff member (Refused for anyone else)."""
    await staff_zones(db, settings, user_id)
    token = tokens.sign_login(await key_of(db, settings), now + LINK_LIFE)
    await dashboard.add_link(db, tokens.digest(token), user_id, now, now + LINK_LIFE)
    return f"{settings.screen_url}/login?t={token}"


async def admin_only(db: Database, settings: Settings, user_id: int) -> None:
    """Refused("not_admin") unless the person is an admin."""
    if user_id not in settings.admin_ids and not any(
        role == "admin" for role, _ in await dashboard.staff_scope(db, user_id)
    ):
        raise Refused("not_admin")


async def issue_kiosk(
    db: Database, settings: Settings, user_id: int, label: str, now: datetime
) -> tuple[int, str]:
    """A wall screen's link made by an admin, showing the admin's scope: (id, url)."""
    await admin_only(db, settings, user_id)
    zones = await staff_zones(db, settings, user_id)
    token = tokens.sign_kiosk(await key_of(db, settings))
    kiosk_id = await dashboard.add_kiosk(
        db, tokens.digest(token), label[:60], zones_text(zones), user_id, now
    )
    return kiosk_id, f"{settings.screen_url}/kiosk?k={token}"


def within(kiosk_zones: str, zones: tuple[int, ...] | None) -> bool:
    """Whether a kiosk's scope lies within an admin's."""
    if zones is None:
        return True
    shown = zones_of(kiosk_zones)
    return shown is not None and set(shown) <= set(zones)


async def kiosks(db: Database, settings: Settings, user_id: int) -> list[dashboard.Kiosk]:
    """The kiosk links an admin may see and revoke: those within their scope."""
    await admin_only(db, settings, user_id)
    zones = await staff_zones(db, settings, user_id)
    return [k for k in await dashboard.kiosks(db, None) if within(k.zones, zones)]


async def revoke_kiosk(
    db: Database, settings: Settings, user_id: int, kiosk_id: int, now: datetime
) -> bool:
    """Revoke a kiosk link within the admin's scope; False if there was no such live one."""
    if kiosk_id not in {k.id for k in await kiosks(db, settings, user_id)}:
        return False
    return await dashboard.revoke_kiosk(db, kiosk_id, now)


async def log_in(db: Database, settings: Settings, token: str, now: datetime) -> str:
    """Spend a login link; the new session's id (for the cookie). Refused("bad_link")."""
    if not tokens.check_login(await key_of(db, settings), token, now):
        raise Refused("bad_link")
    session_id = tokens.random_token(32)
    user_id = await dashboard.use_link(
        db, tokens.digest(token), tokens.digest(session_id), now, now + SESSION_LIFE
    )
    if user_id is None:
        raise Refused("bad_link")
    await staff_zones(db, settings, user_id)  # still staff
    return session_id


async def open_kiosk(db: Database, settings: Settings, token: str, now: datetime) -> str:
    """A kiosk link opens a session (until the kiosk is revoked). Refused("bad_link")."""
    if not tokens.check_kiosk(await key_of(db, settings), token):
        raise Refused("bad_link")
    session_id = tokens.random_token(32)
    if await dashboard.use_kiosk(db, tokens.digest(token), tokens.digest(session_id), now) is None:
        raise Refused("bad_link")
    return session_id


async def scope_of(db: Database, settings: Settings, session_id: str, now: datetime) -> Scope:
    """The scope of a live session, as the grants are now; Refused("no_session")."""
    if not session_id or len(session_id) > 100:
        raise Refused("no_session")
    found = await dashboard.session(db, tokens.digest(session_id), now)
    if found is None:
        raise Refused("no_session")
    try:
        if found.kiosk_id is not None:
            assert found.kiosk_zones is not None and found.kiosk_by is not None
            await staff_zones(db, settings, found.kiosk_by)  # its maker is still staff
            return Scope(zones_of(found.kiosk_zones), None, found.kiosk_id)
        assert found.user_id is not None
        return Scope(await staff_zones(db, settings, found.user_id), found.user_id)
    except Refused:
        raise Refused("no_session") from None


async def log_out(db: Database, session_id: str, now: datetime) -> None:
    """End a session."""
    await dashboard.end_session(db, tokens.digest(session_id), now)
