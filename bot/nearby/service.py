"""/nearby as a service: the cases around a resident's home grid, "me too" on one of them, and
staff taking a case off the list (no Telegram here).

Refusals (`bot.core.refusals`, worded in `nearby.refused`):

    NearbyRefused (NotAllowed)   no_grid · own_case · not_nearby · not_staff
    NearbyGone (NotFound)        gone (no such case, or not public)
    NearbyStale (Stale)          closed (no longer open: "me too" has nothing to join)
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.complaints import service as complaints_service
from bot.complaints.rules import Actor
from bot.complaints.rules import NotAllowed as ComplaintRefused
from bot.core import refusals
from bot.nearby.rules import Page, age_days, page_of, public_text, solved_since, touching
from bot.places.service import boundaries_of
from bot.runtime.services import Services
from storage import complaints, nearby, people
from storage.nearby import OPEN, NearbyCase

STAFF_ACTORS = frozenset({Actor.ASSIGNEE, Actor.DISPATCHER, Actor.ADMIN})


class NearbyRefused(refusals.NotAllowed):
    template = "nearby.refused"


class NearbyGone(refusals.NotFound):
    template = "nearby.refused"


class NearbyStale(refusals.Stale):
    template = "nearby.refused"


@dataclass(frozen=True)
class Shown:
    """One case as a neighbour sees it."""

    id: int
    number: str
    grid: str
    category: str
    category_en: str
    text: str
    status: str
    age: int
    supporters: int
    may_support: bool  # open, and not the resident's own


@dataclass(frozen=True)
class View:
    grid_ids: tuple[int, ...]
    items: tuple[Shown, ...]
    page: Page
    total: int


async def neighbours(services: Services, grid_id: int) -> tuple[int, ...]:
    """The grid itself, the grids of its community, and the grids whose boundaries touch it."""
    found = set(await nearby.community_grids(services.db, grid_id))
    found.add(grid_id)
    shapes = await boundaries_of(services.db)
    mine = shapes.get(grid_id)
    if mine:
        found.update(
            g for g, polygons in shapes.items() if g != grid_id and touching(mine, polygons)
        )
    return tuple(sorted(found))


async def _home(services: Services, user_id: int) -> int:
    person = await people.get(services.db, user_id)
    if person is None or person.grid_id is None:
        raise NearbyRefused("no_grid")
    return person.grid_id


def _shown(case: NearbyCase, services: Services, user_id: int) -> Shown:
    return Shown(
        id=case.id,
        number=case.number,
        grid=case.grid,
        category=case.category,
        category_en=case.category_en,
        text=public_text(case.description),
        status=case.status,
        age=age_days(case.created_at, services.clock.now()),
        supporters=case.supporters,
        may_support=case.status in OPEN and case.reporter_id != user_id,
    )


async def view(services: Services, user_id: int, page: int = 0) -> View:
    """One page of the public cases around the resident's home grid."""
    grid_ids = await neighbours(services, await _home(services, user_id))
    found = await nearby.cases(services.db, grid_ids, solved_since(services.clock.now()))
    shown = page_of(len(found), page)
    items = tuple(_shown(c, services, user_id) for c in found[shown.start : shown.stop])
    return View(grid_ids, items, shown, len(found))


async def support(services: Services, complaint_id: int, user_id: int) -> tuple[str, bool]:
    """ "Me too" on a case /nearby shows: (its number, whether this is a new "me too")."""
    grid_ids = await neighbours(services, await _home(services, user_id))
    case = await complaints.get(services.db, complaint_id)
    if case is None or not await nearby.is_public(services.db, complaint_id):
        raise NearbyGone("gone")
    if case.reporter_id == user_id:
        raise NearbyRefused("own_case", number=case.number)
    if case.grid_id not in grid_ids:
        raise NearbyRefused("not_nearby", number=case.number)
    if case.status not in OPEN:
        raise NearbyStale("closed", number=case.number)
    try:
        added = await complaints_service.support(services, complaint_id, user_id, grids=grid_ids)
    except ComplaintRefused:
        raise NearbyStale("closed", number=case.number) from None
    return case.number, added


async def set_public(
    services: Services, number: str, user_id: int, public: bool
) -> tuple[str, bool]:
    """Take a case off /nearby (or put it back): its handlers, dispatchers and admins only.
    (its number, whether anything changed)."""
    case = await complaints.by_number(services.db, number.strip().upper())
    if case is None:
        raise NearbyGone("no_number", number=number)
    actors = await complaints_service.actors_for(services, case, user_id)
    if not actors & STAFF_ACTORS:
        raise NearbyRefused("not_staff", number=case.number)
    changed = await nearby.set_public(services.db, case.id, public)
    return case.number, changed
