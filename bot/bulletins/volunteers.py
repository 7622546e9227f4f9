"""The bulletin's volunteer table (志愿服务, issue 17's 荣誉): per community where activities were
held — activities held, volunteers counted, hours served, and the hours' change on a year
earlier. Counts only: the bulletin never names a resident (SPEC). The honour roll with names,
of those who agreed to be named, stays in the private chat (/points 🏅, bot/points/honour.py).

A volunteer is counted once per row: once in each community they served, once in the town's
total however many communities they served. Activities for a whole zone have their own row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from bot.bulletins.rankings import Change
from storage import volunteer_stats as store
from storage.db import Database


def hours(minutes: int) -> float:
    """Minutes as hours to one decimal, half up as people round (75 minutes: 1.3 hours)."""
    return math.floor(Fraction(minutes, 6) + Fraction(1, 2)) / 10


@dataclass(frozen=True)
class VolunteerRow:
    zone: str  # the zone's name ('' on the town's total)
    zone_code: str
    community: str  # the community's name; '' for activities of the whole zone, or the total
    community_code: str
    activities: int  # held (confirmed by their organiser)
    volunteers: int  # distinct volunteers who attended
    minutes: int  # served, as confirmed
    minutes_year_before: int
    total: bool = False  # the town's total

    @property
    def hours(self) -> float:
        return hours(self.minutes)

    @property
    def hours_year_before(self) -> float:
        return hours(self.minutes_year_before)

    @property
    def change(self) -> Change:
        """The hours served, on the same period a year earlier."""
        return Change(self.minutes, self.minutes_year_before)


async def table(
    db: Database, now: tuple[datetime, datetime], before: tuple[datetime, datetime]
) -> list[VolunteerRow]:
    """Rows by zone and community code, then the town's total; none when nobody served and no
    activity was held in either period."""
    held = await store.held(db, *now)
    served = await store.served(db, *now)
    served_before = await store.served(db, *before)
    if not (held or served or served_before):
        return []
    places = sorted(
        {*held, *(s.place for s in served), *(s.place for s in served_before)},
        key=lambda p: (p.zone_id, p.community_id == 0, p.community_id),
    )
    rows = [
        VolunteerRow(
            p.zone_name,
            p.zone_code,
            p.community_name,
            p.community_code,
            activities=held.get(p, 0),
            volunteers=len({s.person_id for s in served if s.place == p}),
            minutes=sum(s.minutes for s in served if s.place == p),
            minutes_year_before=sum(s.minutes for s in served_before if s.place == p),
        )
        for p in places
    ]
    rows.append(
        VolunteerRow(
            "",
            "",
            "",
            "",
            activities=sum(held.values()),
            volunteers=len({s.person_id for s in served}),
            minutes=sum(s.minutes for s in served),
            minutes_year_before=sum(s.minutes for s in served_before),
            total=True,
        )
    )
    return rows
