"""Over real HTTP against the emulator, volunteer points (志愿积分, “朝夕”共) from an activity to a
voucher: an admin publishes an activity with eight places; ten residents hear of it and sign
up (two wait); one cancels and the first waiting is promoted and told; the running bot's clock
is moved to the start (not slept); the volunteers check in and out with the organiser's codes;
the organiser confirms attendance twice and the points are credited once. A grandmother links
her grandchild's parent, redeems her points for the child's calligraphy course with two
presses at once (stock and balance change once), and the provider takes the voucher once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from tests.e2e.test_meetings_e2e import grant_admin
from tests.e2e.test_resident_journey import register
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, Chat, new_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
TITLE = "东门河道清洁"


def _rows(minhu: BotProcess, sql: str, *params: object) -> list[tuple[object, ...]]:
    with raw_connection(minhu.database) as db:
        return db.execute(sql, params).fetchall()


def _until(chat: Chat, holds: Callable[[], bool], what: str) -> None:
    chat.wait_until(holds, what)


def _sign_up(minhu: BotProcess, resident: Chat, label: str, status: str) -> None:
    resident.expect("志愿服务招募", timeout=30)
    resident.press("查看并报名")
    resident.expect(TITLE)
    resident.press(label)
    _until(
        resident,
        lambda: (
            _rows(
                minhu,
                "SELECT 1 FROM volunteer_signups WHERE person_id = ? AND status = ?",
                resident.user_id,
                status,
            )
            != []
        ),
        f"{resident.user_id} is not {status}",
    )


def test_an_activity_from_sign_up_to_points_and_a_grandchilds_voucher(
    minhu: BotProcess, client: httpx.Client
) -> None:
    admin = new_user(client, "镇办老陈")
    grant_admin(minhu, admin.user_id)
    register(admin)
    residents = [new_user(client, f"志愿者{n}") for n in range(10)]
    for resident in residents:
        register(resident)

    starts = (datetime.now(SHANGHAI) + timedelta(days=2)).replace(second=0, microsecond=0)
    admin.say(
        f"/newactivity {TITLE} | 清理河岸垃圾 | 上强社区东门 | {starts:%Y-%m-%d %H:%M} | 120 | 8 "
        "| 15 | SQ | 环境综合整治 第3轮"
    )
    card = admin.expect("签到码")
    [(activity_id, checkin, checkout)] = _rows(
        minhu, "SELECT id, checkin_code, checkout_code FROM volunteer_activities"
    )
    assert f"#{activity_id}" in card["text"]

    for resident in residents[:8]:
        _sign_up(minhu, resident, "我要报名", "booked")
    for resident in residents[8:]:
        _sign_up(minhu, resident, "候补", "waitlisted")
    # Reminders are rows already, 24 h and 1 h before, for each place.
    [(reminders,)] = _rows(
        minhu,
        "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'va:%:rem:%' AND state = 'pending'",
    )
    assert reminders == 16

    residents[2].press("取消报名")
    residents[8].expect("候补成功")
    statuses = dict(
        _rows(
            minhu,
            "SELECT person_id, status FROM volunteer_signups WHERE activity_id = ?",
            activity_id,
        )
    )
    assert statuses[residents[2].user_id] == "cancelled"
    assert statuses[residents[8].user_id] == "booked"
    assert statuses[residents[9].user_id] == "waitlisted"

    minhu.advance((starts - datetime.now(SHANGHAI)).total_seconds() + 60)
    volunteers = [r for n, r in enumerate(residents) if n not in (2, 9)]
    for resident in volunteers:
        resident.say(f"/clock {checkin}")
        resident.expect("已签到")
    residents[9].say(f"/clock {checkin}")
    residents[9].expect("没有这个活动的名额")
    minhu.advance(2 * 3600)
    for resident in volunteers:
        resident.say(f"/clock {checkout}")
        resident.expect("已签退")

    admin.say(f"/activity {activity_id}")
    admin.expect("已签退")
    organiser_card = admin.latest_with_buttons()
    admin.press("确认出勤")
    admin.expect("出勤已确认")
    # Pressed again on the same card: said so, nothing credited twice.
    again = admin._post(
        "callback", message_id=organiser_card["message_id"], data=f"va:ok:{activity_id}", forge=True
    )
    assert "已经确认过" in str(admin.answer_of_last_press(again["callback_query_id"]))
    for resident in volunteers:
        resident.expect("志愿服务已确认")
    credits = _rows(minhu, "SELECT person_id, amount FROM points_ledger ORDER BY person_id")
    assert sorted(credits) == sorted((r.user_id, 30) for r in volunteers)

    # 朝夕: the grandmother links her grandchild's parent, and redeems for the child.
    grandma, parent, provider = (
        residents[0],
        new_user(client, "小王妈妈"),
        new_user(client, "书法老师"),
    )
    register(parent)
    register(provider)
    admin.say(f"/catalogue add 30 1 - {provider.user_id} 少儿书法课一节")
    admin.expect("少儿书法课一节")
    grandma.say("/family")
    code = str(grandma.expect("邀请码")["text"]).split("/family ")[1].split()[0]
    parent.say(f"/family {code}")
    parent.expect("已与")
    grandma.expect("接受了您的邀请")

    grandma.say("/points")
    grandma.expect("我的志愿积分：30")
    grandma.press("少儿书法课一节")
    grandma.expect("为谁兑换")
    item_card = grandma.latest_with_buttons()
    [data] = [
        b["callback_data"]
        for row in item_card["reply_markup"]["inline_keyboard"]
        for b in row
        if "小王妈妈" in b["text"]
    ]
    # Two presses at once, as a shaky finger makes them.
    first = grandma._post("callback", message_id=item_card["message_id"], data=data)
    second = grandma._post("callback", message_id=item_card["message_id"], data=data)
    answers = [grandma.answer_of_last_press(p["callback_query_id"]) for p in (first, second)]
    assert "已经兑换过" in str(answers)
    [(voucher, stock)] = _rows(
        minhu,
        "SELECT r.code, i.stock FROM points_redemptions r JOIN points_items i ON i.id = r.item_id",
    )
    assert stock == 0
    assert _rows(
        minhu, "SELECT amount FROM points_ledger WHERE person_id = ? ORDER BY id", grandma.user_id
    ) == [(30,), (-30,)]
    assert voucher in str(parent.expect("少儿书法课一节")["text"])

    parent.say(f"/redeem {voucher}")
    parent.expect("核销人或管理员")
    provider.say(f"/redeem {voucher}")
    provider.expect("已核销")
    provider.say(f"/redeem {voucher}")
    provider.expect("已经用过")
