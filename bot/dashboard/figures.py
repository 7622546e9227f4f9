"""The screen's figures: this week and this month so far against the same span a year
earlier, the current month's rankings by the bulletins' own rules (bot.bulletins), the coming
meetings, and volunteer and mediation counts — all within the session's scope, counts only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.bulletins.rankings import Ranked
from bot.bulletins.report import BulletinConfig, build_report
from bot.core.config import Settings
from bot.core.periods import Period, containing
from bot.dashboard.access import Scope
from storage import dashboard_board as q
from storage import geo
from storage.db import Database

TOP = 6  # the bulletins honour the top six
MEETINGS = 5


Span = tuple[datetime, datetime]


def _span(period: Period, settings: Settings, now: datetime) -> tuple[Span, Span]:
    """The period so far, and the same span of the period a year earlier."""
    start, end = period.bounds(settings.tz)
    last_start, last_end = period.year_earlier().bounds(settings.tz)
    elapsed = min(now, end) - start
    return (start, min(now, end)), (last_start, min(last_start + elapsed, last_end))


def _ranked(rows: list[Ranked], keep: set[str] | None) -> list[list[Any]]:
    """The top of a table: [rank, name, place, score, tied], ranked units only."""
    found = []
    for r in rows:
        if r.rank is None or (keep is not None and r.stats.key.split("/")[0] not in keep):
            continue
        score = None if r.score is None else round(r.score, 1)
        found.append([r.rank, r.stats.name, r.stats.place, score, r.tied])
        if len(found) == TOP:
            break
    return found


async def figures(db: Database, settings: Settings, scope: Scope, now: datetime) -> dict[str, Any]:
    """Everything the figures panel shows."""
    day = now.astimezone(settings.tz).date()
    periods: dict[str, Any] = {}
    for kind in ("week", "month"):
        (a, b), (c, d) = _span(containing(kind, day), settings, now)
        filed, closed, hazards = await q.period_counts(db, scope.zones, a, b)
        filed_0, closed_0, hazards_0 = await q.period_counts(db, scope.zones, c, d)
        periods[kind] = {
            "start": a.isoformat(),
            "now": [filed, closed, hazards],
            "year_ago": [filed_0, closed_0, hazards_0],
        }
    month = containing("month", day)
    report = await build_report(
        db,
        month,
        now,
        BulletinConfig(settings.tz, settings.bulletin_weights, settings.bulletin_min_cases),
    )
    codes = {z.id: z.code for z in await geo.zones(db)}
    keep = None
    if scope.zones is not None:
        zone_codes = {codes[z] for z in scope.zones if z in codes}
        keep = {g for g, z in report.grid_zone.items() if z in zone_codes}
    (a, b), (c, d) = _span(month, settings, now)
    volunteers = await q.volunteer_counts(db, scope.zones, a, b)
    volunteers_0 = await q.volunteer_counts(db, scope.zones, c, d)
    mediations = await q.mediation_counts(db, scope.zones, a, b)
    mediations_0 = await q.mediation_counts(db, scope.zones, c, d)
    return {
        "periods": periods,
        "rankings": {
            "grids": _ranked(report.grids, keep),
            "workers": _ranked(report.workers, keep),
            "departments": _ranked(report.departments, None) if scope.zones is None else [],
        },
        "meetings": [
            list(m) for m in await q.meetings_coming(db, scope.zones, now, limit=MEETINGS)
        ],
        "volunteers": {"now": list(volunteers), "year_ago": list(volunteers_0)},
        "mediations": {"now": list(mediations), "year_ago": list(mediations_0)},
    }
