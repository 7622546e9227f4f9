"""A resident opens an activity's card from the announcement after the activity started: the
card says it started, with no buttons (an empty keyboard is no keyboard: Telegram refuses the
`{}` an empty one becomes)."""

from __future__ import annotations

from datetime import timedelta

from bot.points.buttons import VIEW
from tests.conftest import ADMIN_ID
from tests.support.harness import Harness, User, register, texts

ADMIN = User(ADMIN_ID, "老陈")
LATE = User(220001, "晚到的居民")
FORM = (
    "/newactivity 东门河道清洁 | 清理河岸垃圾 | 上强社区东门 | 3月4日 9:00 | 120 | 2 | 10 | SQ-01"
)


async def test_the_card_opened_after_the_start_has_no_buttons(bot: Harness) -> None:
    for user in (ADMIN, LATE):
        await register(bot, user)
    await bot.send(ADMIN, FORM)
    activity_id = int(await bot.services.db.fetchval("SELECT MAX(id) FROM volunteer_activities"))
    bot.clock.advance(timedelta(hours=48))
    calls = await bot.press(LATE, VIEW.pack(activity_id))
    assert "已经开始或结束" in texts(calls)
    sent = [c for c in calls if c.method == "sendMessage"]
    assert sent and "reply_markup" not in sent[-1].params
