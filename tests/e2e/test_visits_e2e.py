"""网格走亲 over real HTTP, with the running bot's clock moved (never slept): a grid worker
registers 王奶奶 (独居老人, weekly) with her oral consent; left unvisited, the worker is reminded
on her due day and again when she is overdue, then the zone's dispatch centre hears of it; the
worker visits, finds a gas hose cracking, and the case reaches 消防; /visits shows the coverage
of the grid without her name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.emulator import Emulator
from tests.e2e.test_dispatch_e2e import minhu_grant
from tests.e2e.test_resident_journey import register
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, Chat, new_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = 86400.0


@pytest.fixture
def visits_bot(
    emulator: Emulator, tmp_path: Path, e2e_database: Path | str
) -> Iterator[BotProcess]:
    """The bot started on Monday 2 March 2026, 10:00 in 埭溪镇."""
    bot = BotProcess(emulator.bot_api_base, e2e_database, tmp_path / "bot.log")
    target = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)
    bot.offset_file.write_text(str((target - datetime.now(UTC)).total_seconds()))
    bot.seed()
    bot.start()
    yield bot
    if bot.proc is not None:
        assert bot.stop() == 0, (tmp_path / "bot.log").read_text()
    assert "Traceback" not in (tmp_path / "bot.log").read_text()


def later(bot: BotProcess, days: float, *watching: Chat) -> None:
    """Move the bot's clock; later `expect`s of `watching` look only at what comes after."""
    for chat in watching:
        chat.seq = chat.current_seq()
    bot.advance(days * DAY)


def texts(chat: Chat) -> str:
    return "\n".join(str(m.get("text") or "") for m in chat.messages() if m["from_bot"])


def register_household(worker: Chat) -> None:
    worker.say("/household")
    worker.expect("第 1 步")
    worker.say("王奶奶")
    worker.expect("第 2 步")
    worker.say("东红村3组12号")
    worker.expect("第 3 步")
    worker.say("0572-1234567")
    worker.expect("第 4 步")
    worker.press("跳过")
    worker.expect("第 5 步")
    worker.press("独居老人")
    worker.expect("多久")
    worker.press("每 7 天")
    worker.expect("第 6 步")
    worker.say("高血压，耳背，敲门要用力")
    worker.expect("读这段话")
    worker.press("住户已口头同意")
    assert "张网格" in str(worker.expect("已登记")["text"])


def test_a_household_is_registered_reminded_escalated_and_a_visit_opens_a_case(
    visits_bot: BotProcess, client: httpx.Client
) -> None:
    worker, centre, officer = (
        new_user(client, "张网格"),
        new_user(client, "上强分中心"),
        new_user(client, "消防小杨"),
    )
    minhu_grant(
        visits_bot, "grid_worker", str(worker.user_id), "--grid", "SQ-01-01", "--name", "张网格"
    )
    minhu_grant(
        visits_bot, "dispatcher", str(centre.user_id), "--zone", "SQ", "--name", "上强分中心"
    )
    minhu_grant(
        visits_bot, "department", str(officer.user_id), "--department", "XF", "--name", "消防小杨"
    )
    for chat in (worker, centre, officer):
        register(chat)
    register_household(worker)
    with raw_connection(visits_bot.database) as db:
        consent = db.execute("SELECT consent_by, consent_at FROM households").fetchone()
    assert consent[0] == worker.user_id and consent[1].startswith("2026-03-02T02:00")

    later(visits_bot, 7, worker, centre)  # Monday 9 March, 10:00: the due day
    assert "王奶奶" in str(worker.expect("今天该走访了", timeout=30)["text"])
    later(visits_bot, 1, worker, centre)  # day 8: overdue
    worker.expect("走访已逾期 1 天", timeout=30)
    later(visits_bot, 1, worker, centre)  # then the dispatch centre
    report = str(centre.expect("走访逾期报告", timeout=30)["text"])
    assert "王奶奶" in report and "张网格" in report
    assert texts(worker).count("走访已逾期") == 1 and "走访逾期报告" not in texts(worker)

    # The visit: the household (overdue first) → at the door → a hazard → words → a photo.
    worker.say("/visit")
    worker.expect("哪一户")
    worker.press("王奶奶")
    worker.expect("就在门口")
    worker.say("🚪 就在门口")
    worker.expect("情况如何")
    worker.press("发现隐患")
    worker.expect("会生成工单")
    worker.say("厨房燃气软管老化开裂，有煤气味")
    worker.expect("照片")
    worker.photo()
    assert "MH-2026-000001" in str(worker.expect("走访已记录", timeout=30)["text"])
    notice = officer.expect("MH-2026-000001", timeout=30)  # with the photo: a caption
    assert "燃气软管" in str(notice.get("caption") or notice.get("text"))

    worker.say("/visits")
    coverage = str(worker.expect("走访覆盖")["text"])
    assert "1 户" in coverage and "王奶奶" not in coverage
    with raw_connection(visits_bot.database) as db:
        assert db.execute("SELECT finding, complaint_id FROM visits").fetchall() == [("hazard", 1)]
