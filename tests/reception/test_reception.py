"""Reception days (接待日): a representative publishes a session with 3 slots at a liaison point;
residents of the zone book with a topic until it is full; both are reminded; afterwards the
representative records outcomes and turns one into a suggestion for a department."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import complaints, supervision
from storage import reception as store
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.representatives import BUILDER, OTHER_REP, REP, deliver, grant

STARTS = datetime(2026, 3, 5, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
NEIGHBOURS = [User(100011 + i, name) for i, name in enumerate(["王阿姨", "李大伯", "陈姐", "赵叔"])]
FAR_AWAY = User(100020, "孙阿姨")  # lives in 阳山


async def _publish(bot: Harness, slots: str = "3") -> int:
    await bot.send(REP, "/reception")
    await bot.button(REP, "发布接待日")
    await bot.button(REP, "上强片区人大代表联络点")
    assert "几位" in texts(await bot.send(REP, "2026-03-05 09:00"))
    await bot.button(REP, slots)
    assert "已发布" in texts(await bot.button(REP, "确认发布"))
    return int(await bot.services.db.fetchval("SELECT MAX(id) FROM reception_sessions"))


async def _book(bot: Harness, user: User, topic: str) -> str:
    await bot.send(user, "/reception")
    await bot.button(user, "预约")
    return texts(await bot.send(user, topic))


async def test_three_slots_four_residents_reminders_and_a_suggestion(bot: Harness) -> None:
    await grant(bot, REP, "representative")
    await grant(bot, BUILDER, "department", department="CJ")
    for user in NEIGHBOURS:
        await register(bot, user)
    session_id = await _publish(bot)

    assert "预约成功" in await _book(bot, NEIGHBOURS[0], "小区东门路灯坏了半个月")
    assert "预约成功" in await _book(bot, NEIGHBOURS[1], "希望增设老年活动室")
    # The last two both see a free slot; only the first to say a topic gets it.
    for user in NEIGHBOURS[2:]:
        await bot.send(user, "/reception")
        await bot.button(user, "预约")
    assert "预约成功" in texts(await bot.send(NEIGHBOURS[2], "垃圾分类点位置不合理"))
    assert "约满" in texts(await bot.send(NEIGHBOURS[3], "楼下广场舞噪音太大"))
    (listing,) = await bot.send(NEIGHBOURS[3], "/reception")
    assert "已约满" in listing.params["text"] and "reply_markup" not in listing.params
    found = await store.session(bot.services.db, session_id)
    assert found is not None and found.booked == 3 and found.starts_at == STARTS

    since = await deliver(bot)
    assert "新预约" in texts(bot.fake.sent_to(REP.id, since))
    bot.clock.set(STARTS - timedelta(hours=23))
    since = await deliver(bot)
    assert all("接待日提醒" in texts(bot.fake.sent_to(u.id, since)) for u in NEIGHBOURS[:3])
    assert "接待日提醒" in texts(bot.fake.sent_to(REP.id, since))
    assert not bot.fake.sent_to(NEIGHBOURS[3].id, since)
    bot.clock.set(STARTS + timedelta(hours=3))  # the 1-hour reminders' moment has passed
    since = await deliver(bot)
    assert not any("接待日提醒" in t for t in bot.fake.texts(NEIGHBOURS[0].id, since))
    dropped = await bot.services.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE state = 'dropped' AND template LIKE 'reception.remind%'"
    )
    assert dropped == 4  # three residents and the representative
    assert "接待日结束了" in texts(bot.fake.sent_to(REP.id, since))

    await bot.button(REP, "记录接待结果")
    await bot.button(REP, "记录结果 1")
    assert "已记录" in texts(await bot.send(REP, "已联系城建，路灯属于市政管养，需要报修"))
    await bot.button(REP, "转为意见建议 1")
    assert "已转为意见建议" in texts(await bot.button(REP, "城建"))
    c = await complaints.get(bot.services.db, 1)
    assert c is not None and c.kind == "suggestion" and "路灯坏了" in c.description
    assert await supervision.source_of(bot.services.db, c.id) == "reception"
    since = await deliver(bot)
    assert f"新代表意见建议 {c.number}" in texts(bot.fake.sent_to(BUILDER.id, since))
    session = texts(await bot.press(REP, f"rv:m:{session_id}"))
    assert f"已转为意见建议 {c.number}" in session
    (first, *_) = await store.bookings(bot.services.db, session_id)
    since = len(bot.fake.calls)
    await bot.press(REP, f"rv:xd:{first.id}:1")  # once only
    assert "已经转为" in bot.fake.answers(since)[-1]


async def test_residents_of_another_zone_do_not_see_it(bot: Harness) -> None:
    await grant(bot, REP, "representative")
    await register(bot, FAR_AWAY, zone="阳山", community="阳山社区", grid="阳山社区第一网格")
    session_id = await _publish(bot)
    assert "没有安排" in texts(await bot.send(FAR_AWAY, "/reception"))
    before = await table_counts(bot)
    assert "片区的居民" in texts(await bot.press(FAR_AWAY, f"rv:b:{session_id}"))
    assert await table_counts(bot) == before


async def test_publishing_refuses_bad_times_and_slots(bot: Harness) -> None:
    await grant(bot, REP, "representative")
    before = await table_counts(bot)
    await bot.send(REP, "/reception")
    await bot.button(REP, "发布接待日")
    await bot.button(REP, "埭溪镇人大代表联络站")
    assert "没看懂" in texts(await bot.send(REP, "下周三上午"))
    assert "已经过去" in texts(await bot.send(REP, "2026-03-01 09:00"))
    assert "太远" in texts(await bot.send(REP, "2027-03-01 09:00"))
    await bot.send(REP, "3月5日 9:30")
    assert "1–50" in texts(await bot.send(REP, "80"))
    assert "已取消" in texts(await bot.send(REP, "/cancel"))
    assert await table_counts(bot) == before


async def test_reception_actions_are_refused_to_those_who_may_not_take_them(
    bot: Harness,
) -> None:
    await grant(bot, REP, "representative")
    await grant(bot, OTHER_REP, "representative")
    resident = NEIGHBOURS[0]
    await register(bot, resident)
    session_id = await _publish(bot)
    await _book(bot, resident, "小区东门路灯坏了半个月")
    booking = (await store.bookings(bot.services.db, session_id))[0]
    before = await table_counts(bot)

    assert "rv:new" not in str([c.params for c in await bot.send(resident, "/reception")])
    for user, data in (
        (resident, "rv:new"),  # residents do not publish
        (resident, "rv:mine"),
        (resident, f"rv:m:{session_id}"),
        (resident, f"rv:o:{booking.id}"),  # nor record outcomes
        (OTHER_REP, f"rv:m:{session_id}"),  # another representative's session
        (OTHER_REP, f"rv:o:{booking.id}"),
        (OTHER_REP, f"rv:xd:{booking.id}:1"),
        (REP, f"rv:o:{booking.id}"),  # not before the session has started
        (resident, f"rv:b:{session_id}"),  # booked already
    ):
        since = len(bot.fake.calls)
        calls = await bot.press(user, data)
        said = " ".join(bot.fake.answers(since)) + texts(calls)
        assert any(w in said for w in ("没有权限", "还没开始", "已经预约")), (data, said)
    assert await table_counts(bot) == before


async def test_a_resident_who_erases_their_data_frees_the_slot(bot: Harness) -> None:
    await grant(bot, REP, "representative")
    resident = NEIGHBOURS[0]
    await register(bot, resident)
    session_id = await _publish(bot, slots="3")
    await _book(bot, resident, "小区东门路灯坏了半个月")
    await bot.send(resident, "/deleteme")
    assert "已删除" in texts(await bot.button(resident, "确定删除"))
    assert await store.bookings(bot.services.db, session_id) == []
