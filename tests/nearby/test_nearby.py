"""A resident looks at what is already reported around them (/nearby, 附近): the cases of
their grid and the grids nearby, with no names, and joins one with "me too"."""

from __future__ import annotations

from datetime import timedelta

from bot.complaints.rules import Action
from bot.complaints.service import act
from tests.support.chat import send_in_group
from tests.support.complaints import report
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.representatives import grant

WORKER = User(200001, "张网格")
NEIGHBOUR = User(100003, "赵大爷")  # second grid of the same community
FAR = User(100004, "钱阿婆")  # 鲁家庄, another zone
PROBLEM = "3幢502室王阿姨家门口的下水道堵了，污水漫到路上，电话13812345678"


async def _filed(bot: Harness, user: User, text: str = PROBLEM, category: str = "环境卫生") -> int:
    await report(bot, user, category, text, address="跳过")
    return int(await bot.services.db.fetchval("SELECT MAX(id) FROM complaints"))


async def _town(bot: Harness, resident: User) -> int:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await register(bot, resident)
    complaint_id = await _filed(bot, resident)
    await register(bot, NEIGHBOUR, grid="第二网格")
    return complaint_id


async def test_a_neighbour_sees_the_case_without_personal_data_and_says_me_too(
    bot: Harness, resident: User
) -> None:
    complaint_id = await _town(bot, resident)
    shown = texts(await bot.send(NEIGHBOUR, "/nearby"))
    assert "MH-2026-000001" in shown and "环境卫生" in shown and "已提交" in shown
    assert "下水道堵了" in shown and "今天" in shown and "👍 0" in shown
    for private in ("王阿姨", resident.first_name, "13812345678", "502室", "跳过"):
        assert private not in shown
    assert bot.buttons(NEIGHBOUR.id) == {"👍 我也遇到了 MH-2026-000001": f"nb:me:{complaint_id}:0"}

    calls = await bot.button(NEIGHBOUR, "我也遇到了")
    toast = [c for c in calls if c.method == "answerCallbackQuery"]
    assert "已加入" in str(toast[0].params.get("text"))
    assert "👍 1" in texts(calls)  # the same message, updated in place
    supporters = await bot.services.db.fetchall("SELECT person_id FROM complaint_supporters")
    assert [r[0] for r in supporters] == [NEIGHBOUR.id]

    # Again: nothing more; and the neighbour hears the case's next step.
    calls = await bot.press(NEIGHBOUR, f"nb:me:{complaint_id}:0")
    assert "已经加入过" in texts(calls) or any(
        "已经加入过" in str(c.params.get("text")) for c in calls
    )
    await act(bot.services, complaint_id, Action.ACCEPT, WORKER.id)
    since = len(bot.fake.calls)
    await bot.services.delivery.run_pass(bot.app.bot)  # type: ignore[union-attr]
    assert "MH-2026-000001" in texts(bot.fake.sent_to(NEIGHBOUR.id, since))


async def test_the_word_附近_works_too_and_the_reporter_gets_no_me_too_on_their_own(
    bot: Harness, resident: User
) -> None:
    complaint_id = await _town(bot, resident)
    assert "下水道堵了" in texts(await bot.send(NEIGHBOUR, "附近"))
    own = texts(await bot.send(resident, "附近"))
    assert "MH-2026-000001" in own
    assert "我也遇到了 MH" not in str(bot.fake.calls[-1].params.get("reply_markup"))
    before = await table_counts(bot)
    assert "您自己反映的" in str(
        [c.params for c in await bot.press(resident, f"nb:me:{complaint_id}:0")]
    )
    assert await table_counts(bot) == before


async def test_a_resident_far_away_sees_nothing_of_it_and_cannot_join_it(
    bot: Harness, resident: User
) -> None:
    complaint_id = await _town(bot, resident)
    await register(bot, FAR, zone="老虎潭", community="鲁家庄村", grid="鲁家庄村网格")
    shown = texts(await bot.send(FAR, "/nearby"))
    assert "MH-2026-000001" not in shown and "没有在办的问题" in shown
    before = await table_counts(bot)
    calls = await bot.press(FAR, f"nb:me:{complaint_id}:0")
    assert "不在您的网格附近" in str([c.params for c in calls])
    assert await table_counts(bot) == before


