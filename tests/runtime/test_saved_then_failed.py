"""A press whose change is committed and whose answer then fails (Telegram times out) is never
called "not done": the error handler says it is saved, for any handler, not only those that
mark their commit by hand — a volunteer's sign-up, an organiser calling an activity off. One
that failed before committing anything is still called not done."""

from __future__ import annotations

import pytest

from bot.points.buttons import DROP_ACTIVITY, SIGN_UP
from tests.support.harness import Harness, User, register, texts
from tests.support.points import ADMIN, published

VOLUNTEER = User(230001, "志愿者")


async def _press_failing(bot: Harness, user: User, data: str) -> str:
    bot.fake.faults.append(("answerCallbackQuery", 0, "", 0))  # times out after the commit
    since = len(bot.fake.calls)
    with pytest.raises(AssertionError, match="crashed"):
        await bot.press(user, data)
    bot.services.crashes.clear()
    return texts(bot.fake.sent_to(user.id, since))


async def test_a_sign_up_and_a_calling_off_saved_before_a_timeout_are_called_saved(
    bot: Harness,
) -> None:
    activity_id = await published(bot, VOLUNTEER)

    said = await _press_failing(bot, VOLUNTEER, SIGN_UP.pack(activity_id))
    assert "没有完成" not in said and "已经完成并保存" in said
    assert await bot.services.db.fetchval("SELECT status FROM volunteer_signups") == "booked"

    said = await _press_failing(bot, ADMIN, DROP_ACTIVITY.pack(activity_id))
    assert "没有完成" not in said and "已经完成并保存" in said
    status = await bot.services.db.fetchval("SELECT status FROM volunteer_activities")
    assert status == "cancelled"


async def test_a_failure_before_anything_is_saved_is_called_not_done(bot: Harness) -> None:
    await register(bot, VOLUNTEER)
    bot.fake.faults.append(("sendMessage", 0, "", 0))
    since = len(bot.fake.calls)
    with pytest.raises(AssertionError, match="crashed"):
        await bot.send(VOLUNTEER, "/volunteer")
    bot.services.crashes.clear()
    assert "没有完成" in texts(bot.fake.sent_to(VOLUNTEER.id, since))
