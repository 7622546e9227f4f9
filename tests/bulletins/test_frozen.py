"""Frozen figures: a published bulletin keeps what it published. Its exports reproduce it
exactly after the records change (a case reopened, one closed late, a worker moved to another
grid); publishing it again is a correction (更正) that states what changed, shown to the admin
before confirming; a recount that changes nothing, or figures that moved after the preview,
publish nothing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.bulletins import snapshot
from bot.bulletins.publish import live_report, publish, report_for
from bot.bulletins.render import BulletinText
from bot.bulletins.report import Report
from bot.bulletins.tables import Cell
from bot.core.clock import ManualClock
from bot.core.periods import Period
from bot.core.refusals import Stale
from storage import people
from tests.conftest import ADMIN_ID
from tests.support.bulletins import Town, local
from tests.support.complaints import report as file_report
from tests.support.harness import Harness, User, register, table_counts
from tests.support.meetings import deliver
from tests.support.representatives import WORKER, grant

CHANNEL = -1001234567890
WEEK = Period.from_key("week:2026-11-16")
ADMIN = User(ADMIN_ID, "镇管理员")
Cells = dict[str, list[list[object]]]


@pytest.fixture
async def bot(seeded_db: Path) -> AsyncIterator[Harness]:
    """The bot with a bulletin channel on Monday 23 November 2026, 08:00; last week one grid
    handled three cases well and another three late; a worker holds the first grid."""
    harness = await Harness(
        seeded_db,
        admin_ids=frozenset({ADMIN_ID}),
        clock=ManualClock(local(2026, 11, 23, 8, 0)),
        extra_settings={"bulletin_chat_id": CHANNEL},
    ).start()
    await register(harness, ADMIN)
    await grant(harness, WORKER, "grid_worker", grid="SQ-01-01")
    town = await Town(harness.services.db).load()
    await town.handled_well("SQ-01-01", local(2026, 11, 17, 9), 3)
    for _ in range(3):
        created = local(2026, 11, 16, 9)
        await town.complaint(
            "SQ-01-02", created, accepted=created + timedelta(days=6), rating=3,
            resolved=created + timedelta(days=6), closed=created + timedelta(days=6),
            close_reason="confirmed",
        )  # fmt: skip
    yield harness
    if harness.app is not None:
        await harness.stop()


async def _change_the_records(bot: Harness) -> None:
    """After publishing: a case of the first grid reopened, a late case closed in the second
    grid, and the worker moved from the first grid to a third."""
    db = bot.services.db
    town = await Town(db).load()
    async with db.transaction() as conn:
        await conn.execute(
            """UPDATE complaints SET status = 'accepted', resolved_at = NULL, closed_at = NULL,
                   close_reason = NULL, rating = NULL
               WHERE id = (SELECT MIN(id) FROM complaints WHERE grid_id = ?)""",
            (town.grids["SQ-01-01"],),
        )
    created = local(2026, 11, 18, 9)
    done = local(2026, 11, 27, 9)
    await town.complaint(
        "SQ-01-02", created, accepted=created + timedelta(hours=1), resolved=done, closed=done,
        close_reason="no_reply",
    )  # fmt: skip
    await people.revoke(db, WORKER.id, "grid_worker")
    await people.grant(
        db, WORKER.id, "grid_worker", bot.clock.now(), grid_id=town.grids["SQ-02-01"],
        display_name=WORKER.first_name,
    )  # fmt: skip


def _cells(workbook: bytes) -> Cells:
    book = load_workbook(BytesIO(workbook))
    return {
        sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in book
    }


async def _export(bot: Harness) -> Cells:
    """The admin's Excel export of the week, through /bulletin's button."""
    since = len(bot.fake.calls)
    await bot.press(ADMIN, f"bul:xlsx:{WEEK.key}")
    document = next(c for c in bot.fake.calls[since:] if c.method == "sendDocument")
    return _cells(document.files["document"])


def _tables(bot: Harness, report: Report) -> list[list[list[Cell]]]:
    return [t.rows for t in BulletinText(bot.services.renderer, report, "zh-CN").tables()]


async def test_the_export_of_a_published_bulletin_keeps_its_figures_after_the_records_change(
    bot: Harness,
) -> None:
    published = await publish(bot.services, WEEK, trigger="manual", created_by=ADMIN.id)
    assert published is not None and not published.correction
    before = await _export(bot)
    assert "上强社区第一网格" in str(before)

    bot.clock.advance(timedelta(days=7))
    await _change_the_records(bot)
    live = await live_report(bot.services, WEEK)
    frozen = await report_for(bot.services, WEEK)
    assert _tables(bot, live) != _tables(bot, frozen)  # the records did move …
    after = await _export(bot)
    assert after == before  # … the published figures did not
    grids = after["网格排名"]
    first = next(row for row in grids if row[1] == "上强社区第一网格")
    assert first[4] == 3 and first[6] == 1.0  # three received, all resolved on time
    worker = next(row for sheet in after.values() for row in sheet if row[1] == WORKER.first_name)
    assert worker[2] == "上强社区第一网格"  # where the worker was when it was published


async def test_the_stored_figures_read_back_as_the_same_report(bot: Harness) -> None:
    await publish(bot.services, WEEK, trigger="manual")
    stored = await bot.services.db.fetchval(
        "SELECT text FROM bulletin_parts WHERE audience = 'figures'"
    )
    report = snapshot.load(stored)
    assert snapshot.dump(report) == stored
    assert report.grids and any(u.rank for u in report.grids)
    recount = await live_report(bot.services, WEEK)
    assert snapshot.fingerprint(report) == snapshot.fingerprint(recount)
    await _change_the_records(bot)
    moved = await live_report(bot.services, WEEK)
    assert snapshot.fingerprint(moved) != snapshot.fingerprint(report)


async def test_the_stored_figures_hold_no_residents_data(bot: Harness) -> None:
    resident = User(100001, "王秀英")
    await register(bot, resident)
    bot.clock.set(local(2026, 11, 18, 9))
    text = "小区门口垃圾三天没人清运，联系电话13812345678，王秀英"
    await file_report(bot, resident, text=text, address="上强社区3幢门口")
    bot.clock.set(local(2026, 11, 23, 8))
    await publish(bot.services, WEEK, trigger="manual")
    stored = await bot.services.db.fetchval(
        "SELECT text FROM bulletin_parts WHERE audience = 'figures'"
    )
    assert "王秀英" not in stored and "13812345678" not in stored and "垃圾" not in stored
    assert str(resident.id) not in stored


async def test_publishing_again_is_a_correction_that_states_what_changed(bot: Harness) -> None:
    await publish(bot.services, WEEK, trigger="manual", created_by=ADMIN.id)
    await deliver(bot)
    bot.clock.advance(timedelta(days=7))
    await _change_the_records(bot)

    # The admin sees the correction's differences before confirming.
    await bot.send(ADMIN, "/bulletin")
    since = len(bot.fake.calls)
    await bot.press(ADMIN, f"bul:v:{WEEK.key}")  # last week is two weeks back now
    shown = "\n".join(bot.fake.texts(ADMIN.id, since))
    assert "更正：2026年第47周" in shown and "11月23日 08:00发布" in shown
    assert "上强社区第一网格" in shown and "按时办结率 100.0%→" in shown
    assert "上强社区第二网格" in shown and "受理 3→4" in shown
    assert "张网格</b>：排名 1→不排名；所属 上强社区第一网格→东红村第一网格" in shown
    assert "处变化" in bot.fake.texts(ADMIN.id)[-1]
    assert any("发布更正" in label for label in bot.buttons(ADMIN.id))

    await bot.button(ADMIN, "发布更正")
    assert "更正已发布" in bot.fake.texts(ADMIN.id)[-1]
    rows = await bot.services.db.fetchall("SELECT trigger FROM bulletins ORDER BY id")
    assert [r[0] for r in rows] == ["manual", "manual"]
    channel = [c for c in await deliver(bot) if int(c.params.get("chat_id", 0)) == CHANNEL]
    posted = [str(c.params.get("text") or c.params.get("caption")) for c in channel]
    assert "更正" in posted[0] and "受理 3→4" in posted[0]  # the note first …
    assert "【更正】" in posted[-1] and "上强社区第二网格" in posted[-1]  # … then the bulletin

    # From now on the export gives the corrected figures, and they stay.
    corrected = await _export(bot)
    recount = await live_report(bot.services, WEEK)
    assert _tables(bot, await report_for(bot.services, WEEK)) == _tables(bot, recount)
    second = next(row for row in corrected["网格排名"] if row[1] == "上强社区第二网格")
    assert second[4] == 4


async def test_a_recount_that_changes_nothing_offers_no_correction(bot: Harness) -> None:
    await publish(bot.services, WEEK, trigger="manual")
    bot.clock.advance(timedelta(days=3))
    await bot.send(ADMIN, "/bulletin")
    await bot.button(ADMIN, "上周")
    assert "无需更正" in bot.fake.texts(ADMIN.id)[-1]
    assert not any("发布" in label for label in bot.buttons(ADMIN.id))
    before = await table_counts(bot)
    await bot.press(ADMIN, "bul:pub:week:2026-11-16")  # an old or forged publish button
    assert "失效" in bot.fake.answers()[-1]
    assert await table_counts(bot) == before
    with pytest.raises(Stale):
        await publish(bot.services, WEEK, trigger="manual")
    assert await table_counts(bot) == before


async def test_a_correction_whose_figures_moved_after_the_preview_is_refused(
    bot: Harness,
) -> None:
    await publish(bot.services, WEEK, trigger="manual")
    town = await Town(bot.services.db).load()
    await town.handled_well("SQ-01-02", local(2026, 11, 19, 9), 1)
    await bot.send(ADMIN, "/bulletin")
    await bot.button(ADMIN, "上周")
    await town.handled_well("SQ-01-02", local(2026, 11, 19, 9), 1)  # after the preview
    before = await table_counts(bot)
    await bot.button(ADMIN, "发布更正")
    assert "重新预览" in bot.fake.answers()[-1]
    assert await table_counts(bot) == before


async def test_a_scheduled_run_never_corrects_a_published_period(bot: Harness) -> None:
    from bot.bulletins.publish import BulletinSchedule

    await publish(bot.services, WEEK, trigger="manual")
    await _change_the_records(bot)
    bot.clock.set(local(2026, 11, 23, 9, 0))
    assert await BulletinSchedule(bot.services).run_due() == []
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM bulletins") == 1


async def test_followers_get_a_correction_only_when_it_touches_their_zone(bot: Harness) -> None:
    near = User(100003, "张阿姨")
    far = User(100004, "赵叔")
    for user, zone, community in ((near, "上强", "上强社区"), (far, "阳山", "阳山社区")):
        await register(bot, user, zone=zone, community=community)
        await bot.send(user, "/settings")
        await bot.button(user, "📢")
    first = await publish(bot.services, WEEK, trigger="manual")
    assert first is not None and first.followers == 2
    await deliver(bot)
    since = len(bot.fake.calls)
    town = await Town(bot.services.db).load()
    await town.handled_well("SQ-01-02", local(2026, 11, 19, 9), 1)  # a grid of 上强
    outcome = await publish(bot.services, WEEK, trigger="manual")
    assert outcome is not None and outcome.correction and outcome.followers == 1
    await deliver(bot)
    told = " ".join(bot.fake.texts(near.id, since))
    assert "更正" in told and "上强社区第二网格" in told and "受理 3→4" in told
    assert not bot.fake.sent_to(far.id, since)


async def test_the_command_line_prints_the_published_figures_unless_told_to_count_now(
    bot: Harness,
) -> None:
    await publish(bot.services, WEEK, trigger="manual")
    await _change_the_records(bot)

    def minhu(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "bulletin", "--period", WEEK.key, *args],
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin", "MINHU_DATABASE": str(bot.db_path)},
            timeout=60,
            check=True,
        )

    frozen, live = minhu(), minhu("--live")
    assert "the figures published at 2026-11-23T00:00:00+00:00" in frozen.stderr
    second = "<b>上强社区第二网格</b>"
    assert second in frozen.stdout and second in live.stdout
    assert "受理3件" in frozen.stdout.split(second)[1].split("\n")[1]
    assert "受理4件" in live.stdout.split(second)[1].split("\n")[1]


async def test_a_bulletin_published_before_figures_were_kept_is_corrected_without_a_list(
    bot: Harness,
) -> None:
    await publish(bot.services, WEEK, trigger="manual")
    async with bot.services.db.transaction() as conn:  # as published by an earlier version
        await conn.execute("DELETE FROM bulletin_parts WHERE audience = 'figures'")
    await _change_the_records(bot)
    live = await live_report(bot.services, WEEK)
    assert _tables(bot, await report_for(bot.services, WEEK)) == _tables(bot, live)
    await bot.send(ADMIN, "/bulletin")
    since = len(bot.fake.calls)
    await bot.button(ADMIN, "上周")
    shown = "\n".join(bot.fake.texts(ADMIN.id, since))
    assert "原发布版本未保存统计数据" in shown and "→" not in shown
    await bot.button(ADMIN, "发布更正")
    outcome = await bot.services.db.fetchval("SELECT COUNT(*) FROM bulletins")
    assert outcome == 2
    assert (
        await bot.services.db.fetchval(
            "SELECT COUNT(*) FROM bulletin_parts WHERE audience = 'figures'"
        )
        == 1
    )
