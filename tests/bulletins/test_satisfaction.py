"""满意率 and 重办率 as 12345 counts them, on hand-made records with known answers: a case
closed without an answer is in the denominator as not satisfied, a case sent back for 重办 and
not closed again too; 重办率 is the cases sent back over the cases resolved. The pre-aggregates
give the raw figures; the figures reach the text, the tables (exports) and the frozen
snapshot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.bulletins import snapshot
from bot.bulletins.render import BulletinText
from bot.bulletins.report import BulletinConfig, build_report
from bot.core.periods import containing
from bot.core.render import Renderer
from storage import lifecycle
from storage.db import Database
from tests.support.bulletins import TZ, Town, local

CONFIG = BulletinConfig(tz=TZ)
RENDERER = Renderer(ZoneInfo("Asia/Shanghai"))
GRID = "SQ-01-01"


@pytest.fixture
async def town(seeded_db: Path) -> AsyncIterator[Town]:
    async with Database(seeded_db) as db:
        yield await Town(db).load()


async def _set(town: Town, complaint_id: int, was: str, **fields: Any) -> None:
    async with town.db.transaction() as conn:
        assert await lifecycle.change(
            conn, complaint_id, expected_status=was, now=local(2026, 3, 20), **fields
        )


async def test_unanswered_and_redone_cases_count_against_satisfaction(town: Town) -> None:
    filed, accepted, resolved = local(2026, 3, 2, 9), local(2026, 3, 2, 10), local(2026, 3, 3)
    done = {"accepted": accepted, "resolved": resolved}
    closed = {**done, "closed": local(2026, 3, 4), "close_reason": "confirmed"}
    satisfied = await town.complaint(GRID, filed, **closed)
    basic = await town.complaint(GRID, filed, **closed, rating=2)
    await town.complaint(GRID, filed, **{**closed, "close_reason": "no_reply"})  # no answer
    in_redo = await town.complaint(GRID, filed, **done)
    redone_then_satisfied = await town.complaint(GRID, filed, **closed)
    await town.complaint(GRID, filed, accepted=accepted)  # still in hand: in neither figure
    await _set(town, satisfied, "closed", satisfaction="satisfied")
    await _set(town, basic, "closed", satisfaction="basic")
    await _set(town, in_redo, "resolved", status="reopened", accepted_at=None, redo_count=1)
    await _set(town, redone_then_satisfied, "closed", satisfaction="satisfied", redo_count=1)

    month = containing("month", date(2026, 3, 2))
    as_of = local(2026, 4, 1)
    report = await build_report(town.db, month, as_of, CONFIG)
    assert report == await build_report(town.db, month, as_of, CONFIG, raw=True)
    s = next(r for r in report.grids if r.stats.key == GRID).stats
    # Five cases closed or sent back; three answered 满意 / 基本满意 (stars play no part).
    assert (s.sat_judged, s.satisfied, s.basic) == (5, 2, 1)
    assert s.satisfaction_rate == pytest.approx(3 / 5)
    # Two of the five resolved were sent back for 重办.
    assert (s.redone, s.ever_resolved) == (2, 5)
    assert s.redo_rate == pytest.approx(2 / 5)

    text = "\n".join(BulletinText(RENDERER, report, "zh-CN").messages())
    assert "满意率60.0%" in text and "重办率40.0%" in text and "未评价即关闭的计为不满意" in text
    english = "\n".join(BulletinText(RENDERER, report, "en").messages())
    assert "satisfied 60.0%" in english and "redone 40.0%" in english
    grids = next(t for t in BulletinText(RENDERER, report, "zh-CN").tables() if t.key == "grids")
    row = next(r for r in grids.rows if r[1] == s.name)
    for heading, value in (("满意率", 3 / 5), ("重办率", 2 / 5)):
        column = grids.columns.index(heading)
        assert column in grids.percent_columns and row[column] == pytest.approx(value)

    # Frozen: the published snapshot carries the figures, whatever changes after.
    frozen = snapshot.load(snapshot.dump(report))
    kept = next(r for r in frozen.grids if r.stats.key == GRID).stats
    assert (kept.satisfaction_rate, kept.redo_rate) == (s.satisfaction_rate, s.redo_rate)
    await _set(town, in_redo, "reopened", status="closed", satisfaction="satisfied")
    later = await build_report(town.db, month, as_of, CONFIG)
    moved = next(r for r in later.grids if r.stats.key == GRID).stats
    assert moved.satisfaction_rate == pytest.approx(4 / 5)  # the records moved…
    assert kept.satisfaction_rate == pytest.approx(3 / 5)  # …the snapshot did not
