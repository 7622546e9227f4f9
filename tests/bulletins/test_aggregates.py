"""The daily pre-aggregates equal the raw aggregate, figure for figure: random streams of the
events that change a complaint — filing, acceptance, rejection, resolution, closing with or
without a rating or an answer of satisfaction, reopening, a send-back for 重办, transfer to
another grid or department, new deadlines, escalation, a patrol ticket linked to a case, a
reporter erasing themselves — written through the real storage functions, then every bulletin
compared built both ways, for random periods, moments and time zones (local midnight away
from UTC midnight, and daylight saving)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.bulletins.report import BulletinConfig, build_report
from bot.core.periods import KINDS, containing
from storage import aggregates
from storage import rankings as raw
from storage.db import Database
from tests.support.aggregates import ORIGIN, SPAN, Stream, moment, sums_of

CASES = 40
EVENTS = 70
ZONES = [ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"), ZoneInfo("UTC")]


@pytest.mark.parametrize("case", range(CASES))
async def test_every_bulletin_figure_from_the_pre_aggregates_equals_the_raw_one(
    seeded_db: Path, case: int
) -> None:
    rnd = random.Random(case)
    async with Database(seeded_db) as db:
        await Stream(db, rnd).run(EVENTS)
        for _ in range(6):
            tz = rnd.choice(ZONES)
            day = (ORIGIN + timedelta(days=rnd.randrange(SPAN.days))).date()
            period = containing(rnd.choice(KINDS), day)
            as_of = moment(rnd)
            start, end = period.bounds(tz)
            assert await aggregates.complaint_groups(db, start, end, as_of) == (
                await raw.complaint_groups(db, start, end, as_of)
            ), (period, tz, as_of)
            config = BulletinConfig(tz=tz)
            assert await build_report(db, period, as_of, config) == (
                await build_report(db, period, as_of, config, raw=True)
            ), (period, tz, as_of)
        before = await sums_of(db)
        days = await aggregates.reaggregate(db)
        assert 0 < days < len(before)
        assert await sums_of(db) == before  # the triggers kept exactly what a rebuild makes


async def test_a_period_shorter_than_a_utc_day_reads_the_raw_rows(seeded_db: Path) -> None:
    start = datetime(2026, 3, 1, 16, tzinfo=UTC)
    async with Database(seeded_db) as db:
        await Stream(db, random.Random(7)).run(60)
        for end in (start + timedelta(hours=8), start + timedelta(hours=30)):
            as_of = end + timedelta(days=1)
            assert await aggregates.complaint_groups(db, start, end, as_of) == (
                await raw.complaint_groups(db, start, end, as_of)
            )
