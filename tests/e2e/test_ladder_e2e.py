"""Over real HTTP, with the running bot's clock moved (never slept): a complaint filed on
Wednesday 30 September 2026, the day before the National Day holiday, is left alone and walks
the whole escalation ladder — the digest on the first working day after the holiday, the
reminder stating the deadline, 催办 at it to the worker and the dispatcher (a button opens the
case), a 催办 each working day (the make-up Saturday too, not the Sunday), the 通报 after three
working days — each message once, with the bot stopped and started in the middle."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.emulator import Emulator
from storage.demo_places import centre
from tests.e2e.test_resident_journey import register
from tests.e2e.test_routing_e2e import grant
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, Chat, new_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def when(bot: BotProcess, *local: int, watching: tuple[Chat, ...] = ()) -> None:
    """Set the bot's clock to a local moment (it reads the offset on every `now()`); later
    `expect`s of `watching` look only at what comes after."""
    for chat in watching:
        chat.seq = chat.current_seq()
    target = datetime(*local, tzinfo=SHANGHAI).astimezone(UTC)
    bot.offset_file.write_text(str((target - datetime.now(UTC)).total_seconds()))


@pytest.fixture
def ladder_bot(
    emulator: Emulator, tmp_path: Path, e2e_database: Path | str
) -> Iterator[BotProcess]:
    """The bot started on Wednesday 30 September 2026, 09:55 in 埭溪镇."""
    bot = BotProcess(emulator.bot_api_base, e2e_database, tmp_path / "bot.log")
    when(bot, 2026, 9, 30, 9, 55)
    bot.seed()
    bot.start()
    yield bot
    if bot.proc is not None:
        assert bot.stop() == 0, (tmp_path / "bot.log").read_text()
    assert "Traceback" not in (tmp_path / "bot.log").read_text()


def grant_admin(bot: BotProcess, chat: Chat) -> None:
    command = [sys.executable, "-m", "bot", "grant", "admin", str(chat.user_id)]
    subprocess.run(command, env=bot.env(), check=True, capture_output=True)
    register(chat)


def report(resident: Chat) -> str:
    resident.say("/report")
    resident.expect("第 1 步")
    resident.press("环境卫生")
    resident.expect("描述问题")
    resident.say("小区东门垃圾桶满了三天没人清理")
    resident.expect("第 3 步")
    resident.press("不需要照片")
    resident.expect("什么位置")
    resident.location(*centre("SQ-01-01"))
    resident.expect("匿名")
    resident.press("实名")
    resident.expect("请确认")
    resident.press("确认提交")
    text = str(resident.expect("MH-2026-")["text"])
    assert "10月8日 18:00 前受理" in text  # one working day, after the holiday
    return "MH-2026-000001"


def texts(chat: Chat) -> str:
    return "\n".join(str(m.get("text") or "") for m in chat.messages() if m["from_bot"])


def test_a_case_left_alone_walks_the_ladder_across_the_holiday_and_a_restart(
    ladder_bot: BotProcess, client: httpx.Client
) -> None:
    worker, admin = new_user(client, "张网格"), new_user(client, "老陈")
    grant(ladder_bot, worker, "SQ-01-01", "张网格")
    grant_admin(ladder_bot, admin)
    resident = new_user(client, "王阿姨")
    register(resident)
    number = report(resident)
    both = (worker, admin)

    when(ladder_bot, 2026, 10, 8, 8, 31, watching=both)  # the first working day: the digest
    digest = admin.expect("每日汇总", timeout=30)["text"]
    assert "新收 1 件" in digest and number in digest

    when(ladder_bot, 2026, 10, 8, 14, 1, watching=both)  # four hours before the deadline
    worker.expect("请在 10月8日 18:00 前签收", timeout=30)

    when(ladder_bot, 2026, 10, 8, 18, 1, watching=both)  # the deadline: 催办 to both
    assert "已逾期" in worker.expect("催办（第 1 次）", timeout=30)["text"]
    assert "张网格" in admin.expect("催办（第 1 次）", timeout=30)["text"]
    admin.press("打开案件")
    assert "小区东门垃圾桶" in admin.expect(number)["text"]

    assert ladder_bot.stop() == 0  # down overnight; the next morning's rungs are rows
    when(ladder_bot, 2026, 10, 9, 9, 1, watching=both)
    ladder_bot.start()
    assert "逾期 1 件" in admin.expect("每日汇总", timeout=30)["text"]
    assert "已逾期 1 个工作日" in worker.expect("催办（第 2 次）", timeout=30)["text"]

    when(ladder_bot, 2026, 10, 10, 9, 1, watching=both)  # Saturday, a make-up working day
    worker.expect("催办（第 3 次）", timeout=30)
    admin.expect("每日汇总", timeout=30)
    when(ladder_bot, 2026, 10, 12, 9, 1, watching=both)  # Monday (nothing on Sunday)
    worker.expect("催办（第 4 次）", timeout=30)
    admin.expect("每日汇总", timeout=30)
    when(ladder_bot, 2026, 10, 12, 18, 1, watching=both)  # three working days late
    assert "逾期 3 个工作日" in admin.expect("通报：", timeout=30)["text"]

    to_worker, to_admin = texts(worker), texts(admin)
    assert to_worker.count("请在 10月8日 18:00 前签收。") == 1
    for rung in ("第 1 次", "第 2 次", "第 3 次", "第 4 次"):
        assert to_worker.count(f"催办（{rung}）") == 1, rung
    assert to_admin.count("催办（") == 1  # the daily ones are in the digest
    assert to_admin.count("每日汇总") == 4  # 8, 9, 10 and 12 October
    assert to_admin.count("通报：") == 1
    with raw_connection(ladder_bot.database) as db:  # the bulletin counts it overdue
        assert db.execute(
            "SELECT SUM(overdue) FROM complaint_sums WHERE span = 'd'"
        ).fetchone() == (1,)
        assert db.execute("SELECT reported_at IS NOT NULL FROM complaints").fetchone() == (1,)
