"""The mediation table (矛盾调解): cases, outcomes and success rate per zone and kind, with the
change on the same period a year earlier — counts only, never a name or a word of a case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.mediation import rules
from storage import geo
from storage import mediation_stats as store
from storage.db import Database


@dataclass(frozen=True)
class Row:
    zone: str  # a zone's name, or "" for the town's total
    kind: str  # a kind, or "" for all kinds
    opened: int
    succeeded: int
    partial: int
    failed: int
    declined: int
    relapsed: int
    success_rate: float | None  # per cent of the cases with a result
    opened_year_before: int
    change: float | None  # per cent, on a year earlier (None: nothing then)


def _year_before(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - 1, day=28)


def _row(zone: str, kind: str, now: list[store.Count], before: list[store.Count]) -> Row:
    opened = sum(c.opened for c in now)
    won, part, lost = (sum(getattr(c, f) for c in now) for f in ("succeeded", "partial", "failed"))
    earlier = sum(c.opened for c in before)
    return Row(
        zone,
        kind,
        opened,
        won,
        part,
        lost,
        sum(c.declined for c in now),
        sum(c.relapsed for c in now),
        rules.success_rate(won, part, won + part + lost),
        earlier,
        rules.change(opened, earlier),
    )


async def table(
    db: Database,
    start: datetime,
    end: datetime,
    year_before: tuple[datetime, datetime] | None = None,
) -> list[Row]:
    """Per zone (each kind, then the zone's total), then the town's total, for [start, end)
    against `year_before` (by default the same dates a year earlier)."""
    now = await store.counts(db, start, end)
    last = year_before or (_year_before(start), _year_before(end))
    before = await store.counts(db, *last)
    zones = {z.id: z.name for z in await geo.zones(db)}
    rows: list[Row] = []
    for zone_id in sorted({c.zone_id for c in now + before}):
        name = zones.get(zone_id, "")
        mine = [c for c in now if c.zone_id == zone_id]
        theirs = [c for c in before if c.zone_id == zone_id]
        for kind in rules.KINDS:
            of = [c for c in mine if c.kind == kind]
            was = [c for c in theirs if c.kind == kind]
            if of or was:
                rows.append(_row(name, kind, of, was))
        rows.append(_row(name, "", mine, theirs))
    rows.append(_row("", "", now, before))
    return rows
