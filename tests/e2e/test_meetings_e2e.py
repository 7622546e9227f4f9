"""Over real HTTP against the emulator, one deliberation meeting (议事会) from announcement to
result: capacity 2; three residents book and the third waits; the first cancels and the third
is promoted and told; reminders 24 h and 1 h before (the running bot's clock is moved, not
slept); check-in by code; the result is recorded and every registrant gets it exactly once."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import icalendar

from tests.e2e.test_resident_journey import register
from tests.support.databases import raw_connection
from tests.support.e2e import BOT_ID, BotProcess, Chat, new_user
from tests.support.e2e_delivery import bot_message_counts

SHANGHAI = ZoneInfo("Asia/Shanghai")
TITLE = "上强社区加装电梯协商议事会"
REMINDER = "议事会提醒"
RESULT = "议事结果：" + TITLE


def grant_admin(minhu: BotProcess, user_id: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "bot", "grant", "admin", str(user_id), "--name", "镇办老陈"],
        env=minhu.env(),
        check=True,
        capture_output=True,
    )


def create_meeting(admin: Chat, starts: datetime) -> None:
    """/newmeeting through every step; returns when it is published."""
    admin.say("/newmeeting")
    admin.expect("名称")
    admin.say(TITLE)
    admin.expect("议题")
    admin.say("老旧小区加装电梯的费用怎么分摊")
    admin.expect("片区")
    admin.press("上强片区")
    admin.expect("村社")
    admin.press("整个上强片区")
    admin.expect("地点")
    admin.say("上强社区党群服务中心二楼会议室")
    admin.expect("开始时间")
    admin.say(starts.strftime("%Y-%m-%d %H:%M"))
    admin.expect("开多久")
    admin.say("90")
    admin.expect("名额")
    admin.say("2")
    admin.expect("预留")
    admin.press("不预留")
    admin.expect("报名截止")
    admin.say((starts - timedelta(hours=30)).strftime("%Y-%m-%d %H:%M"))
    admin.expect("请确认议事会信息")
    admin.press("发布")
    admin.expect("已发布议事会")


def book(resident: Chat, label: str) -> dict[str, object]:
    resident.say("/meetings")
    resident.expect(TITLE)
    resident.press(TITLE)
    resident.expect("议题")
    resident.press(label)
    return resident.expect("报名成功" if label == "报名" else "候补名单")


def count(chat: Chat, text: str) -> int:
    return sum(
        1
        for m in chat.messages()
        if m["from_bot"] and text in (m.get("text") or "") + (m.get("caption") or "")
    )


def test_a_meeting_from_booking_to_result(minhu: BotProcess, client: httpx.Client) -> None:
    admin = new_user(client, "镇办老陈")
    grant_admin(minhu, admin.user_id)
    register(admin)
    first, second, third = (new_user(client, n) for n in ("王阿姨", "李大伯", "赵师傅"))
    for resident in (first, second, third):
        register(resident)

    now = datetime.now(SHANGHAI)
    starts = (now + timedelta(days=3)).replace(second=0, microsecond=0)
    create_meeting(admin, starts)
    first.expect("议事会通知")

    book(first, "报名")
    card = book(second, "报名")
    assert "签到码" in str(card["text"])
    admin.expect("已满（2 / 2）")
    assert "您排在第 1 位" in str(book(third, "排队候补")["text"])

    # The .ics of the second resident parses with a real iCalendar parser: 09:30 local.
    document = next(m for m in reversed(second.messages()) if m.get("document"))
    data = client.get(f"/api/files/{BOT_ID}/{document['document']['file_id']}").content
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert event.decoded("DTSTART").astimezone(UTC) == starts.astimezone(UTC)
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"

    first.say("/meetings")
    first.expect(TITLE)
    first.press(TITLE)
    first.expect("签到码")
    first.press("取消报名")
    first.expect("确定要取消")
    first.press("确定取消")
    first.expect("已取消")
    promoted = third.expect("候补成功")  # told at once
    third_code = str(promoted["text"]).rsplit("签到码：", 1)[1].strip()
    second_code = str(card["text"]).split("签到码：", 1)[1].split()[0]

    now_real = datetime.now(SHANGHAI)
    minhu.advance((starts - timedelta(hours=24) - now_real).total_seconds() + 2)
    for resident, code in ((second, second_code), (third, third_code)):
        reminder = resident.expect(f"{REMINDER}（会前 24 小时）", timeout=30)
        assert f"签到码：{code}" in str(reminder["text"])
    minhu.advance(23 * 3600)
    for resident in (second, third):
        resident.expect(f"{REMINDER}（会前 1 小时）", timeout=30)

    for code in (second_code, third_code):
        admin.say(f"/checkin {code}")
        admin.expect("已签到")

    minhu.advance(2 * 3600)  # the meeting has been held
    admin.say("/meetingresult")
    admin.expect("记录结果")
    admin.press(TITLE[:10])
    admin.expect("会议纪要")
    admin.say("与会居民同意加装电梯，费用按楼层分摊。")
    admin.expect("决议")
    admin.say("3号楼先行试点加装电梯")
    admin.expect("已记下第 1 条决议")
    admin.say("完成")
    admin.expect("签到了 2 人")
    admin.press("按签到人数")
    admin.expect("请确认议事结果")
    admin.press("发布结果")
    admin.expect("已记录")

    registrants = (first, second, third)
    for resident in registrants:
        resident.expect(RESULT, timeout=30)
    before = bot_message_counts(client)
    second.messages(second.current_seq(), wait=7)  # longer than a delivery sweep: nothing more
    after = bot_message_counts(client)
    for resident in registrants:
        assert count(resident, RESULT) == 1
        assert after[resident.user_id] == before[resident.user_id]
    assert [count(r, REMINDER) for r in registrants] == [0, 2, 2]

    with raw_connection(minhu.database) as db:
        rows = db.execute(
            "SELECT person_id, status, checked_in_at IS NOT NULL FROM meeting_bookings ORDER BY id"
        ).fetchall()
        assert rows == [
            (first.user_id, "cancelled", 0),
            (second.user_id, "booked", 1),
            (third.user_id, "booked", 1),
        ]
        assert db.execute("SELECT status, attendance FROM meetings").fetchone() == ("held", 2)
        sent = db.execute(
            "SELECT chat_id, COUNT(*) FROM outbox WHERE kind = 'meetings.result' GROUP BY chat_id"
        ).fetchall()
        assert all(n == 1 for _, n in sent)
