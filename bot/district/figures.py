"""A district's figures: each town's record read from its own database, then ranked.

Each town's period is its own local month or week (its time zone), read from its own daily
pre-aggregates (storage/aggregates.py, as its own bulletin reads them), patrols and home
visits; the towns are read concurrently. The rules that rank them are bot/district/rules.py.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bot.bulletins.rankings import Change, UnitStats, Weights
from bot.bulletins.report import handled_stats
from bot.core.periods import Period
from bot.core.towns import District, Town
from bot.district.books import TownBooks
from bot.district.rules import DistrictReport, TownFigures, rank_towns
from bot.visits import service as visits
from storage import aggregates
from storage import rankings as q
from storage.db import Database, StorageError

log = logging.getLogger(__name__)


async def town_figures(db: Database, town: Town, period: Period, as_of: datetime) -> TownFigures:
    """One town's record in `period` (its local days), judged at `as_of`."""
    tz = town.settings.tz
    start, end = period.bounds(tz)
    last_start, last_end = period.year_earlier().bounds(tz)
    unit = UnitStats(town.key, town.name)
    for group in await aggregates.complaint_groups(db, start, end, as_of):
        if group.origin in q.RESIDENTS:
            unit.received += group.received
            unit.add(handled_stats(group))
    for done, found in (await q.patrols_by_worker(db, start, end)).values():
        unit.patrols += done
        unit.hazards_found += found
    if start < as_of:
        for cover in (await visits.coverage_by_grid(db, tz, start, min(end, as_of))).values():
            unit.visit_registered += round(cover.registered)
            unit.visit_on_cadence += round(cover.on_cadence)
    last_year = await aggregates.counts_by_grid_category(db, last_start, last_end)
    return TownFigures(unit, Change(unit.received, sum(last_year.values())))


def rules_of(district: District) -> tuple[Weights, int, str]:
    """The district's weights, minimum sample and bulletin language: the publisher town's."""
    settings = district.town(district.publisher).settings
    return settings.bulletin_weights, settings.bulletin_min_cases, settings.bulletin_language


async def district_report(books: TownBooks, period: Period, as_of: datetime) -> DistrictReport:
    """Every town read and ranked; a town whose database cannot be opened is named apart."""
    district = books.district

    async def one(town: Town) -> TownFigures | None:
        try:
            db = await books.db(town.key)
        except StorageError as exc:
            log.warning("district: town %s cannot be read: %s", town.key, exc)
            return None
        return await town_figures(db, town, period, as_of)

    found = await asyncio.gather(*(one(town) for town in district.towns))
    weights, min_cases, _ = rules_of(district)
    return rank_towns(
        district.name,
        period,
        as_of,
        [f for f in found if f is not None],
        weights,
        min_cases,
        unread=[town.name for town, f in zip(district.towns, found, strict=True) if f is None],
    )
