"""A busy point's staff open /appointments at the end of a day with sixty bookings still to
mark: the list answers (Telegram takes at most 100 buttons under one message) with ✅/❌ for as
many as fit, and once those are marked the next ones get theirs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services import bookings
from tests.support.harness import Harness, User, register, texts
from tests.support.services import only, point

MONDAY_10 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TUESDAY_8 = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
STAFF = User(800002, "驿站小王")
ADMIN = User(900001, "老陈")
VISITORS = [User(260001 + n, f"居民{n:02d}") for n in range(60)]


def _marks(calls: list) -> int:  # type: ignore[type-arg]
    markup = next((c.params["reply_markup"] for c in calls if "reply_markup" in c.params), None)
    buttons = [b for row in (markup or {}).get("inline_keyboard", []) for b in row]
    assert len(buttons) <= 100
    return sum(1 for b in buttons if b["callback_data"].startswith("sc:m:"))


async def test_sixty_bookings_to_mark_fit_under_one_message(bot: Harness) -> None:
    bot.clock.set(MONDAY_10)
    await only(
        bot.services.db, point("YZ", "东红村丰收驿站", 0, 100, kind="station", slot_minutes=30)
    )
    async with bot.services.db.transaction() as conn:
        await conn.execute("UPDATE service_points SET slot_capacity = 3 WHERE code = 'YZ'")
    for user in (STAFF, ADMIN):
        await register(bot, user)
    await bot.send(ADMIN, "/servicepoint YZ staff 800002")
    point_id = int(
        await bot.services.db.fetchval("SELECT id FROM service_points WHERE code = 'YZ'")
    )
    for n, user in enumerate(VISITORS):
        await register(bot, user)
        at = TUESDAY_8 + timedelta(minutes=30 * (n // 3))
        await bookings.book(bot.services, point_id, user.id, at, "")
    bot.clock.set(TUESDAY_8 + timedelta(hours=10, minutes=5))  # 18:05: every one has begun

    calls = await bot.send(STAFF, "/appointments")
    assert "居民00" in texts(calls) and "居民59" in texts(calls)
    first = _marks(calls)
    assert 0 < first < 120
    for _ in range(first // 2):
        await bot.button(STAFF, "未到")
    left = _marks(await bot.send(STAFF, "/appointments"))
    assert left == min(120 - first, first)


async def test_a_second_booking_at_the_same_point_is_refused_at_the_first_press(
    bot: Harness,
) -> None:
    bot.clock.set(MONDAY_10)
    await only(
        bot.services.db, point("YZ", "东红村丰收驿站", 0, 100, kind="station", slot_minutes=30)
    )
    resident = VISITORS[0]
    await register(bot, resident)
    point_id = int(
        await bot.services.db.fetchval("SELECT id FROM service_points WHERE code = 'YZ'")
    )
    await bookings.book(bot.services, point_id, resident.id, TUESDAY_8, "")
    # Not after choosing a day, a time and typing a topic: at 📅 预约 itself, with the booking.
    answer = texts(await bot.press(resident, f"sc:b:{point_id}"))
    assert "已经预约" in answer and "请选日期" not in answer
