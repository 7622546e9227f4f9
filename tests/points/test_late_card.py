"""A resident opens an activity's card from the announcement after the activity started: the
card says it started, with no buttons (an empty keyboard is no keyboard: Telegram refuses the
`{}` an empty one becomes)."""

from __future__ import annotations

from datetime import timedelta

from bot.points.buttons import VIEW
from tests.support.harness import Harness, User, texts
from tests.support.points import published

LATE = User(220001, "晚到的居民")


async def test_the_card_opened_after_the_start_has_no_buttons(bot: Harness) -> None:
    activity_id = await published(bot, LATE)
    bot.clock.advance(timedelta(hours=48))
    calls = await bot.press(LATE, VIEW.pack(activity_id))
    assert "已经开始或结束" in texts(calls)
    sent = [c for c in calls if c.method == "sendMessage"]
    assert sent and "reply_markup" not in sent[-1].params
