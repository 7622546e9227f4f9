"""“Me too” (我也遇到了): a neighbour describing a problem that is already open in the grid where
it is (asked once the place is known) joins it instead of filing it again, and hears about it
from then on."""

from __future__ import annotations

from bot.complaints.rules import Action
from bot.complaints.service import act
from tests.support.complaints import describe, last_id, place, report
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.representatives import grant

WORKER = User(200001, "张网格")
NEIGHBOUR = User(100003, "赵大爷")
ELSEWHERE = User(100004, "钱阿婆")  # lives in the second grid
FIRST = "小区东门垃圾桶满了三天没人清理，气味很大"
SAME_IN_OTHER_WORDS = "东门的垃圾桶好几天没人倒了，臭味很大"


async def _file(bot: Harness, user: User, text: str) -> int:
    await report(bot, user, text=text, address="跳过")
    return await last_id(bot)


async def _town(bot: Harness, resident: User) -> int:
    """A worker for the first grid; the resident there has filed the first complaint."""
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await register(bot, resident)
    return await _file(bot, resident, FIRST)


async def _describe(bot: Harness, user: User, text: str, address: str = "跳过") -> str:
    """Describe, no photo, then the place (跳过: the home grid): what the bot says next — the
    "me too" offer, or the question of anonymity."""
    await describe(bot, user, text)
    await bot.button(user, "不需要照片")
    return texts(await place(bot, user, address))


async def test_a_neighbour_joins_the_same_problem_and_hears_about_it(
    bot: Harness, resident: User
) -> None:
    complaint_id = await _town(bot, resident)
    await register(bot, NEIGHBOUR)
    offer = await _describe(bot, NEIGHBOUR, SAME_IN_OTHER_WORDS)
    assert "类似的问题" in offer and "MH-2026-000001" in offer and "已提交" in offer
    assert bot.buttons(NEIGHBOUR.id) == {
        "是同一个问题，我也遇到了 +1": f"rp:same:{complaint_id}",
        "不是，继续新反映": "rp:new",
        "✖ 取消": "rp:cancel",
    }

    reply = texts(await bot.button(NEIGHBOUR, "我也遇到了"))
    assert "已加入" in reply and "MH-2026-000001" in reply and "办理进展会通知您" in reply
    db = bot.services.db
    supporters = await db.fetchall("SELECT complaint_id, person_id FROM complaint_supporters")
    assert [tuple(r) for r in supporters] == [(complaint_id, NEIGHBOUR.id)]
    assert await db.fetchval("SELECT COUNT(*) FROM complaints") == 1
    # The report is over: words now are just words, not a description.
    assert "照片" not in texts(await bot.send(NEIGHBOUR, "楼道灯也坏了"))

    await act(bot.services, complaint_id, Action.ACCEPT, WORKER.id)
    since = len(bot.fake.calls)
    await bot.services.delivery.run_pass(bot.app.bot)  # type: ignore[union-attr]
    notice = texts(bot.fake.sent_to(NEIGHBOUR.id, since))
    assert "MH-2026-000001" in notice and "受理" in notice


async def test_a_different_problem_in_the_same_grid_is_not_offered(
    bot: Harness, resident: User
) -> None:
    await _town(bot, resident)
    await register(bot, NEIGHBOUR)
    reply = await _describe(bot, NEIGHBOUR, "楼道灯坏了，晚上看不见台阶")
    assert "类似" not in reply and "匿名" in reply


async def test_no_thanks_goes_on_with_a_new_report(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    await register(bot, NEIGHBOUR)
    await _describe(bot, NEIGHBOUR, SAME_IN_OTHER_WORDS)
    assert "匿名" in texts(await bot.button(NEIGHBOUR, "继续新反映"))
    await bot.button(NEIGHBOUR, "实名")
    assert "MH-2026-000002" in texts(await bot.button(NEIGHBOUR, "确认提交"))
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM complaint_supporters") == 0


async def test_the_offer_survives_a_restart(bot: Harness, resident: User) -> None:
    complaint_id = await _town(bot, resident)
    await register(bot, NEIGHBOUR)
    await _describe(bot, NEIGHBOUR, SAME_IN_OTHER_WORDS)
    await bot.restart()
    assert "已加入" in texts(await bot.press(NEIGHBOUR, f"rp:same:{complaint_id}"))


async def test_nobody_is_offered_their_own_complaint(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    assert "匿名" in await _describe(bot, resident, SAME_IN_OTHER_WORDS)


async def test_a_complaint_of_another_grid_is_neither_offered_nor_joinable(
    bot: Harness, resident: User
) -> None:
    await _town(bot, resident)
    await register(bot, ELSEWHERE, grid="第二网格")
    elsewhere_id = await _file(bot, ELSEWHERE, "二网格南门垃圾桶满了三天没人清理，气味很大")

    await register(bot, NEIGHBOUR)
    offer = await _describe(bot, NEIGHBOUR, SAME_IN_OTHER_WORDS)
    assert "MH-2026-000001" in offer and "MH-2026-000002" not in offer
    before = await table_counts(bot)
    since = len(bot.fake.calls)
    await bot.press(NEIGHBOUR, f"rp:same:{elsewhere_id}")
    assert "无效" in "".join(bot.fake.answers(since))
    await bot.app.update_persistence()  # type: ignore[union-attr]
    assert await table_counts(bot) == before
    # Still at the same step: the real buttons work.
    assert "匿名" in texts(await bot.button(NEIGHBOUR, "继续新反映"))


async def test_a_complaint_that_moved_on_meanwhile_cannot_be_joined(
    bot: Harness, resident: User
) -> None:
    complaint_id = await _town(bot, resident)
    await register(bot, NEIGHBOUR)
    await _describe(bot, NEIGHBOUR, SAME_IN_OTHER_WORDS)
    await act(bot.services, complaint_id, Action.ACCEPT, WORKER.id)
    await act(bot.services, complaint_id, Action.RESOLVE, WORKER.id, note="已清运")
    reply = texts(await bot.button(NEIGHBOUR, "我也遇到了"))
    assert "不能再加入" in reply and "匿名" in reply
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM complaint_supporters") == 0


async def test_the_offer_looks_where_the_problem_is_not_in_the_home_grid(
    bot: Harness, resident: User
) -> None:
    """A resident of the first grid reports a problem in the second: the second grid's open
    case is offered, the home grid's is not."""
    await _town(bot, resident)  # MH-2026-000001, in the first grid
    await register(bot, ELSEWHERE, grid="第二网格")
    elsewhere_id = await _file(bot, ELSEWHERE, "东门垃圾桶满了三天没人清理，气味很大")

    await register(bot, NEIGHBOUR)  # lives in the first grid
    await describe(bot, NEIGHBOUR, SAME_IN_OTHER_WORDS)
    await bot.button(NEIGHBOUR, "不需要照片")
    await bot.send(NEIGHBOUR, "跳过")
    await bot.button(NEIGHBOUR, "别的地方")
    await bot.button(NEIGHBOUR, "上强")
    await bot.button(NEIGHBOUR, "上强社区")
    offer = texts(await bot.button(NEIGHBOUR, "第二网格"))
    assert "MH-2026-000002" in offer and "MH-2026-000001" not in offer
    assert "已加入" in texts(await bot.press(NEIGHBOUR, f"rp:same:{elsewhere_id}"))
    supporters = await bot.services.db.fetchall(
        "SELECT complaint_id, person_id FROM complaint_supporters"
    )
    assert [tuple(r) for r in supporters] == [(elsewhere_id, NEIGHBOUR.id)]
