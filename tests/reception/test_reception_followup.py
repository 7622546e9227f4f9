"""Residents see what happens with reception days (接待日): a new one is announced to the
residents who follow their zone in /settings (not to those who muted announcements or blocked
the bot, once each however often the form is confirmed), and the resident whose topic the
representative turned into a suggestion hears its number and follows its steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.complaints.rules import Action
from bot.complaints.service import act
from storage import complaints, people
from storage import reception as store
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.representatives import BUILDER, REP, deliver, grant

STARTS = datetime(2026, 3, 5, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
FOLLOWER = User(100031, "王阿姨")
QUIET = User(100032, "李大伯")  # lives in 上强, follows nothing
MUTED = User(100033, "陈姐")  # follows 上强 but muted announcements
GONE = User(100034, "赵叔")  # follows 上强 but blocked the bot
FAR = User(100035, "孙阿姨")  # follows 阳山
ANNOUNCED = "新的人大代表接待日"


async def _follow(bot: Harness, user: User, *, mute: bool = False) -> None:
    await bot.send(user, "/settings")
    await bot.button(user, "📢")
    if mute:
        await bot.button(user, "静音")


async def _publish(bot: Harness, station: str = "上强片区人大代表联络点") -> int:
    await bot.send(REP, "/reception")
    await bot.button(REP, "发布接待日")
    await bot.button(REP, station)
    await bot.send(REP, "2026-03-05 09:00")
    await bot.button(REP, "3")
    assert "已发布" in texts(await bot.button(REP, "确认发布"))
    return int(await bot.services.db.fetchval("SELECT MAX(id) FROM reception_sessions"))


async def _announced(bot: Harness, session_id: int) -> int:
    return int(
        await bot.services.db.fetchval(
            "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE ?", (f"rcp:{session_id}:new:%",)
        )
    )


async def test_a_follower_hears_of_a_new_reception_day_and_books_from_the_notice(
    bot: Harness,
) -> None:
    await grant(bot, REP, "representative")
    for user in (FOLLOWER, QUIET, MUTED, GONE):
        await register(bot, user)
    await register(bot, FAR, zone="阳山", community="阳山社区", grid="阳山社区第一网格")
    for user in (FOLLOWER, GONE, FAR):
        await _follow(bot, user)
    await _follow(bot, MUTED, mute=True)
    await people.mark_blocked(bot.services.db, GONE.id, bot.clock.now())
    await _follow(bot, REP)  # the representative follows too: not told of their own day

    session_id = await _publish(bot)
    since = await deliver(bot)
    heard = texts(bot.fake.sent_to(FOLLOWER.id, since))
    assert ANNOUNCED in heard and "上强片区人大代表联络点" in heard and "3 个名额" in heard
    for user in (QUIET, MUTED, GONE, FAR, REP):
        assert ANNOUNCED not in texts(bot.fake.sent_to(user.id, since)), user
    assert await _announced(bot, session_id) == 1

    # The confirm button pressed again publishes and announces nothing more.
    await bot.press(REP, bot.buttons(REP.id).get("✅ 确认发布", "rv:ok:00"))
    since = await deliver(bot)
    assert not bot.fake.sent_to(FOLLOWER.id, since)
    assert await _announced(bot, session_id) == 1

    # The notice's button books a slot.
    await bot.button(FOLLOWER, "预约这场接待日")
    assert "预约成功" in texts(await bot.send(FOLLOWER, "小区东门路灯坏了半个月"))
    assert len(await store.bookings(bot.services.db, session_id)) == 1


async def test_the_towns_station_is_announced_to_every_zones_followers(bot: Harness) -> None:
    await grant(bot, REP, "representative")
    await register(bot, FOLLOWER)
    await register(bot, FAR, zone="阳山", community="阳山社区", grid="阳山社区第一网格")
    for user in (FOLLOWER, FAR):
        await _follow(bot, user)
    await _publish(bot, "埭溪镇人大代表联络站")
    since = await deliver(bot)
    for user in (FOLLOWER, FAR):
        assert ANNOUNCED in texts(bot.fake.sent_to(user.id, since)), user


async def test_an_announcement_is_not_sent_once_the_day_has_started(bot: Harness) -> None:
    await grant(bot, REP, "representative")
    await register(bot, FOLLOWER)
    await _follow(bot, FOLLOWER)
    session_id = await _publish(bot)  # the bot is down until the day has started
    bot.clock.set(STARTS + timedelta(minutes=1))
    since = await deliver(bot)
    assert ANNOUNCED not in texts(bot.fake.sent_to(FOLLOWER.id, since))
    assert await _announced(bot, session_id) == 1


async def test_the_resident_hears_the_case_their_topic_became_and_follows_it(
    bot: Harness,
) -> None:
    await grant(bot, REP, "representative")
    await grant(bot, BUILDER, "department", department="CJ")
    await register(bot, FOLLOWER)
    session_id = await _publish(bot)
    await bot.send(FOLLOWER, "/reception")
    await bot.button(FOLLOWER, "预约")
    await bot.send(FOLLOWER, "小区东门路灯坏了半个月")
    bot.clock.set(STARTS + timedelta(hours=3))
    await deliver(bot)

    await bot.press(REP, f"rv:m:{session_id}")
    await bot.button(REP, "记录结果 1")
    await bot.send(REP, "已联系城建，路灯需要报修")
    await bot.button(REP, "转为意见建议 1")
    await bot.button(REP, "城建")
    c = await complaints.get(bot.services.db, 1)
    assert c is not None
    since = await deliver(bot)
    notice = bot.fake.sent_to(FOLLOWER.id, since)
    told = texts(notice)
    assert "已转为意见建议" in told and c.number in told and "城建" in told
    assert "路灯坏了半个月" in told
    assert f"my:{c.id}" in str(notice[-1].params.get("reply_markup"))  # 查看办理进度

    # A second press of the department files nothing and tells nothing more.
    (booking,) = await store.bookings(bot.services.db, session_id)
    before = await table_counts(bot)
    await bot.press(REP, f"rv:xd:{booking.id}:1")
    assert await table_counts(bot) == before

    # It is in their /my (👥), its history opens, and they hear its steps.
    listing = await bot.send(FOLLOWER, "/my")
    assert f"👥 {c.number}" in bot.buttons(FOLLOWER.id)
    assert c.number in texts(listing)
    assert c.number in texts(await bot.button(FOLLOWER, "👥"))
    await act(bot.services, c.id, Action.ACCEPT, BUILDER.id)
    since = await deliver(bot)
    assert c.number in texts(bot.fake.sent_to(FOLLOWER.id, since))
    # Not the reporter: the representative reported it and gets the reporter's notices.
    assert c.reporter_id == REP.id


async def test_a_resident_who_blocked_the_bot_is_not_written_to(bot: Harness) -> None:
    await grant(bot, REP, "representative")
    await grant(bot, BUILDER, "department", department="CJ")
    await register(bot, FOLLOWER)
    session_id = await _publish(bot)
    await bot.send(FOLLOWER, "/reception")
    await bot.button(FOLLOWER, "预约")
    await bot.send(FOLLOWER, "小区东门路灯坏了半个月")
    await people.mark_blocked(bot.services.db, FOLLOWER.id, bot.clock.now())
    bot.clock.set(STARTS + timedelta(hours=3))
    await bot.press(REP, f"rv:m:{session_id}")
    await bot.button(REP, "记录结果 1")
    await bot.send(REP, "已联系城建，路灯需要报修")
    await bot.button(REP, "转为意见建议 1")
    assert "已转为意见建议" in texts(await bot.button(REP, "城建"))
    rows = await bot.services.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'rcp:%:case:%'"
    )
    assert rows == 0
