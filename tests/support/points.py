"""Steps shared by the volunteer points tests: an admin publishes the river clean-up."""

from __future__ import annotations

from tests.conftest import ADMIN_ID
from tests.support.harness import Harness, User, register

ADMIN = User(ADMIN_ID, "老陈")
RIVER = (
    "/newactivity 东门河道清洁 | 清理河岸垃圾 | 上强社区东门 | 3月4日 9:00 | 120 | {places} | 10 "
    "| SQ-01"
)


async def published(bot: Harness, *others: User, places: int = 2) -> int:
    """ADMIN and `others` registered and the river clean-up (3月4日 9:00–11:00, 10 points an
    hour, for 上强社区) published with `places`; its id."""
    for user in (ADMIN, *others):
        await register(bot, user)
    await bot.send(ADMIN, RIVER.format(places=places))
    return int(await bot.services.db.fetchval("SELECT MAX(id) FROM volunteer_activities"))
