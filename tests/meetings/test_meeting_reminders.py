"""Reminders of a meeting, with an injected clock: 24 hours and 1 hour before the start, once
each, also across a restart; none after the start; they follow a moved meeting and stop for
a cancelled one; admins are reminded 3 and 7 days after the end while no result is recorded."""

from __future__ import annotations

from datetime import timedelta

from bot.meetings import manage, results
from storage import outbox
from tests.support.harness import Harness, texts
from tests.support.meetings import (
    ADMIN,
    LI,
    START,
    WANG,
    ZHAO,
    book,
    booking_of,
    deliver,
    local,
    meeting,
    to,
    town,
)


def reminders(text: str) -> int:
    return text.count("议事会提醒")


async def test_reminders_come_24_hours_and_1_hour_before_and_never_after_the_start(
    bot: Harness,
) -> None:
    await town(bot)
    m = await meeting(bot)
    await book(bot, WANG, m.id)
    code = (await booking_of(bot, m.id, WANG)).code
    await deliver(bot)

    bot.clock.set(START - timedelta(hours=24, seconds=1))
    assert reminders(to(await deliver(bot), WANG)) == 0
    bot.clock.set(START - timedelta(hours=24))
    told = to(await deliver(bot), WANG)
    assert reminders(told) == 1 and "（会前 24 小时）" in told and f"<code>{code}</code>" in told
    assert "将于 3月10日（周二）09:30 开始" in told
    assert reminders(to(await deliver(bot), WANG)) == 0  # once

    bot.clock.set(START - timedelta(hours=1))
    told = to(await deliver(bot), WANG)
    assert reminders(told) == 1 and "（会前 1 小时）" in told
    bot.clock.set(START + timedelta(hours=3))
    assert reminders(to(await deliver(bot), WANG)) == 0


async def test_a_reminder_due_while_the_bot_was_down_is_dropped_after_the_start(
    bot: Harness,
) -> None:
    await town(bot)
    m = await meeting(bot)
    await book(bot, WANG, m.id)
    await deliver(bot)
    bot.clock.set(START + timedelta(minutes=1))  # nothing was sent in time: too late now
    assert reminders(to(await deliver(bot), WANG)) == 0
    dropped = await bot.services.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'meetings.reminder' AND state = 'dropped'"
    )
    assert dropped == 2


async def test_a_late_booking_gets_only_the_reminders_still_ahead(bot: Harness) -> None:
    await town(bot)
    m = await meeting(bot, registration_until=START - timedelta(hours=2))
    bot.clock.set(START - timedelta(hours=5))
    await book(bot, WANG, m.id)
    kinds = await bot.services.db.fetchall(
        "SELECT dedupe_key FROM outbox WHERE kind = 'meetings.reminder'"
    )
    assert [k[0].rsplit(":", 2)[-2] for k in kinds] == ["60"]


async def test_a_restarted_bot_still_sends_the_reminder_once(bot: Harness) -> None:
    await town(bot)
    m = await meeting(bot)
    await book(bot, WANG, m.id)
    await deliver(bot)
    await bot.restart()  # between the booking and its reminder
    bot.clock.set(START - timedelta(hours=24))
    assert reminders(to(await deliver(bot), WANG)) == 1
    await bot.restart()
    assert reminders(to(await deliver(bot), WANG)) == 0
    bot.clock.set(START - timedelta(hours=1))
    assert reminders(to(await deliver(bot), WANG)) == 1


async def test_the_reminders_of_a_moved_meeting_follow_it(bot: Harness) -> None:
    await town(bot)
    m = await meeting(bot)
    await book(bot, WANG, m.id)
    await book(bot, LI, m.id)
    await book(bot, ZHAO, m.id)  # waiting: no reminders
    await deliver(bot)

    await bot.send(ADMIN, f"/meeting {m.id}")
    await bot.button(ADMIN, "改时间")
    assert "看不懂" in texts(await bot.send(ADMIN, "后天"))
    assert "已经过去了" in texts(await bot.send(ADMIN, "2026-03-01 09:30"))
    assert "就是现在的开始时间" in texts(await bot.send(ADMIN, "2026-03-10 09:30"))
    done = texts(await bot.send(ADMIN, "2026-03-12 14:00"))
    assert "改为 3月12日 14:00" in done and "3 位报名者" in done
    moved = local(2026, 3, 12, 14, 0)

    calls = await deliver(bot)
    for person in (WANG, LI, ZHAO):
        assert "时间改为：<b>2026年3月12日 14:00</b>（原定 3月10日 09:30）" in to(calls, person)
    bot.clock.set(START - timedelta(hours=24))  # the old time: nothing
    assert reminders(to(await deliver(bot), WANG)) == 0
    bot.clock.set(START - timedelta(hours=1))
    assert reminders(to(await deliver(bot), WANG)) == 0
    bot.clock.set(moved - timedelta(hours=24))
    calls = await deliver(bot)
    assert reminders(to(calls, WANG)) == 1 and reminders(to(calls, LI)) == 1
    assert reminders(to(calls, ZHAO)) == 0
    assert "将于 3月12日（周四）14:00 开始" in to(calls, WANG)


