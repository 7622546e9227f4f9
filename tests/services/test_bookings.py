"""Booking a slot: a day, a time, a topic; reminders as rows before the time; cancellation; the
staff's no-show mark. At a private point (心理咨询) the topic reaches its staff and nobody else:
not the resident's own reminders (they show on a locked phone), not an admin, not another
point's staff, not another resident."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.support.chat import edit_message, press_in_group
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.privacy import deliver
from tests.support.services import only, point

MONDAY_10 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TOPIC = "最近总是失眠，和家里人关系很紧张"
COUNSELLOR = User(800001, "林老师")
OTHER_STAFF = User(800002, "驿站小王")
NEIGHBOUR = User(100003, "赵大爷")
ADMIN = User(900001, "老陈")


async def _town(bot: Harness) -> None:
    await only(
        bot.services.db,
        point("XL", "埭溪镇心理咨询室", 100, 0, kind="counselling", hours="周二 14:00-17:00",
              slot_minutes=60, private=True),
        point("YZ", "东红村丰收驿站", 0, 100, kind="station", slot_minutes=30),
    )  # fmt: skip
    for staff in (COUNSELLOR, OTHER_STAFF, ADMIN):
        await register(bot, staff)
    await bot.send(ADMIN, "/servicepoint XL staff 800001")
    await bot.send(ADMIN, "/servicepoint YZ staff 800002")


async def _book(bot: Harness, resident: User, topic: str | None = TOPIC) -> list:  # type: ignore[type-arg]
    point_id = await bot.services.db.fetchval("SELECT id FROM service_points WHERE code = 'XL'")
    assert "请选日期" in texts(await bot.press(resident, f"sc:b:{point_id}"))
    await bot.button(resident, "3月3日")  # Tuesday
    assert "14:00" in bot.buttons(resident.id) and "17:00" not in bot.buttons(resident.id)
    calls = await bot.button(resident, "15:00")
    assert "只有这里的工作人员能看到" in texts(calls)
    if topic is None:
        return await bot.button(resident, "不用说明")
    return await bot.send(resident, topic)


async def test_a_private_booking_shows_its_topic_to_the_counsellor_only(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(MONDAY_10)
    await register(bot, resident)
    await register(bot, NEIGHBOUR, grid="第二网格")
    await _town(bot)
    since = len(bot.fake.calls)
    booked = texts(await _book(bot, resident))
    assert "预约成功" in booked and "开始前 24 小时和开始前 1 小时" in booked
    assert TOPIC not in booked
    db = bot.services.db
    rows = await db.fetchall(
        "SELECT chat_id, template, context, due_at FROM outbox WHERE dedupe_key LIKE 'svc:%'"
    )
    reminders = [r for r in rows if r["template"] == "services.remind"]
    assert sorted(r["due_at"] for r in reminders) == [
        "2026-03-02T07:00:00+00:00",
        "2026-03-03T06:00:00+00:00",
    ]
    assert all(TOPIC not in r["context"] for r in reminders)
    notices = [r for r in rows if r["template"] == "services.booked_notice"]
    assert [r["chat_id"] for r in notices] == [COUNSELLOR.id]
    await deliver(bot)
    assert TOPIC in texts(bot.fake.sent_to(COUNSELLOR.id, since))
    bot.clock.set(datetime(2026, 3, 3, 6, 0, tzinfo=UTC))  # the 1-hour reminder
    await deliver(bot)
    everyone_else = [c for c in bot.fake.calls[since:] if c.params.get("chat_id") != COUNSELLOR.id]
    assert "预约提醒" in texts(everyone_else)
    assert TOPIC not in json.dumps([c.params for c in everyone_else], ensure_ascii=False)
    # Lists: the counsellor sees it; the resident, an admin, another point's staff and a
    # neighbour do not.
    assert TOPIC in texts(await bot.send(COUNSELLOR, "/appointments"))
    for other in (resident, ADMIN, OTHER_STAFF, NEIGHBOUR):
        assert TOPIC not in texts(await bot.send(other, "/appointments")), other.first_name
    assert TOPIC not in texts(await bot.send(ADMIN, "/servicepoint XL"))


async def test_staff_mark_a_no_show_once_and_only_after_the_time_and_only_theirs(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(MONDAY_10)
    await register(bot, resident)
    await _town(bot)
    await _book(bot, resident, topic=None)
    booking = await bot.services.db.fetchval("SELECT id FROM service_bookings")
    assert "还没到" in str([c.params for c in await bot.press(COUNSELLOR, f"sc:m:{booking}:0")])
    bot.clock.set(datetime(2026, 3, 3, 7, 5, tzinfo=UTC))  # 15:05 on the day
    await bot.send(COUNSELLOR, "/appointments")
    refused = await bot.press(OTHER_STAFF, f"sc:m:{booking}:0")
    assert "只有这个服务点的工作人员" in str([c.params for c in refused])
    calls = await bot.button(COUNSELLOR, "未到")
    assert "已记为未到" in str([c.params for c in calls])
    status = await bot.services.db.fetchval("SELECT status FROM service_bookings")
    assert status == "no_show"
    again = await bot.press(COUNSELLOR, f"sc:m:{booking}:1")
    assert "已经取消或已记录过" in str([c.params for c in again])
    assert await bot.services.db.fetchval("SELECT status FROM service_bookings") == "no_show"


async def test_a_resident_cancels_their_reminders_go_and_a_second_press_changes_nothing(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(MONDAY_10)
    await register(bot, resident)
    await register(bot, NEIGHBOUR, grid="第二网格")
    await _town(bot)
    await _book(bot, resident)
    booking = await bot.services.db.fetchval("SELECT id FROM service_bookings")
    refused = await bot.press(NEIGHBOUR, f"sc:x:{booking}")  # someone else's booking
    assert "已经不在了" in str([c.params for c in refused])
    assert "已取消" in texts(await bot.button(resident, "取消预约"))
    pending = await bot.services.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE template = 'services.remind' AND state = 'pending'"
    )
    assert pending == 0
    before = await table_counts(bot)
    again = await bot.press(resident, f"sc:x:{booking}")
    assert "已经取消" in str([c.params for c in again])
    assert await table_counts(bot) == before
    # The slot is free again; a second booking of the same point while one is ahead is refused.
    await _book(bot, resident)
    assert (
        await bot.services.db.fetchval(
            "SELECT COUNT(*) FROM service_bookings WHERE status = 'booked'"
        )
        == 1
    )


async def test_hiding_a_point_cancels_its_bookings_and_tells_each_resident_once(
    bot: Harness, resident: User
) -> None:
    """Hiding takes the bookings ahead with it, in the same step: each resident is told (once,
    without the topic), their reminders go, and a past booking stays for the staff to mark."""
    bot.clock.set(MONDAY_10)
    await register(bot, resident)
    await register(bot, NEIGHBOUR, grid="第二网格")
    await _town(bot)
    await _book(bot, resident)
    db = bot.services.db
    point_id = await db.fetchval("SELECT id FROM service_points WHERE code = 'XL'")
    async with db.transaction() as conn:  # the neighbour's visit last week, not yet marked
        await conn.execute(
            """INSERT INTO service_bookings (point_id, person_id, starts_at, created_at)
               VALUES (?, ?, '2026-02-24T06:00:00+00:00', '2026-02-20T06:00:00+00:00')""",
            (point_id, NEIGHBOUR.id),
        )
    await deliver(bot)
    since = len(bot.fake.calls)
    await bot.send(ADMIN, "/servicepoint XL")
    assert "已隐藏" in texts(await bot.button(ADMIN, "隐藏"))
    statuses = "SELECT person_id, status FROM service_bookings ORDER BY id"
    assert [tuple(r) for r in await db.fetchall(statuses)] == [
        (resident.id, "cancelled"),
        (NEIGHBOUR.id, "booked"),
    ]
    pending = "SELECT COUNT(*) FROM outbox WHERE template = 'services.remind' AND state = 'pending'"
    assert await db.fetchval(pending) == 0
    await deliver(bot)
    told = texts(bot.fake.sent_to(resident.id, since))
    assert told.count("暂停服务") == 1 and "3月3日" in told and TOPIC not in told
    assert not bot.fake.sent_to(NEIGHBOUR.id, since)
    await bot.press(ADMIN, f"sc:h:{point_id}:1")  # shown again, hidden again: no second notice
    await bot.press(ADMIN, f"sc:h:{point_id}:0")
    await deliver(bot)
    assert texts(bot.fake.sent_to(resident.id, since)).count("暂停服务") == 1


async def test_an_over_long_topic_is_asked_again_and_the_last_slot_goes_to_one(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(MONDAY_10)
    await register(bot, resident)
    await register(bot, NEIGHBOUR, grid="第二网格")
    await _town(bot)
    point_id = await bot.services.db.fetchval("SELECT id FROM service_points WHERE code = 'XL'")
    await bot.press(resident, f"sc:b:{point_id}")
    await bot.button(resident, "3月3日")
    await bot.button(resident, "15:00")
    await bot.press(NEIGHBOUR, f"sc:b:{point_id}")
    await bot.button(NEIGHBOUR, "3月3日")
    await bot.button(NEIGHBOUR, "15:00")
    assert "最多 300 个字" in texts(await bot.send(resident, "长" * 301))
    assert "预约成功" in texts(await bot.send(resident, "想聊聊"))
    assert "约满" in texts(await bot.send(NEIGHBOUR, "我也想聊聊"))
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM service_bookings") == 1


async def test_mydata_holds_the_booking_and_deleteme_erases_it_with_the_staffs_notice(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(MONDAY_10)
    await register(bot, resident)
    await _town(bot)
    await _book(bot, resident)
    calls = await bot.send(resident, "/mydata")
    data = json.loads(next(c for c in calls if c.method == "sendDocument").files["document"])
    assert [b["topic"] for b in data["service_bookings"]] == [TOPIC]
    await bot.send(resident, "/deleteme")
    await bot.button(resident, "确定删除")
    db = bot.services.db
    assert await db.fetchval("SELECT COUNT(*) FROM service_bookings") == 0
    assert (
        await db.fetchval("SELECT COUNT(*) FROM outbox WHERE context LIKE ?", (f"%{TOPIC}%",)) == 0
    )


async def test_a_double_press_books_once_and_edits_groups_and_old_buttons_change_nothing(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(MONDAY_10)
    await register(bot, resident)
    await _town(bot)
    await _book(bot, resident, topic=None)
    skip = "sc:s"
    before = await table_counts(bot)
    again = await bot.press(resident, skip)  # the same button once more: the form is over
    assert [c.method for c in again] == ["answerCallbackQuery"]
    assert await table_counts(bot) == before
    # A press in a group, an edited message, an old day button: nothing changes.
    point_id = await bot.services.db.fetchval("SELECT id FROM service_points WHERE code = 'XL'")
    await press_in_group(bot, resident, f"sc:b:{point_id}")
    await edit_message(bot, resident, "附近有没有健康小屋")
    await bot.press(resident, f"sc:d:{point_id}:20260303")
    await bot.press(resident, f"sc:d:{point_id}:20261399")  # forged
    assert await table_counts(bot) == before


async def test_a_counsellor_who_erases_themselves_leaves_the_point(bot: Harness) -> None:
    bot.clock.set(MONDAY_10)
    await _town(bot)
    calls = await bot.send(COUNSELLOR, "/mydata")
    data = json.loads(next(c for c in calls if c.method == "sendDocument").files["document"])
    assert [s["code"] for s in data["service_staff"]] == ["XL"]
    await bot.send(COUNSELLOR, "/deleteme")
    await bot.button(COUNSELLOR, "确定删除")
    assert (
        await bot.services.db.fetchval(
            "SELECT COUNT(*) FROM service_staff WHERE user_id = ?", (COUNSELLOR.id,)
        )
        == 0
    )