async def test_staff_take_a_case_off_the_list_and_residents_cannot(
    bot: Harness, resident: User
) -> None:
    complaint_id = await _town(bot, resident)
    assert "只有办理" in texts(await bot.send(NEIGHBOUR, "/hide MH-2026-000001"))
    assert "用法" in texts(await bot.send(WORKER, "/hide"))
    assert "已设为不公开" in texts(await bot.send(WORKER, "/hide mh-2026-000001"))
    assert "MH-2026-000001" not in texts(await bot.send(NEIGHBOUR, "/nearby"))
    calls = await bot.press(NEIGHBOUR, f"nb:me:{complaint_id}:0")
    assert "不在" in str([c.params for c in calls])
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM complaint_supporters") == 0
    assert "已恢复" in texts(await bot.send(WORKER, "/hide MH-2026-000001 off"))
    assert "MH-2026-000001" in texts(await bot.send(NEIGHBOUR, "/nearby"))


async def test_solved_cases_stay_30_days_and_closed_ones_take_no_me_too(
    bot: Harness, resident: User
) -> None:
    complaint_id = await _town(bot, resident)
    await act(bot.services, complaint_id, Action.ACCEPT, WORKER.id)
    await act(bot.services, complaint_id, Action.RESOLVE, WORKER.id, note="已疏通")
    shown = texts(await bot.send(NEIGHBOUR, "/nearby"))
    assert "MH-2026-000001" in shown and "已办结" in shown
    before = await table_counts(bot)
    calls = await bot.press(NEIGHBOUR, f"nb:me:{complaint_id}:0")
    assert "已经办结" in str([c.params for c in calls])
    assert await table_counts(bot) == before
    bot.clock.advance(timedelta(days=31))
    assert "MH-2026-000001" not in texts(await bot.send(NEIGHBOUR, "/nearby"))


async def test_many_cases_come_a_page_at_a_time(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    problems = [
        ("公共设施", "小区北门的路灯坏了一个星期，晚上很黑"),
        ("停车管理", "消防通道被私家车长期占用，救护车进不来"),
        ("公共设施", "健身器材的单杠松动了，老人锻炼很危险"),
        ("环境卫生", "河道里漂着很多塑料垃圾，已经发臭"),
        ("公共设施", "公交站的候车亭顶棚破了，下雨没处躲"),
        ("停车管理", "电动车在楼道里充电，堵住了楼梯"),
    ]
    for category, text in problems:
        await _filed(bot, resident, text, category)
    first = texts(await bot.send(NEIGHBOUR, "/nearby"))
    assert "第 1/2 页" in first and "共 7 件" in first
    assert "下一页 ▶" in bot.buttons(NEIGHBOUR.id)
    second = texts(await bot.button(NEIGHBOUR, "下一页"))
    assert "第 2/2 页" in second and "MH-2026-000001" in second
    assert "◀ 上一页" in bot.buttons(NEIGHBOUR.id)


async def test_before_registering_and_in_a_group(bot: Harness, resident: User) -> None:
    assert "/start" in texts(await bot.send(resident, "/nearby"))
    calls = await send_in_group(bot, resident, "/nearby")
    assert "私聊" in texts(calls) and "MH-" not in texts(calls)


async def test_an_english_neighbour_reads_it_in_english(
    bot: Harness, resident: User, english_resident: User
) -> None:
    await _town(bot, resident)
    await register(bot, english_resident, grid="第二网格")
    shown = texts(await bot.send(english_resident, "/nearby"))
    assert "Nearby" in shown and "MH-2026-000001" in shown and "reported today" in shown
    assert "Sanitation" in shown or "sanitation" in shown.lower()
    assert any("Me too" in label for label in bot.buttons(english_resident.id))
