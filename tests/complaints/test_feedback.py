"""After the work is done the resident has the last word, as 12345 asks it: 满意 / 基本满意
(stars after, optional), 不满意 with a reason (back to the same handler for 重办), reopen from
/my, and the 30-day follow-up (回头看). Nobody else can answer for them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.complaints.rules import Action
from bot.complaints.service import act
from tests.support.complaints import last_id, report
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.representatives import deliver, grant

WORKER = User(200001, "张网格")
STRANGER = User(100009, "李大伯")


async def _file(bot: Harness, resident: User) -> int:
    """A grid worker exists; the resident registers and files one complaint."""
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await register(bot, resident)
    await report(bot, resident, address="跳过")
    return await last_id(bot)


async def _resolved(bot: Harness, resident: User) -> int:
    """…which the worker accepts and resolves; the resident gets the 'fixed?' question."""
    complaint_id = await _file(bot, resident)
    await act(bot.services, complaint_id, Action.ACCEPT, WORKER.id)
    bot.clock.advance(timedelta(hours=3))
    await act(bot.services, complaint_id, Action.RESOLVE, WORKER.id, note="垃圾已清运")
    await deliver(bot)
    return complaint_id


async def _complaint(bot: Harness, complaint_id: int) -> dict[str, object]:
    row = await bot.services.db.fetchone("SELECT * FROM complaints WHERE id = ?", (complaint_id,))
    assert row is not None
    return dict(row)


async def _unchanged(bot: Harness, before: dict[str, int]) -> None:
    await bot.app.update_persistence()  # type: ignore[union-attr]
    assert await table_counts(bot) == before


async def test_basically_satisfied_closes_it_and_stars_are_an_optional_detail(
    bot: Harness, resident: User
) -> None:
    complaint_id = await _resolved(bot, resident)
    assert bot.buttons(resident.id) == {
        "😊 满意": f"cr:sat:{complaint_id}",
        "🙂 基本满意": f"cr:basic:{complaint_id}",
        "😞 不满意": f"cr:notfixed:{complaint_id}",
    }
    reply = texts(await bot.button(resident, "基本满意"))
    assert "谢谢您的评价（基本满意）" in reply and "可以不打" in reply
    row = await _complaint(bot, complaint_id)
    assert (row["status"], row["satisfaction"], row["close_reason"], row["rating"]) == (
        "closed", "basic", "confirmed", None
    )  # fmt: skip
    assert sorted(bot.buttons(resident.id).values()) == [
        f"cr:rate:{complaint_id}:{n}" for n in range(1, 6)
    ]
    since = len(bot.fake.calls)
    await deliver(bot)
    assert "评价：基本满意" in texts(bot.fake.sent_to(WORKER.id, since))

    reply = texts(await bot.button(resident, "4 星"))
    assert "谢谢您打星" in reply and "MH-2026-000001" in reply
    row = await _complaint(bot, complaint_id)
    assert (row["status"], row["satisfaction"], row["rating"]) == ("closed", "basic", 4)


async def test_an_answer_or_stars_pressed_twice_change_nothing(
    bot: Harness, resident: User
) -> None:
    complaint_id = await _resolved(bot, resident)
    notice = bot.last_keyboard_message(resident.id)
    await bot.button(resident, "😊 满意")
    await bot.press(resident, f"cr:rate:{complaint_id}:5")
    before = await table_counts(bot)
    assert "已经回复过" in texts(await bot.press(resident, f"cr:rate:{complaint_id}:1"))
    for again in ("sat", "basic", "notfixed", "fixed"):
        reply = texts(await bot.press(resident, f"cr:{again}:{complaint_id}", message_id=notice))
        assert "不能进行" in reply
    await _unchanged(bot, before)
    row = await _complaint(bot, complaint_id)
    assert (row["satisfaction"], row["rating"]) == ("satisfied", 5)


async def test_stars_before_an_answer_are_refused(bot: Harness, resident: User) -> None:
    complaint_id = await _resolved(bot, resident)
    before = await table_counts(bot)
    assert "不能进行" in texts(await bot.press(resident, f"cr:rate:{complaint_id}:5"))
    await _unchanged(bot, before)
    assert (await _complaint(bot, complaint_id))["status"] == "resolved"


async def test_the_fixed_button_of_an_older_notice_asks_the_question(
    bot: Harness, resident: User
) -> None:
    complaint_id = await _resolved(bot, resident)
    reply = texts(await bot.press(resident, f"cr:fixed:{complaint_id}"))
    assert "满意吗" in reply
    assert set(bot.buttons(resident.id).values()) == {
        f"cr:sat:{complaint_id}", f"cr:basic:{complaint_id}", f"cr:notfixed:{complaint_id}"
    }  # fmt: skip
    assert (await _complaint(bot, complaint_id))["status"] == "resolved"


@pytest.mark.parametrize("forged", ["cr:rate:1:0", "cr:rate:1:6", "cr:rate:1:x", "cr:rate:1"])
async def test_forged_ratings_are_refused(bot: Harness, resident: User, forged: str) -> None:
    await _resolved(bot, resident)
    before = await table_counts(bot)
    since = len(bot.fake.calls)
    await bot.press(resident, forged)
    assert "无效" in "".join(bot.fake.answers(since))
    await _unchanged(bot, before)


async def test_dissatisfied_with_a_reason_sends_it_back_to_the_same_worker_for_redo(
    bot: Harness, resident: User
) -> None:
    complaint_id = await _resolved(bot, resident)
    reply = texts(await bot.button(resident, "不满意"))
    assert "不满意的原因" in reply and "重办" in reply
    reply = texts(await bot.send(resident, "垃圾桶还是满的，根本没人来过"))
    assert "已退回原承办人员重办" in reply

    row = await _complaint(bot, complaint_id)
    assert (row["status"], row["accepted_at"], row["redo_count"]) == ("reopened", None, 1)
    note = await bot.services.db.fetchval(
        "SELECT note FROM complaint_events WHERE complaint_id = ? AND kind = 'redo'",
        (complaint_id,),
    )
    assert note == "垃圾桶还是满的，根本没人来过"

    since = len(bot.fake.calls)
    await deliver(bot)
    notice = texts(bot.fake.sent_to(WORKER.id, since))
    assert "重办的诉求 MH-2026-000001" in notice and "不满意" in notice
    assert "居民说：垃圾桶还是满的，根本没人来过" in notice
    assert f"cs:accept:{complaint_id}" in bot.buttons(WORKER.id).values()


async def test_the_reason_must_be_words_of_a_sensible_length(bot: Harness, resident: User) -> None:
    complaint_id = await _resolved(bot, resident)
    at_rest = await table_counts(bot)
    await bot.button(resident, "不满意")
    asking = await table_counts(bot)
    assert "太短" in texts(await bot.send(resident, "没"))
    assert "太长" in texts(await bot.send(resident, "还" * 501))
    assert "文字" in texts(await bot.send_sticker(resident))
    await _unchanged(bot, asking)
    assert "已取消" in texts(await bot.send(resident, "/cancel"))
    await _unchanged(bot, at_rest)
    assert (await _complaint(bot, complaint_id))["status"] == "resolved"
    # After /cancel, words are no longer taken as a reason.
    await bot.send(resident, "谢谢")
    assert (await _complaint(bot, complaint_id))["status"] == "resolved"


async def test_the_cancel_button_leaves_the_question(bot: Harness, resident: User) -> None:
    complaint_id = await _resolved(bot, resident)
    await bot.button(resident, "不满意")
    assert "已取消" in texts(await bot.button(resident, "取消"))
    await bot.send(resident, "垃圾桶还是满的")
    assert (await _complaint(bot, complaint_id))["status"] == "resolved"
    # The question can still be answered from /my.
    await bot.send(resident, "/my")
    await bot.button(resident, "MH-2026-000001")
    assert set(bot.buttons(resident.id)) == {"😊 满意", "🙂 基本满意", "😞 不满意"}


async def test_the_reason_question_survives_a_restart(bot: Harness, resident: User) -> None:
    complaint_id = await _resolved(bot, resident)
    await bot.button(resident, "不满意")
    await bot.restart()
    assert "重办" in texts(await bot.send(resident, "还是很臭，没清理干净"))
    assert (await _complaint(bot, complaint_id))["status"] == "reopened"


async def test_a_reason_typed_a_day_later_reopens_nothing(bot: Harness, resident: User) -> None:
    complaint_id = await _resolved(bot, resident)
    await bot.button(resident, "不满意")
    bot.clock.advance(timedelta(hours=25))
    assert "很久" in texts(await bot.send(resident, "好的谢谢"))
    assert (await _complaint(bot, complaint_id))["status"] == "resolved"


async def test_no_answer_for_three_days_closes_it_as_no_reply(bot: Harness, resident: User) -> None:
    complaint_id = await _resolved(bot, resident)
    bot.clock.advance(timedelta(days=3))
    await bot.services.timers.run_pass()  # type: ignore[union-attr]
    row = await _complaint(bot, complaint_id)
    assert (row["status"], row["close_reason"], row["rating"]) == ("closed", "no_reply", None)
    # The old "fixed?" buttons now get a polite refusal and change nothing.
    before = await table_counts(bot)
    assert "不能进行" in texts(await bot.press(resident, f"cr:fixed:{complaint_id}"))
    assert "不能进行" in texts(await bot.press(resident, f"cr:notfixed:{complaint_id}"))
    await _unchanged(bot, before)


async def _auto_closed(bot: Harness, resident: User) -> int:
    complaint_id = await _resolved(bot, resident)
    bot.clock.advance(timedelta(days=3))
    await bot.services.timers.run_pass()  # type: ignore[union-attr]
    await deliver(bot)
    return complaint_id


async def test_reopen_from_my_within_seven_days(bot: Harness, resident: User) -> None:
    complaint_id = await _auto_closed(bot, resident)
    bot.clock.advance(timedelta(days=2))  # five days after it was resolved
    await bot.send(resident, "/my")
    history = texts(await bot.button(resident, "MH-2026-000001"))
    assert "重新打开" in history
    assert bot.buttons(resident.id) == {"🔄 重新打开": f"cr:reopen:{complaint_id}"}
    assert "还有什么问题" in texts(await bot.button(resident, "重新打开"))
    assert "已重新打开" in texts(await bot.send(resident, "垃圾桶又满了，还是没人管"))
    row = await _complaint(bot, complaint_id)
    assert row["status"] == "reopened"
    kinds = await bot.services.db.fetchall(
        "SELECT kind, note FROM complaint_events WHERE complaint_id = ? ORDER BY id",
        (complaint_id,),
    )
    assert tuple(kinds[-1]) == ("reopened", "垃圾桶又满了，还是没人管")


async def test_after_seven_days_there_is_no_reopen_button(bot: Harness, resident: User) -> None:
    complaint_id = await _auto_closed(bot, resident)
    bot.clock.advance(timedelta(days=4, minutes=1))  # seven days and a minute after resolving
    await bot.send(resident, "/my")
    calls = await bot.button(resident, "MH-2026-000001")
    assert "reply_markup" not in calls[-1].params
    before = await table_counts(bot)
    reply = texts(await bot.press(resident, f"cr:reopen:{complaint_id}"))
    assert "超过了时限" in reply
    await _unchanged(bot, before)
    assert (await _complaint(bot, complaint_id))["status"] == "closed"


async def _followed_up(bot: Harness, resident: User) -> int:
    """Confirmed, then 30 days later the follow-up question arrives."""
    complaint_id = await _resolved(bot, resident)
    await bot.button(resident, "😊 满意")
    await bot.button(resident, "5 星")
    bot.clock.advance(timedelta(days=30))
    await bot.services.timers.run_pass()  # type: ignore[union-attr]
    since = len(bot.fake.calls)
    await deliver(bot)
    assert "回头看" in texts(bot.fake.sent_to(resident.id, since))
    return complaint_id


async def test_the_follow_up_came_back_opens_a_linked_complaint(
    bot: Harness, resident: User
) -> None:
    complaint_id = await _followed_up(bot, resident)
    assert set(bot.buttons(resident.id).values()) == {
        f"cr:back:{complaint_id}",
        f"cr:fine:{complaint_id}",
    }
    follow_up = bot.last_keyboard_message(resident.id)
    reply = texts(await bot.button(resident, "又出现了"))
    assert "MH-2026-000002" in reply and "MH-2026-000001" in reply
    new = await bot.services.db.fetchone(
        "SELECT * FROM complaints WHERE parent_id = ?", (complaint_id,)
    )
    assert new is not None
    assert new["number"] == "MH-2026-000002" and new["status"] == "submitted"

    since = len(bot.fake.calls)
    await deliver(bot)
    assert "MH-2026-000002" in texts(bot.fake.sent_to(WORKER.id, since))

    before = await table_counts(bot)
    for again in (f"cr:back:{complaint_id}", f"cr:fine:{complaint_id}"):
        reply = texts(await bot.press(resident, again, message_id=follow_up))
        assert "已经回复过" in reply
    await _unchanged(bot, before)


async def test_the_follow_up_still_fine_is_thanked_once(bot: Harness, resident: User) -> None:
    complaint_id = await _followed_up(bot, resident)
    follow_up = bot.last_keyboard_message(resident.id)
    assert "谢谢" in texts(await bot.button(resident, "没有再出现"))
    kinds = await bot.services.db.fetchall(
        "SELECT kind FROM complaint_events WHERE complaint_id = ?", (complaint_id,)
    )
    assert [k[0] for k in kinds].count("followup_ok") == 1
    before = await table_counts(bot)
    for again in (f"cr:fine:{complaint_id}", f"cr:back:{complaint_id}"):
        reply = texts(await bot.press(resident, again, message_id=follow_up))
        assert "已经回复过" in reply
    await _unchanged(bot, before)


@pytest.mark.parametrize(
    "verb",
    [
        "fixed:{id}",
        "sat:{id}",
        "basic:{id}",
        "notfixed:{id}",
        "rate:{id}:5",
        "reopen:{id}",
        "back:{id}",
        "fine:{id}",
    ],
)
async def test_a_stranger_cannot_answer_for_someone_elses_complaint(
    bot: Harness, resident: User, verb: str
) -> None:
    complaint_id = await _resolved(bot, resident)
    await register(bot, STRANGER)
    before = await table_counts(bot)
    reply = texts(await bot.press(STRANGER, "cr:" + verb.format(id=complaint_id)))
    assert "不是您反映的" in reply and "MH-2026-000001" not in reply
    await _unchanged(bot, before)
    assert (await _complaint(bot, complaint_id))["status"] == "resolved"
    # The stranger is not left in a conversation: words are not taken as a reason.
    await bot.send(STRANGER, "垃圾桶还是满的")
    assert (await _complaint(bot, complaint_id))["status"] == "resolved"


async def test_refusals_come_in_the_residents_language(
    bot: Harness, resident: User, english_resident: User
) -> None:
    complaint_id = await _resolved(bot, resident)
    await register(bot, english_resident)
    reply = texts(await bot.press(english_resident, f"cr:fixed:{complaint_id}"))
    assert "not a complaint you filed" in reply


async def test_redo_goes_to_the_same_worker_and_the_next_answer_closes_it(
    bot: Harness, resident: User
) -> None:
    """不满意 → 重办 → the same worker has it with the reason → 办结 again → 满意."""
    complaint_id = await _resolved(bot, resident)
    await bot.button(resident, "不满意")
    await bot.send(resident, "路边的垃圾还堆着，只清了一半")
    since = len(bot.fake.calls)
    await deliver(bot)
    notice = texts(bot.fake.sent_to(WORKER.id, since))
    assert "重办" in notice and "只清了一半" in notice
    await act(bot.services, complaint_id, Action.ACCEPT, WORKER.id)
    await deliver(bot)
    bot.clock.advance(timedelta(hours=3))
    await act(bot.services, complaint_id, Action.RESOLVE, WORKER.id, note="全部清运完毕")
    since = len(bot.fake.calls)
    await deliver(bot)
    assert "全部清运完毕" in texts(bot.fake.sent_to(resident.id, since))
    assert "满意吗" in texts(bot.fake.sent_to(resident.id, since))
    assert "😊 满意" in bot.buttons(resident.id)
    await bot.button(resident, "😊 满意")
    row = await _complaint(bot, complaint_id)
    assert (row["status"], row["satisfaction"], row["redo_count"]) == ("closed", "satisfied", 1)
    history = await bot.services.db.fetchall(
        "SELECT kind, actor_id, note FROM complaint_events WHERE complaint_id = ? ORDER BY id",
        (complaint_id,),
    )
    assert [r[0] for r in history] == [
        "submitted", "accepted", "resolved", "redo", "accepted", "resolved", "closed"
    ]  # fmt: skip
    redo = history[3]
    assert (redo[1], redo[2]) == (resident.id, "路边的垃圾还堆着，只清了一半")