async def test_moving_back_and_forth_still_reminds_at_the_final_time(bot: Harness) -> None:
    await town(bot)
    m = await meeting(bot)
    await book(bot, WANG, m.id)
    later = START + timedelta(days=1)
    await manage.move(bot.services, m.id, ADMIN.id, later)
    await manage.move(bot.services, m.id, ADMIN.id, START)  # back to the first time
    bot.clock.set(START - timedelta(hours=24))
    assert reminders(to(await deliver(bot), WANG)) == 1
    bot.clock.set(later - timedelta(hours=24))
    assert reminders(to(await deliver(bot), WANG)) == 0


async def test_a_new_place_is_told_and_the_reminders_name_it(bot: Harness) -> None:
    await town(bot)
    m = await meeting(bot)
    await book(bot, WANG, m.id)
    await bot.send(ADMIN, f"/meeting {m.id}")
    await bot.button(ADMIN, "改地点")
    assert "太短了" in texts(await bot.send(ADMIN, "楼"))
    assert "改为 上强村委会大礼堂" in texts(await bot.send(ADMIN, "上强村委会大礼堂"))
    assert "地点改为：<b>上强村委会大礼堂</b>" in to(await deliver(bot), WANG)
    bot.clock.set(START - timedelta(hours=1))  # down since the day before: only the 1 h one
    told = to(await deliver(bot), WANG)
    assert reminders(told) == 1 and "会前 1 小时" in told and "上强村委会大礼堂" in told


async def test_a_cancelled_meeting_sends_no_reminder_and_tells_its_registrants(
    bot: Harness,
) -> None:
    await town(bot)
    m = await meeting(bot, capacity=1)
    await book(bot, WANG, m.id)
    await book(bot, LI, m.id)  # waiting
    await deliver(bot)
    await bot.send(ADMIN, f"/meeting {m.id}")
    await bot.button(ADMIN, "取消议事会")
    done = texts(await bot.button(ADMIN, "确定取消议事会"))
    assert "正在通知 2 位报名者" in done
    calls = await deliver(bot)
    assert "议事会取消" in to(calls, WANG) and "议事会取消" in to(calls, LI)
    assert to(calls, ZHAO) == ""
    bot.clock.set(START - timedelta(hours=1))
    assert await deliver(bot) == []
    assert "pending" not in await outbox.counts(bot.services.db)
    states = await bot.services.db.fetchall(
        "SELECT DISTINCT state FROM outbox WHERE kind IN ('meetings.reminder', "
        "'meetings.result_missing')"
    )
    assert [s[0] for s in states] == ["dropped"]
    assert "已经取消" in texts(await bot.press(ZHAO, f"mt:b:{m.id}"))
    assert "已取消" in texts(await bot.press(ADMIN, f"me:xy:{m.id}"))  # twice: refused


async def test_admins_are_reminded_of_a_missing_result_at_3_and_7_days(bot: Harness) -> None:
    await town(bot)
    m = await meeting(bot)
    end = m.ends_at
    bot.clock.set(end + timedelta(days=3))
    told = to(await deliver(bot), ADMIN)
    assert "已经结束 3 天，还没有记录结果" in told and f"/meetingresult {m.id}" in told
    bot.clock.set(end + timedelta(days=7))
    assert "已经结束 7 天" in to(await deliver(bot), ADMIN)


async def test_a_recorded_result_stops_the_reminders_of_a_missing_result(bot: Harness) -> None:
    await town(bot)
    m = await meeting(bot)
    bot.clock.set(m.ends_at + timedelta(days=1))
    await results.record_result(
        bot.services, m.id, ADMIN.id, summary="大家同意加装电梯", decisions=[], attendance=0
    )
    bot.clock.set(m.ends_at + timedelta(days=8))
    assert "还没有记录结果" not in to(await deliver(bot), ADMIN)


async def test_a_meeting_moved_before_its_deadline_closes_registration_at_the_new_start(
    bot: Harness,
) -> None:
    await town(bot)
    m = await meeting(bot)  # registration closes 20 hours before the start
    earlier = START - timedelta(days=2)
    moved = await manage.move(bot.services, m.id, ADMIN.id, earlier)
    assert (moved.starts_at, moved.registration_until, moved.revision) == (earlier, earlier, 1)
