"""The offline demo has fourteen months of invented history, written once, so that /bulletin
shows real-looking tables: workers ranked with the top six honoured, disputes down on a year
earlier — and no invented resident anywhere."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime
from pathlib import Path

from bot.bulletins.packing import MESSAGE_LIMIT, utf16_len
from bot.bulletins.render import BulletinText
from bot.bulletins.report import BulletinConfig, build_report
from bot.core.periods import last_complete
from bot.core.render import Renderer
from bot.core.telegram_text import parse_html
from bot.demo.run import prepare_database
from storage.db import Database
from tests.support.bulletins import TZ


async def test_the_demo_history_is_written_once_and_ranks_like_a_real_town(
    tmp_path: Path,
) -> None:
    path = tmp_path / "demo.db"
    await prepare_database(path)
    async with Database(path) as db:
        first = await db.fetchval("SELECT COUNT(*) FROM complaints")
    await prepare_database(path)
    async with Database(path) as db:
        assert await db.fetchval("SELECT COUNT(*) FROM complaints") == first > 1000
        assert (
            await db.fetchval("SELECT COUNT(*) FROM complaints WHERE reporter_id IS NOT NULL") == 0
        )
        assert await db.fetchval("SELECT COUNT(*) FROM people") == 4  # the demo staff only
        now = datetime.now(UTC)
        month = last_complete("month", now, TZ)
        report = await build_report(db, month, now, BulletinConfig(tz=TZ))
        held = "SELECT COUNT(*) FROM meetings WHERE status = 'held' AND attendance > 0"
        assert await db.fetchval(held) >= 15
    ranked = [w for w in report.workers if w.ranked]
    assert len(ranked) >= 8
    assert 6 <= sum(w.honoured for w in report.workers) <= 8
    assert report.total.previous > 0  # a year earlier is there to compare with
    assert any(r.ranked for r in report.representatives)
    # Confirmed closes carry an answer of satisfaction; those closed with no reply none.
    rates = [w.stats.satisfaction_rate for w in ranked if w.stats.satisfaction_rate is not None]
    # Last month's sample per worker is small (and smaller on the 1st): one unhappy answer
    # of two is 50 %; the town as a whole is mostly satisfied, and not uniformly.
    assert rates and all(0 <= r <= 1 for r in rates) and min(rates) < 1
    assert statistics.median(rates) >= 0.75


async def test_every_part_of_a_full_bulletin_is_valid_telegram_html(tmp_path: Path) -> None:
    """The demo's month has every table (workers, grids, categories, zones, communities,
    departments, representatives, meetings): each message parses as Telegram HTML."""
    path = tmp_path / "demo.db"
    await prepare_database(path)
    now = datetime.now(UTC)
    async with Database(path) as db:
        report = await build_report(db, last_complete("month", now, TZ), now, BulletinConfig(tz=TZ))
    assert report.departments and report.representatives and report.categories
    for language in ("zh-CN", "en"):
        text = BulletinText(Renderer(TZ), report, language)
        messages = [*text.messages(), text.caption()]
        for zone in report.zones:
            messages += text.zone_messages(zone.key)
        for message in messages:
            assert utf16_len(message) <= MESSAGE_LIMIT
            parse_html(message)
