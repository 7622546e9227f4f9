"""Over real HTTP, the whole closed loop of one hazard report:
report → accept → progress → resolve with photo → 不满意 with a reason → back to the same
officer for 重办, the reason on their notice → resolve → 满意, stars → the bulletin's sums count
the 重办 → 30 days later the follow-up (回头看) says "it came back" → a linked relapse."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from tests.e2e.test_resident_journey import finish_report, register
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, Chat, new_user


def grant_department(minhu: BotProcess, user_id: int, code: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "grant",
            "department",
            str(user_id),
            "--department",
            code,
            "--name",
            "消防小杨",
        ],
        env=minhu.env(),
        check=True,
        capture_output=True,
    )


def report_hazard(resident: Chat) -> str:
    resident.say("/report")
    resident.expect("类别")
    resident.press("安全隐患")
    resident.expect("描述问题")
    resident.say("3幢楼下的消防栓没水，万一着火就麻烦了")
    resident.expect("照片")
    resident.photo()
    resident.expect("第 1 张")
    return finish_report(resident)


def accept(officer: Chat) -> None:
    """Press 签收; the answer is a short toast, and the buttons become progress / resolve."""
    pressed = officer.press("签收")
    toast = officer.answer_of_last_press(pressed["callback_query_id"])["callback"]
    assert "签收成功" in toast["text"]
    officer.expect_button("办结")


def resolve(officer: Chat, note: str) -> None:
    officer.press("办结")
    officer.expect("办结说明")
    officer.say(note)
    officer.expect("完工照片")
    officer.photo()
    officer.expect("已办结")


def test_the_closed_loop_of_a_hazard_report(minhu: BotProcess, client: httpx.Client) -> None:
    officer = new_user(client, "消防小杨")
    grant_department(minhu, officer.user_id, "XF")
    register(officer)
    resident = new_user(client, "王阿姨")
    register(resident)
    assert "MH-2026-000001" in report_hazard(resident)

    officer.expect("新隐患报告 MH-2026-000001")
    accept(officer)
    resident.expect("受理")
    officer.press("进展")
    officer.expect("办理进展")
    officer.say("已联系物业，明天上午维修")
    officer.expect("已记录")
    resident.expect("明天上午维修")
    resolve(officer, "更换了消防栓阀门，水压正常")

    done = resident.expect("已办结")  # with the photo of the finished work, captioned
    assert done.get("photo") and "更换了消防栓阀门" in (done.get("caption") or "")
    resident.press("不满意")
    resident.expect("不满意的原因")
    resident.say("还是没有水，阀门拧不开")
    resident.expect("已退回原承办人员重办")

    shown = officer.expect("重办的隐患报告 MH-2026-000001")
    notice = shown.get("text") or shown.get("caption") or ""
    assert "居民说：还是没有水，阀门拧不开" in notice and "第 1 次" in notice
    accept(officer)
    resolve(officer, "整体更换了消防栓，已试水")
    resident.expect("已办结")
    resident.press("😊 满意")
    resident.expect("谢谢您的评价（满意）")  # the photo's caption, edited
    resident.press("5 星")
    resident.expect("谢谢您打星")
    officer.expect("评价：满意")

    with raw_connection(minhu.database) as db:  # what the bulletin reads
        sums = db.execute(
            """SELECT SUM(redone), SUM(ever_resolved), SUM(sat_judged), SUM(satisfied)
               FROM complaint_sums WHERE span = 'd'"""
        ).fetchone()
        assert sums == (1, 1, 1, 1)

    minhu.advance(31 * 24 * 3600)  # a month later (the bot's clock is moved, not slept)
    resident.expect("回头看", timeout=30)
    resident.press("又出现了")
    # Numbers count per year of the town's calendar: a month after late November is next year.
    later = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=31)
    relapse = "MH-2026-000002" if later.year == 2026 else f"MH-{later.year}-000001"
    assert relapse in resident.expect("新编号")["text"]
    officer.expect(f"新隐患报告 {relapse}")

    with raw_connection(minhu.database) as db:
        first = db.execute(
            "SELECT status, close_reason, satisfaction, rating, redo_count FROM complaints "
            "WHERE id = 1"
        ).fetchone()
        assert first == ("closed", "confirmed", "satisfied", 5, 1)
        kinds = [
            r[0]
            for r in db.execute(
                "SELECT kind FROM complaint_events WHERE complaint_id = 1 ORDER BY id"
            )
        ]
        assert kinds == [
            "submitted",
            "accepted",
            "note",
            "resolved",
            "redo",
            "accepted",
            "resolved",
            "closed",
            "rated",
            "relapse",
        ]
        assert db.execute(
            "SELECT COUNT(*) FROM complaint_photos WHERE complaint_id = 1 AND stage = 'resolution'"
        ).fetchone() == (2,)
        assert db.execute("SELECT parent_id FROM complaints WHERE id = 2").fetchone() == (1,)
