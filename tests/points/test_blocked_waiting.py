"""A place freed by a cancellation goes to the first waiting volunteer who can be told: one
who blocked the bot would hold a place they never hear of (a sure no-show) while the next
waiting misses it, so they stay on the list and the next is promoted and told."""

from __future__ import annotations

from bot.points.buttons import CANCEL, SIGN_UP, VIEW
from tests.support.chat import membership
from tests.support.harness import Harness, User, texts
from tests.support.points import published
from tests.support.privacy import deliver

PEOPLE = [User(290001 + n, f"志愿者{n}") for n in range(4)]


async def _statuses(bot: Harness) -> list[str]:
    rows = await bot.services.db.fetchall("SELECT status FROM volunteer_signups ORDER BY id")
    return [r[0] for r in rows]


async def test_a_volunteer_who_blocked_the_bot_is_passed_over(bot: Harness) -> None:
    activity_id = await published(bot, *PEOPLE)
    for user in PEOPLE:  # two places, two waiting
        await bot.press(user, VIEW.pack(activity_id))
        await bot.press(user, SIGN_UP.pack(activity_id))
    await membership(bot, PEOPLE[2], "member", "kicked")  # the first waiting blocks the bot

    await bot.press(PEOPLE[0], CANCEL.pack(activity_id))
    assert await _statuses(bot) == ["cancelled", "booked", "waitlisted", "booked"]
    since = len(bot.fake.calls)
    await deliver(bot)
    assert "候补成功" in texts(bot.fake.sent_to(PEOPLE[3].id, since))

    # Back again, the one passed over is first in line for the next place.
    await membership(bot, PEOPLE[2], "kicked", "member")
    await bot.press(PEOPLE[1], CANCEL.pack(activity_id))
    assert await _statuses(bot) == ["cancelled", "cancelled", "booked", "booked"]
