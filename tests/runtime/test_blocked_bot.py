"""A resident who blocks the bot is marked, skipped by notices, and welcomed back on unblocking."""

from __future__ import annotations

from datetime import timedelta

from storage import people
from tests.support.chat import membership
from tests.support.harness import Harness, User, register
from tests.support.outbox import reminder


async def test_blocking_the_bot_mid_report_marks_the_resident_and_is_no_crash(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    await bot.send(resident, "/report")
    await bot.button(resident, "环境卫生")
    bot.fake.blocked.add(resident.id)  # blocked, and typed the description just before
    since = len(bot.fake.calls)
    await bot.send(resident, "楼道灯坏了，晚上看不见台阶")  # the harness fails on any crash
    person = await people.get(bot.services.db, resident.id)
    assert person is not None and person.blocked_at == bot.clock.now()
    # The refused reply was the last try: no error message is attempted after it.
    assert len(bot.fake.sent_to(resident.id, since)) == 1


async def test_blocking_and_unblocking_stop_and_resume_notices(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    await membership(bot, resident, "member", "kicked")
    person = await people.get(bot.services.db, resident.id)
    assert person is not None and person.blocked_at == bot.clock.now()
    await reminder(bot.services.db, resident.id, "while-blocked", bot.clock.now())
    since = len(bot.fake.calls)
    assert await bot.services.delivery.run_pass(bot.app.bot) == 0  # type: ignore[union-attr]
    assert bot.fake.sent_to(resident.id, since) == []  # not even tried

    bot.clock.advance(timedelta(days=1))
    await membership(bot, resident, "kicked", "member")
    person = await people.get(bot.services.db, resident.id)
    assert person is not None and person.blocked_at is None
    await reminder(bot.services.db, resident.id, "after-unblocking", bot.clock.now())
    assert await bot.services.delivery.run_pass(bot.app.bot) == 1  # type: ignore[union-attr]
    assert "明天上午九点议事会" in bot.fake.texts(resident.id, since)[-1]


async def test_someone_who_never_registered_blocking_the_bot_stores_nothing(
    bot: Harness, resident: User
) -> None:
    await bot.send(resident, "/start")
    assert await membership(bot, resident, "member", "kicked") == []
    assert await people.get(bot.services.db, resident.id) is None


async def test_a_resident_who_restarts_the_bot_is_reachable_though_the_unblock_was_lost(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    await bot.send(resident, "/start")  # no mark: nothing to clear, nothing written
    await membership(bot, resident, "member", "kicked")
    blocked = await people.get(bot.services.db, resident.id)
    assert blocked is not None and blocked.blocked_at is not None
    # The bot was down for days: Telegram dropped the "member" update, but unblocking in the
    # app means pressing 重新开始, which sends /start.
    await bot.send(resident, "/start")
    person = await people.get(bot.services.db, resident.id)
    assert person is not None and person.blocked_at is None
