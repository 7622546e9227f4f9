"""The organiser presses ✅ on the card by accident while the activity is still on (it sits
under the codes they show at the start): refused and nothing changes — the volunteers who
checked in are not made no-shows; after the end it confirms and credits as usual."""

from __future__ import annotations

from datetime import timedelta

from bot.points.buttons import CONFIRM, SIGN_UP, VIEW
from tests.support.harness import Harness, User, table_counts, texts
from tests.support.points import ADMIN, published

VOLUNTEER = User(280001, "志愿者")


async def test_confirming_before_the_end_is_refused(bot: Harness) -> None:
    activity_id = await published(bot, VOLUNTEER)
    await bot.press(VOLUNTEER, VIEW.pack(activity_id))
    await bot.press(VOLUNTEER, SIGN_UP.pack(activity_id))
    bot.clock.advance(timedelta(hours=47))  # 9:00, the start
    checkin, checkout = await bot.services.db.fetchone(
        "SELECT checkin_code, checkout_code FROM volunteer_activities WHERE id = ?", (activity_id,)
    )
    assert "已签到" in texts(await bot.send(VOLUNTEER, f"/clock {checkin}"))

    before = await table_counts(bot)
    refused = texts(await bot.press(ADMIN, CONFIRM.pack(activity_id)))
    assert "11:00" in refused and "结束后" in refused
    assert await table_counts(bot) == before
    status = await bot.services.db.fetchval("SELECT status FROM volunteer_activities")
    assert status == "open"

    bot.clock.advance(timedelta(hours=2))  # 11:00, the end
    assert "已签退" in texts(await bot.send(VOLUNTEER, f"/clock {checkout}"))
    done = texts(await bot.press(ADMIN, CONFIRM.pack(activity_id)))
    assert "1 人出勤" in done and "已确认出勤，积分已记入" in done  # the card, edited
