"""/newmeeting, step by step: an admin creates a meeting and its zone (or community) hears of
it; every step refuses a wrong answer — an unreadable or past time, a deadline after the
start, capacity 0, too many reserved seats — and stays; the form survives a restart."""

from __future__ import annotations

import pytest

from storage import meetings as store
from storage import people
from tests.support.databases import raw_connection
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.meetings import ADMIN, LI, START, WANG, YANGSHAN, deliver, grant, local, to, town


async def _form(bot: Harness, answers: list[str]) -> str:
    """/newmeeting, then each answer: typed text, or "button:LABEL" to press a button."""
    said = texts(await bot.send(ADMIN, "/newmeeting"))
    return await _form_continue(bot, answers) if answers else said


GOOD = [
    "上强社区加装电梯协商议事会",
    "老旧小区加装电梯的费用怎么分摊",
    "button:上强",
    "button:整个上强片区",
    "上强社区党群服务中心二楼会议室",
    "2026-03-10 09:30",
    "2小时",
    "30",
    "button:不预留",
    "2026-03-09",
]


async def test_an_admin_creates_a_meeting_and_its_zone_hears_of_it(bot: Harness) -> None:
    await town(bot, WANG, LI, YANGSHAN)
    await people.update(bot.services.db, LI.id, bot.clock.now(), mute_broadcasts=1)
    summary = await _form(bot, GOOD)
    assert "请确认议事会信息" in summary and "2026年3月10日 09:30，时长 120 分钟" in summary
    assert "报名截止：2026年3月9日 18:00" in summary  # a date alone: 18:00 that day
    done = texts(await bot.button(ADMIN, "发布"))
    assert "已发布议事会 <b>#1 上强社区加装电梯协商议事会</b>" in done and "1 位居民" in done

    m = await store.get(bot.services.db, 1)
    assert m is not None
    assert (m.starts_at, m.duration_minutes, m.capacity, m.reserved_seats) == (START, 120, 30, 0)
    assert m.registration_until == local(2026, 3, 9, 18, 0)
    calls = await deliver(bot)
    assert "议事会通知：上强社区加装电梯协商议事会" in to(calls, WANG)
    assert to(calls, LI) == ""  # muted announcements
    assert to(calls, YANGSHAN) == ""  # another zone
    await bot.button(WANG, "查看并报名")
    assert "还有 <b>30</b> 个名额" in texts(bot.fake.sent_to(WANG.id)[-1:])


async def test_a_community_meeting_is_only_for_that_community(bot: Harness) -> None:
    dong = User(100031, "东红村的钱大姐")
    await town(bot, WANG)
    await register(bot, dong, community="东红村")
    answers = [*GOOD]
    answers[3] = "button:东红村"
    await _form(bot, answers)
    await bot.button(ADMIN, "发布")
    calls = await deliver(bot)
    assert "议事会通知" in to(calls, dong) and to(calls, WANG) == ""
    assert "没有可以报名的议事会" in texts(await bot.send(WANG, "/meetings"))
    assert "上强社区加装电梯" in texts(await bot.send(dong, "/meetings"))


@pytest.mark.parametrize(
    ("step", "wrong", "expected"),
    [
        (0, "会", "太短了（1 个字）"),
        (0, "长" * 101, "太长了（101 个字）"),
        (1, "议" * 501, "太长了（501 个字）"),
        (4, "楼", "太短了"),
        (5, "下周二上午", "看不懂这个时间"),
        (5, "2026-02-30 09:30", "看不懂这个时间"),
        (5, "2026-03-10 25:00", "看不懂这个时间"),
        (5, "2026-03-01 09:30", "已经过去了"),
        (6, "5", "15–720 分钟"),
        (6, "十分钟", "15–720 分钟"),
        (6, "13小时", "15–720 分钟"),
        (7, "0", "1–10000 之间的整数"),
        (7, "-3", "1–10000 之间的整数"),
        (7, "很多", "1–10000 之间的整数"),
        (8, "30", "0–29 之间的整数"),
        (8, "31", "0–29 之间的整数"),
        (9, "2026-03-10 10:00", "必须早于开始时间（3月10日 09:30）"),
        (9, "2026-03-10 09:30", "必须早于开始时间"),
        (9, "2026-03-01 18:00", "已经过去了"),
        (9, "明天", "看不懂这个时间"),
    ],
)
async def test_every_step_of_the_form_refuses_a_wrong_answer_and_stays(
    bot: Harness, step: int, wrong: str, expected: str
) -> None:
    await town(bot, WANG)
    await _form(bot, GOOD[:step])
    before = await table_counts(bot)
    assert expected in texts(await bot.send(ADMIN, wrong))
    assert await table_counts(bot) == before
    # The same step is still asked: the right answer goes on to the end.
    summary = await _form_continue(bot, GOOD[step:])
    assert "请确认议事会信息" in summary


async def _form_continue(bot: Harness, answers: list[str]) -> str:
    """Each answer: typed text, or "button:LABEL" to press a button; what was said last."""
    said = ""
    for answer in answers:
        if answer.startswith("button:"):
            said = texts(await bot.button(ADMIN, answer.removeprefix("button:")))
        else:
            said = texts(await bot.send(ADMIN, answer))
    return said


async def test_a_sticker_or_a_stray_button_in_the_form_gets_a_hint(bot: Harness) -> None:
    await town(bot, WANG)
    await _form(bot, GOOD[:2])
    assert "请点上面的按钮" in texts(await bot.send(ADMIN, "上强"))  # a button is expected
    await _form_continue(bot, GOOD[2:5])
    assert "需要文字" in texts(await bot.send_sticker(ADMIN))
    assert "已取消，没有做任何修改" in texts(await bot.send(ADMIN, "/cancel"))
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM meetings") == 0


async def test_an_admin_whose_role_is_revoked_midway_is_stopped_at_the_next_step(
    bot: Harness,
) -> None:
    deputy = User(900002, "镇办小刘")
    await town(bot, WANG)
    await register(bot, deputy)
    await grant(bot, deputy, "admin")
    await bot.send(deputy, "/newmeeting")
    await bot.send(deputy, "上强社区加装电梯协商议事会")
    await people.revoke(bot.services.db, deputy.id, "admin")
    assert "没有权限" in texts(await bot.send(deputy, "老旧小区加装电梯的费用怎么分摊"))
    # The form is over: the word is only offered to be filed as a problem.
    assert "要把这条作为问题反映吗" in texts(await bot.send(deputy, "上强"))
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM meetings") == 0


async def test_the_form_survives_a_restart(bot: Harness) -> None:
    await town(bot, WANG)
    await _form(bot, GOOD[:5])
    await bot.restart()
    summary = await _form_continue(bot, GOOD[5:])
    assert "请确认议事会信息" in summary and "上强社区党群服务中心二楼会议室" in summary
    await bot.button(ADMIN, "发布")
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM meetings") == 1


async def test_a_form_left_open_by_the_previous_version_resumes_at_the_same_step(
    bot: Harness,
) -> None:
    """The steps were numbered again (61-71 became 210-220): a form saved at an old number
    carries on at the same step after the upgrade."""
    await town(bot, WANG)
    await _form(bot, GOOD[:5])  # the start time is asked next
    await bot.stop()
    with raw_connection(bot.db_path) as conn:
        conn.execute("UPDATE ptb_conversations SET state = '66' WHERE name = 'newmeeting'")
    await bot.start()
    summary = await _form_continue(bot, GOOD[5:])
    assert "请确认议事会信息" in summary and "2026年3月10日 09:30" in summary
