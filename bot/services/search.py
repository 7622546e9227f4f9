"""Finding service points (no Telegram): the nearest open ones from a location, those of the
home grid and zone without one, the points a typed question names, one point's card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.people import service as people_service
from bot.runtime.services import Services
from bot.services import ask, index
from bot.services.rules import (
    CIRCLE_MINUTES,
    SHOWN,
    OpenState,
    ServicesGone,
    ServicesRefused,
    open_state,
    serves,
    walking_minutes,
)
from storage import geo
from storage import services as store
from storage.models import Person
from storage.services import Point

HOME_SHOWN = 8


@dataclass(frozen=True)
class Found:
    """A point as a list shows it."""

    point: Point
    state: OpenState
    metres: int | None = None

    @property
    def minutes(self) -> int | None:
        return None if self.metres is None else walking_minutes(self.metres)

    @property
    def in_circle(self) -> bool:
        return self.minutes is not None and self.minutes <= CIRCLE_MINUTES


class _Clock:
    """Open-state checks of one search: the calendar asked once per day."""

    def __init__(self, services: Services, now: datetime) -> None:
        self.services, self.now = services, now
        self._holiday: dict[date, bool] = {}
        self._workday: dict[date, bool] = {}

    def holiday(self, day: date) -> bool:
        if day not in self._holiday:
            self._holiday[day] = self.services.calendar.is_holiday(day)
        return self._holiday[day]

    def workday(self, day: date) -> bool:
        if day not in self._workday:
            self._workday[day] = self.services.calendar.is_workday(day)
        return self._workday[day]

    def state(self, point: Point) -> OpenState:
        tz = self.services.settings.tz
        return open_state(point, self.now, tz, self.holiday, self.workday)


async def resident(services: Services, user_id: int) -> Person:
    """The registered resident (with a home grid), else ServicesRefused("need_start")."""
    try:
        return await people_service.registered(services.db, user_id, with_grid=True)
    except people_service.NeedStart:
        raise ServicesRefused("need_start") from None


async def nearest(
    services: Services, latitude: float, longitude: float, need: str, count: int = SHOWN
) -> list[Found]:
    """The `count` nearest open points serving `need`, nearest first by walking distance;
    fewer open: the nearest closed ones after them (with when they open)."""
    found = await index.loaded(services.db)
    clock = _Clock(services, services.clock.now())
    states: dict[int, OpenState] = {}

    def is_open(point: Point) -> bool:
        states[point.id] = clock.state(point)
        return states[point.id].open

    chosen = found.nearest(latitude, longitude, need, is_open, count)
    return [Found(p, states[p.id], metres) for p, metres, _ in chosen]


async def at_home(services: Services, person: Person, need: str) -> tuple[list[Found], int]:
    """Without a location: the points of the home grid, then the rest of its zone, open
    first; (the first HOME_SHOWN, how many in all)."""
    grid = await geo.grid(services.db, person.grid_id) if person.grid_id else None
    found = await index.loaded(services.db)
    clock = _Clock(services, services.clock.now())
    mine = [
        p
        for p in found.points
        if serves(p, need)
        and grid is not None
        and (p.grid_id == grid.id or p.zone_id == grid.zone_id)
    ]
    ranked = sorted(
        (Found(p, clock.state(p)) for p in mine),
        key=lambda f: (
            f.point.grid_id != (grid.id if grid else None),
            not f.state.open,
            f.point.id,
        ),
    )
    return ranked[:HOME_SHOWN], len(ranked)


async def named_in(services: Services, text: str) -> list[Found]:
    """The visible points a typed question names ("东红村健康小屋几点开门")."""
    found = await index.loaded(services.db)
    clock = _Clock(services, services.clock.now())
    by_id = {p.id: p for p in found.points}
    ids = ask.names_in(text, {p.id: p.name for p in found.points})
    return [Found(by_id[i], clock.state(by_id[i])) for i in ids]


async def card(services: Services, point_id: int, *, hidden_too: bool = False) -> Found:
    """One point, with whether it is open now; ServicesGone for a hidden or unknown one."""
    point = await store.point(services.db, point_id)
    if point is None or (not point.visible and not hidden_too):
        raise ServicesGone("gone")
    return Found(point, _Clock(services, services.clock.now()).state(point))
