"""Residents and deliberation meetings (议事会) in the chat: they see the meetings of their
zone, book (a code and an .ics), wait in line, cancel and are promoted, propose topics — and a
late booking, a second booking and a forged button are refused without a change. The admin's
form is in test_meeting_form.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.meetings.rules import CODE_ALPHABET
from storage import outbox
from tests.support.harness import Harness, User, table_counts, texts
from tests.support.meetings import (
    ADMIN,
    LI,
    START,
    WANG,
    YANGSHAN,
    ZHAO,
    ZHOU,
    book,
    booking_of,
    deliver,
    grant,
    local,
    meeting,
    to,
    town,
)


async def test_only_admins_create_or_manage_meetings(bot: Harness) -> None:
    await town(bot, WANG)
    m = await meeting(bot)
    before = await table_counts(bot)
    for command in ("/newmeeting", f"/meeting {m.id}", "/checkin ABCDEFGH", "/meetingresult 1"):
        assert "没有权限" in texts(await bot.send(WANG, command))
    for data in (f"me:mv:{m.id}", f"me:x:{m.id}", f"me:xy:{m.id}", f"mr:s:{m.id}"):
        assert "没有权限" in texts(await bot.press(WANG, data))
    assert await table_counts(bot) == before


async def test_a_booking_gives_a_code_and_a_calendar_file(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    files: list[dict[str, Any]] = []
    original = bot.fake.do_request

    async def capture(url: str, method: str, request_data: Any = None, **kw: Any) -> Any:
        if url.endswith("sendDocument") and request_data is not None:
            files.append(request_data.multipart_data)
        return await original(url, method, request_data, **kw)

    monkeypatch.setattr(bot.fake, "do_request", capture)
    await town(bot)
    m = await meeting(bot)
    calls = await book(bot, WANG, m.id)
    b = await booking_of(bot, m.id, WANG)
    assert b.status == "booked" and len(b.code) == 8 and set(b.code) <= set(CODE_ALPHABET)
    assert f"您的签到码：<code>{b.code}</code>" in texts(calls)
    document = [c for c in calls if c.method == "sendDocument"]
    assert len(document) == 1 and "上强社区加装电梯协商议事会" in document[0].params["caption"]
    (name, data, mime) = next(iter(files[0].values()))
    assert (name, mime) == (f"meeting-{m.id}.ics", "text/calendar")
    assert b"DTSTART;TZID=Asia/Shanghai:20260310T093000" in data
    assert b.code.encode() in data.replace(b"\r\n ", b"")  # lines are folded at 75 octets
    # The card now offers the calendar file again, and cancelling.
    await bot.press(WANG, f"mt:v:{m.id}")
    assert set(bot.buttons(WANG.id)) == {"📅 日历文件", "✖ 取消报名", "💡 提议题"}
    calls = await bot.button(WANG, "日历文件")
    assert [c.method for c in calls if c.method.startswith("send")] == ["sendDocument"]


async def test_booking_twice_is_refused(bot: Harness) -> None:
    await town(bot)
    m = await meeting(bot)
    await book(bot, WANG, m.id)
    code = (await booking_of(bot, m.id, WANG)).code
    before = await table_counts(bot)
    calls = await bot.press(WANG, f"mt:b:{m.id}")  # the old card's button, pressed again
    assert f"您已经报过名了，签到码：<code>{code}</code>" in texts(calls)
    await bot.press(WANG, f"mt:w:{m.id}")
    assert await table_counts(bot) == before


async def test_booking_past_the_deadline_is_refused(bot: Harness) -> None:
    await town(bot)
    m = await meeting(bot, registration_until=local(2026, 3, 9, 18, 0))
    await bot.press(WANG, f"mt:v:{m.id}")
    bot.clock.set(local(2026, 3, 9, 18, 0))
    before = await table_counts(bot)
    calls = await bot.button(WANG, "报名")
    assert "报名已于 3月9日 18:00 截止了" in texts(calls)
    assert await table_counts(bot) == before
    await bot.press(WANG, f"mt:v:{m.id}")
    card = bot.fake.sent_to(WANG.id)[-1]
    assert "报名已截止" in card.params["text"] and "reply_markup" not in card.params  # no buttons


async def test_a_full_meeting_offers_the_waitlist_and_a_cancellation_promotes_the_first(
    bot: Harness,
) -> None:
    await town(bot)
    m = await meeting(bot, capacity=2)
    await book(bot, WANG, m.id)
    await bot.press(LI, f"mt:v:{m.id}")  # Li looks while a seat is still free…
    await book(bot, ZHAO, m.id)
    calls = await bot.button(LI, "报名")  # …but Zhao takes it first
    assert "名额刚好满了" in texts(calls)
    calls = await bot.button(LI, "排队候补")
    assert "您排在第 <b>1</b> 位" in texts(calls)
    assert (await booking_of(bot, m.id, LI)).status == "waitlisted"
    await deliver(bot)

    wang = await booking_of(bot, m.id, WANG)
    await bot.press(WANG, f"mt:x:{wang.id}")
    calls = await bot.button(WANG, "确定取消")
    assert "已取消 <b>上强社区加装电梯协商议事会</b> 的报名" in texts(calls)
    li = await booking_of(bot, m.id, LI)
    assert li.status == "booked"
    told = to(await deliver(bot), LI)
    assert "候补成功" in told and f"<code>{li.code}</code>" in told
    assert "📅 日历文件" in bot.buttons(LI.id)  # under the notice
    # The one who cancelled may book again, and is now in line.
    assert "排在第 <b>1</b> 位" in texts(await book(bot, WANG, m.id))


async def test_a_seat_freed_by_deleteme_goes_to_the_first_in_line(bot: Harness) -> None:
    await town(bot)
    m = await meeting(bot, capacity=1)
    await book(bot, WANG, m.id)
    await book(bot, LI, m.id)  # waiting
    await deliver(bot)
    await bot.send(WANG, "/deleteme")
    assert "已删除" in texts(await bot.button(WANG, "确定删除"))
    li = await booking_of(bot, m.id, LI)
    assert li.status == "booked"
    assert "候补成功" in to(await deliver(bot), LI)
    assert not await bot.services.db.fetchval(
        "SELECT COUNT(*) FROM meeting_bookings WHERE person_id = ?", (WANG.id,)
    )


async def test_a_forged_button_for_another_persons_booking_changes_nothing(bot: Harness) -> None:
    await town(bot)
    m = await meeting(bot, capacity=1)
    await book(bot, WANG, m.id)
    await book(bot, LI, m.id)  # waiting
    wang = await booking_of(bot, m.id, WANG)
    before = await table_counts(bot)
    pending = await outbox.counts(bot.services.db)
    for data in (
        f"mt:x:{wang.id}",
        f"mt:xy:{wang.id}",
        f"mt:ics:{wang.id}",
        "mt:xy:999",
        "mt:xy:x",
    ):
        calls = await bot.press(LI, data)
        assert "这不是您的报名" in texts(calls)
        assert not [c for c in calls if c.method == "sendDocument"]
    assert await table_counts(bot) == before
    assert await outbox.counts(bot.services.db) == pending
    assert (await booking_of(bot, m.id, WANG)).status == "booked"


async def test_a_meeting_of_another_zone_cannot_be_booked_by_a_forged_button(bot: Harness) -> None:
    await town(bot, WANG, YANGSHAN)
    m = await meeting(bot)
    before = await table_counts(bot)
    assert "不对您开放" in texts(await bot.press(YANGSHAN, f"mt:b:{m.id}"))
    assert "不对您开放" in texts(await bot.press(YANGSHAN, "mt:b:12345"))
    assert await table_counts(bot) == before


async def test_reserved_seats_are_kept_for_representatives(bot: Harness) -> None:
    await town(bot, WANG, LI, ZHAO, ZHOU)
    await grant(bot, ZHOU, "representative")
    m = await meeting(bot, capacity=3, reserved=1)
    await book(bot, WANG, m.id)
    await book(bot, LI, m.id)
    assert "排在第 <b>1</b> 位" in texts(await book(bot, ZHAO, m.id))  # the last seat is Zhou's
    assert "报名成功" in texts(await book(bot, ZHOU, m.id))
    # Zhou cancels: the reserved seat stays for representatives, nobody is promoted.
    zhou = await booking_of(bot, m.id, ZHOU)
    await bot.press(ZHOU, f"mt:xy:{zhou.id}")
    assert (await booking_of(bot, m.id, ZHAO)).status == "waitlisted"
    # Wang cancels: a public seat comes free and Zhao, first in line, gets it.
    wang = await booking_of(bot, m.id, WANG)
    await bot.press(WANG, f"mt:xy:{wang.id}")
    assert (await booking_of(bot, m.id, ZHAO)).status == "booked"


async def test_admins_hear_at_50_80_and_100_percent_each_once(bot: Harness) -> None:
    residents = [User(100100 + n, f"居民{n}") for n in range(5)]
    await town(bot, *residents)
    m = await meeting(bot, capacity=5)
    heard = []
    for n, resident in enumerate(residents):
        await book(bot, resident, m.id)
        heard.append(to(await deliver(bot), ADMIN))
        if n == 2:  # one cancels and books again: 50 % is not told twice
            b = await booking_of(bot, m.id, resident)
            await bot.press(resident, f"mt:xy:{b.id}")
            await book(bot, resident, m.id)
            heard[-1] += to(await deliver(bot), ADMIN)
    assert heard[0] == ""
    assert "已达 50%（3 / 5）" in heard[2] and heard[2].count("📈") == 1
    assert "已达 80%（4 / 5）" in heard[3]
    assert "已满（5 / 5）" in heard[4]
    assert heard[1] == ""


async def test_two_thresholds_passed_at_once_are_told_as_the_higher(bot: Harness) -> None:
    await town(bot)
    m = await meeting(bot, capacity=2)
    await book(bot, WANG, m.id)
    assert "已达 50%" in to(await deliver(bot), ADMIN)
    await book(bot, LI, m.id)  # 50 % → 100 %: 80 % is passed too, but only "full" is told
    told = to(await deliver(bot), ADMIN)
    assert "已满" in told and "80%" not in told


async def test_residents_propose_topics_before_the_deadline(bot: Harness) -> None:
    await town(bot)
    m = await meeting(bot)
    await bot.press(WANG, f"mt:v:{m.id}")
    assert "最多 500 个字" in texts(await bot.button(WANG, "提议题"))
    assert "太长了（501 个字）" in texts(await bot.send(WANG, "长" * 501))
    assert "需要文字" in texts(await bot.send_sticker(WANG))
    assert "收到您的议题" in texts(await bot.send(WANG, "电梯费用按楼层分摊，一楼住户少出"))
    for n in range(2):
        await bot.press(WANG, f"mt:t:{m.id}")
        await bot.send(WANG, f"第{n + 2}个议题")
    await bot.press(WANG, f"mt:t:{m.id}")
    assert "最多提 3 个议题" in texts(await bot.send(WANG, "第四个议题"))
    view = texts(await bot.send(ADMIN, f"/meeting {m.id}"))
    assert "居民提的议题</b>（3）" in view and "一楼住户少出（王阿姨）" in view

    bot.clock.set(m.registration_until)
    assert "截止了" in texts(await bot.press(LI, f"mt:t:{m.id}"))
    await bot.press(LI, "mt:t:x")  # forged: nothing
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM meeting_topics") == 3


async def test_meetings_needs_registration(bot: Harness, resident: User) -> None:
    assert "/start" in texts(await bot.send(resident, "/meetings"))


async def test_a_meeting_starting_soon_is_listed_until_it_starts(bot: Harness) -> None:
    await town(bot)
    await meeting(bot, starts_at=START, registration_until=START - timedelta(hours=1))
    assert "上强社区加装电梯" in texts(await bot.send(WANG, "/meetings"))
    bot.clock.set(START)
    assert "没有可以报名的议事会" in texts(await bot.send(WANG, "/meetings"))


async def test_an_english_speaking_resident_reads_everything_in_english(
    bot: Harness, english_resident: User
) -> None:
    await town(bot, english_resident, WANG)
    await meeting(bot, title="Lifts & ramps <for> Block 3")
    assert "Deliberation meeting: Lifts &amp; ramps &lt;for&gt; Block 3" in to(
        await deliver(bot), english_resident
    )
    calls = await bot.send(english_resident, "/meetings")
    assert "Upcoming deliberation meetings" in texts(calls)
    assert "Lifts & ramps <for> Block 3 · 10 Mar 09:30" in bot.buttons(english_resident.id)
    await bot.button(english_resident, "Lifts")
    calls = await bot.button(english_resident, "Book a seat")
    assert "You are booked!" in texts(calls) and "Tue 10 Mar 2026, 09:30" in texts(calls)
    bot.clock.set(START - timedelta(hours=1))
    told = to(await deliver(bot), english_resident)
    assert "Meeting reminder</b> (1 hour before)" in told
    assert "meetings" in texts(await bot.send(english_resident, "/help"))


async def test_residents_and_admins_find_the_commands_in_help(bot: Harness) -> None:
    await town(bot, WANG)
    assert "/meetings — 近期议事会" in texts(await bot.send(WANG, "/help"))
    admin_help = texts(await bot.send(ADMIN, "/help"))
    for command in ("/newmeeting", "/meeting ", "/checkin", "/meetingresult"):
        assert command in admin_help
