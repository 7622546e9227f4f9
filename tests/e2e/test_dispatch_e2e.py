"""Over real HTTP, the dispatch centre (指挥中心) of 上强片区 at work: a worker's 退回 reaches
it and it re-routes the case to 城建 with a reason the officer reads; the officer asks for
more time (延期申请), the centre approves, and the deadline moves with its reminder — the
bot's clock passes the old deadline without escalating and reminds before the new one."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from bot.calendar.workdays import WorkCalendar
from tests.e2e.test_resident_journey import finish_report, register, report_until_photos
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, new_user

TZ = ZoneInfo("Asia/Shanghai")


def minhu_grant(minhu: BotProcess, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "bot", "grant", *args],
        env=minhu.env(),
        check=True,
        capture_output=True,
    )


def case_row(minhu: BotProcess) -> tuple[str, str, str | None]:
    with raw_connection(minhu.database) as db:
        row = db.execute("SELECT status, resolve_due_at, department_id FROM complaints").fetchone()
    return str(row[0]), str(row[1]), row[2]


def pending_timers(minhu: BotProcess) -> list[tuple[str, str]]:
    with raw_connection(minhu.database) as db:
        rows = db.execute(
            "SELECT kind, due_at FROM timers WHERE state = 'pending' ORDER BY due_at"
        ).fetchall()
    return [(str(k), str(d)) for k, d in rows]


def bot_now(minhu: BotProcess) -> datetime:
    offset = float(minhu.offset_file.read_text()) if minhu.offset_file.exists() else 0.0
    return datetime.now(UTC) + timedelta(seconds=offset)


def test_a_reject_is_rerouted_and_an_extension_moves_the_deadline(
    minhu: BotProcess, client: httpx.Client
) -> None:
    worker = new_user(client, "张网格")
    minhu_grant(minhu, "grid_worker", str(worker.user_id), "--grid", "SQ-01-01", "--name", "张网格")
    centre = new_user(client, "上强分中心")
    minhu_grant(minhu, "dispatcher", str(centre.user_id), "--zone", "SQ", "--name", "上强分中心")
    officer = new_user(client, "城建小王")
    minhu_grant(
        minhu, "department", str(officer.user_id), "--department", "CJ", "--name", "城建小王"
    )
    resident = new_user(client, "王阿姨")
    for chat in (worker, centre, officer, resident):
        register(chat)
    report_until_photos(resident)
    assert "MH-2026-000001" in finish_report(resident)

    # 退回 → the zone's dispatch centre → 改派 to 城建 with a reason.
    worker.expect("新诉求 MH-2026-000001")
    worker.press("退回")
    worker.expect("原因")
    worker.say("井盖破损不归网格管，应由城建维修")
    worker.expect("指挥中心审批")
    centre.expect("退回申请 MH-2026-000001")
    assert case_row(minhu)[0] == "submitted"
    centre.press("改派")
    centre.expect("转给哪里")
    centre.press("城建")
    centre.expect("转办原因")
    centre.say("属于市政设施，请城建处理")
    centre.expect("已把")
    shown = officer.expect("转来的诉求 MH-2026-000001")
    assert "转办原因：属于市政设施，请城建处理" in shown["text"]
    assert case_row(minhu)[0] == "transferred"

    # The officer accepts, then asks for more time; the centre approves.
    officer.press("签收")
    officer.expect_button("延期申请")
    status, due_text, _ = case_row(minhu)
    assert status == "accepted"
    old_due = datetime.fromisoformat(due_text)
    calendar = WorkCalendar(TZ)
    new_due = calendar.add_working_days(old_due, 2)
    new_day = new_due.astimezone(TZ).date()
    officer.press("延期申请")
    officer.expect("延期到哪一天")
    officer.say(new_day.isoformat())
    officer.expect("延期原因")
    officer.say("需要等配件到货，厂家周五才发货")
    officer.expect("等指挥中心审批")
    asked = centre.expect("延期申请 MH-2026-000001")
    assert "配件到货" in asked["text"]
    centre.press("批准延期")
    centre.expect("已批准")
    shown_due = f"{new_day.month}月{new_day.day}日 18:00"
    assert shown_due in officer.expect("延期申请已批准")["text"]
    resident.expect("延长到")

    assert datetime.fromisoformat(case_row(minhu)[1]) == new_due
    reminder_at = new_due - timedelta(hours=4)
    assert pending_timers(minhu) == [
        ("resolve_remind", reminder_at.isoformat(timespec="seconds")),
        ("resolve_due", new_due.isoformat(timespec="seconds")),
    ]

    # The bot's clock passes the old deadline, then reaches the new reminder.
    minhu.advance((reminder_at + timedelta(minutes=1) - bot_now(minhu)).total_seconds())
    shown = officer.expect("前办结", timeout=30)
    assert shown_due in shown["text"]
    deadline = time.monotonic() + 10
    while case_row(minhu)[0] != "accepted" and time.monotonic() < deadline:
        officer.messages(officer.current_seq(), wait=0.5)
    assert case_row(minhu)[0] == "accepted"  # never escalated at the old deadline
    with raw_connection(minhu.database) as db:
        kinds = [r[0] for r in db.execute("SELECT kind FROM complaint_events ORDER BY id")]
        requests = db.execute("SELECT kind, status FROM dispatch_requests ORDER BY id").fetchall()
    assert "escalated" not in kinds
    assert requests == [("reject", "rerouted"), ("extend", "approved")]
