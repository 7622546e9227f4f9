"""Every confirm that creates a record does it once: pressed again after a crash before the
persistence flush, after a restart or from another state, it creates nothing and answers with
the first record; and its confirmation is never lost to an error after the commit."""

from __future__ import annotations

import pytest

from bot.runtime.broadcasting import FIRST_SHOW_GRACE, PROGRESS_JOB
from tests.broadcasts.test_broadcast import ADMIN, _town, _until_preview
from tests.meetings.test_meeting_form import GOOD as MEETING_FORM
from tests.meetings.test_meeting_form import _form as _meeting_form
from tests.reception.test_reception import _publish as _publish_reception
from tests.support.crash import crash_back_to, saved_state
from tests.support.harness import Harness, register, texts
from tests.support.meetings import LI, WANG, booking_of, meeting, town
from tests.support.representatives import REP, WORKER, grant


async def _count(bot: Harness, table: str) -> int:
    return int(await bot.services.db.fetchval(f"SELECT COUNT(*) FROM {table}"))


def _confirm_data(bot: Harness, user_id: int, label: str) -> str:
    [data] = [d for text, d in bot.buttons(user_id).items() if label in text]
    return data


# Broadcasts ---------------------------------------------------------------------------------


async def test_a_broadcast_confirmed_again_after_a_crash_is_sent_once(bot: Harness) -> None:
    await _town(bot)
    await _until_preview(bot, ["按片区", "上强"])
    confirm = _confirm_data(bot, ADMIN.id, "确认发送")
    saved = saved_state(bot)
    assert "发送中" in texts(await bot.press(ADMIN, confirm))
    await crash_back_to(bot, saved)  # the preview and its draft are back, the broadcast stays

    since = len(bot.fake.calls)
    await bot.press(ADMIN, confirm)
    assert "已经发出（#1）" in "".join(bot.fake.answers(since))
    assert await _count(bot, "broadcasts") == 1
    assert await _count(bot, "outbox") == 2  # one row per resident, not two
    assert "选择" in texts(await bot.send(ADMIN, "/broadcast"))  # the conversation is over


async def test_the_admin_learns_a_broadcast_is_sending_although_the_answer_failed(
    bot: Harness,
) -> None:
    await _town(bot)
    await _until_preview(bot, ["按片区", "上强"])
    bot.fake.faults.append(("sendMessage", 0, "", 0))  # the progress message times out
    since = len(bot.fake.calls)
    await bot.button(ADMIN, "确认发送")
    said = texts([c for c in bot.fake.sent_to(ADMIN.id, since) if c.result is not None])
    assert "没有完成" not in said and "发送中" not in said
    assert await _count(bot, "broadcasts") == 1

    job = bot.app.job_queue.get_jobs_by_name(PROGRESS_JOB)[0]  # type: ignore[union-attr]
    await job.run(bot.app)  # type: ignore[union-attr,arg-type]
    # Not at once: the confirm's own showing may still be under way (in another worker).
    assert await bot.services.db.fetchval("SELECT progress_message_id FROM broadcasts") is None
    bot.clock.advance(FIRST_SHOW_GRACE)
    await job.run(bot.app)  # type: ignore[union-attr,arg-type]
    assert "发送中" in texts(bot.fake.sent_to(ADMIN.id, since)[-1:])
    progress = await bot.services.db.fetchval("SELECT progress_message_id FROM broadcasts")
    assert progress is not None  # edited in place from now on


async def test_an_error_after_a_broadcast_is_committed_is_not_called_a_failure(
    bot: Harness,
) -> None:
    await _town(bot)
    await _until_preview(bot, ["按片区", "上强"])
    bot.fake.faults.append(("answerCallbackQuery", 0, "", 0))
    since = len(bot.fake.calls)
    with pytest.raises(AssertionError, match="crashed"):
        await bot.button(ADMIN, "确认发送")
    bot.services.crashes.clear()
    said = texts(bot.fake.sent_to(ADMIN.id, since))
    assert "没有完成" not in said and "已经完成并保存（#1）" in said


# Deliberation meetings ------------------------------------------------------------------------


async def test_a_meeting_published_again_after_a_crash_is_created_once(bot: Harness) -> None:
    await town(bot, WANG, LI)
    await _meeting_form(bot, MEETING_FORM)
    publish = _confirm_data(bot, ADMIN.id, "发布")
    saved = saved_state(bot)
    assert "已发布议事会" in texts(await bot.press(ADMIN, publish))
    announcements = await _count(bot, "outbox")
    await crash_back_to(bot, saved)

    since = len(bot.fake.calls)
    calls = await bot.press(ADMIN, publish)
    assert "已经发布过（#1）" in "".join(bot.fake.answers(since))
    assert "已发布议事会 <b>#1" in texts(calls)  # the summary shows the meeting again
    assert await _count(bot, "meetings") == 1
    assert await _count(bot, "outbox") == announcements  # nobody is told twice
    await bot.restart()  # and from a restart with the conversation over, the same
    since = len(bot.fake.calls)
    await bot.press(ADMIN, publish)
    assert "#1" in "".join(bot.fake.answers(since))
    assert await _count(bot, "meetings") == 1


async def test_a_seat_booked_again_after_a_crash_is_one_booking(bot: Harness) -> None:
    await town(bot, WANG)
    m = await meeting(bot, capacity=5)
    await bot.press(WANG, f"mt:v:{m.id}")
    book = _confirm_data(bot, WANG.id, "报名")
    saved = saved_state(bot)
    first = texts(await bot.press(WANG, book))
    await crash_back_to(bot, saved)
    since = len(bot.fake.calls)
    await bot.press(WANG, book)  # the card's button, pressed again after the restart
    again = texts(bot.fake.calls[since:]) + "".join(bot.fake.answers(since))
    assert await _count(bot, "meeting_bookings") == 1
    code = (await booking_of(bot, m.id, WANG)).code
    assert code in first and "已经报过名" in again and code in again  # the same seat and code


# Assignments, suggestions, patrols, reception bookings -----------------------------------------


async def test_an_assignment_confirmed_again_after_a_crash_is_made_once(bot: Harness) -> None:
    await register(bot, ADMIN)
    await grant(bot, REP, "representative")
    await bot.send(ADMIN, "/assign")
    await bot.send(ADMIN, "检查阳山工业园的消防通道")
    await bot.button(ADMIN, "人大代表")
    await bot.button(ADMIN, "周代表")
    await bot.button(ADMIN, "7 个工作日")
    confirm = _confirm_data(bot, ADMIN.id, "确认交办")
    saved = saved_state(bot)
    assert "已交办（编号 #1）" in texts(await bot.press(ADMIN, confirm))
    notices = await _count(bot, "outbox")
    await crash_back_to(bot, saved)

    since = len(bot.fake.calls)
    await bot.press(ADMIN, confirm)
    assert "已经下达过（#1）" in "".join(bot.fake.answers(since))
    assert await _count(bot, "assignments") == 1
    assert await _count(bot, "outbox") == notices  # the representative is told once


async def test_a_suggestion_confirmed_again_after_a_crash_is_filed_once(bot: Harness) -> None:
    await grant(bot, REP, "representative")
    await bot.send(REP, "/suggest")
    for label in ("督促整改", "暗访", "公共设施", "城建"):
        await bot.button(REP, label)
    await bot.send(REP, "上强社区东门人行道三块地砖松动翘起，老人容易绊倒")
    await bot.button(REP, "照片发完了")
    await bot.send(REP, "上强社区东门")  # names no grid: asked where
    await bot.button(REP, "我的网格")
    await bot.send(REP, "3月6日")
    confirm = _confirm_data(bot, REP.id, "确认提交")
    saved = saved_state(bot)
    assert "MH-2026-000001" in texts(await bot.press(REP, confirm))
    await crash_back_to(bot, saved)

    since = len(bot.fake.calls)
    await bot.press(REP, confirm)
    assert "已经提交过，编号 MH-2026-000001" in "".join(bot.fake.answers(since))
    assert await _count(bot, "complaints") == 1
    assert await _count(bot, "supervision_items") == 1


async def test_a_hazard_typed_again_after_a_crash_is_one_ticket(bot: Harness) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await bot.send(WORKER, "/patrol")
    await bot.send(WORKER, "上强社区3幢地下车库")
    await bot.button(WORKER, "不拍照")
    await bot.button(WORKER, "发现隐患")
    await bot.button(WORKER, "安全隐患")
    saved = saved_state(bot)  # waiting for the description
    hazard = "地下车库安全出口被电动车堵住，灭火器过期"
    assert "MH-2026-000001" in texts(await bot.send(WORKER, hazard))
    await crash_back_to(bot, saved)

    again = texts(await bot.send(WORKER, hazard))  # the step is back: they type it again
    assert "MH-2026-000001" in again
    assert await _count(bot, "complaints") == 1
    assert await _count(bot, "patrols") == 1


async def test_no_hazard_pressed_again_after_a_crash_is_one_patrol(bot: Harness) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await bot.send(WORKER, "/patrol")
    await bot.send(WORKER, "上强社区3幢地下车库")
    await bot.button(WORKER, "不拍照")
    none = _confirm_data(bot, WORKER.id, "无隐患")
    prompt = bot.last_keyboard_message(WORKER.id)
    saved = saved_state(bot)
    assert "无隐患" in texts(await bot.press(WORKER, none, message_id=prompt))
    await crash_back_to(bot, saved)
    assert "无隐患" in texts(await bot.press(WORKER, none, message_id=prompt))
    assert await _count(bot, "patrols") == 1


async def test_a_reception_slot_booked_again_after_a_crash_is_one_booking(bot: Harness) -> None:
    """The natural key (session, person) is unique: no submission key is needed."""
    await grant(bot, REP, "representative")
    await _publish_reception(bot)
    await register(bot, WANG)
    await bot.send(WANG, "/reception")
    await bot.button(WANG, "预约")
    saved = saved_state(bot)  # waiting for the topic
    assert "预约成功" in texts(await bot.send(WANG, "小区加装电梯的费用分摊问题"))
    await crash_back_to(bot, saved)
    again = texts(await bot.send(WANG, "小区加装电梯的费用分摊问题"))
    assert "已经预约过" in again
    assert await _count(bot, "reception_bookings") == 1


async def test_a_reception_day_published_again_after_a_crash_is_one_session(
    bot: Harness,
) -> None:
    await grant(bot, REP, "representative")
    await bot.send(REP, "/reception")
    await bot.button(REP, "发布接待日")
    await bot.button(REP, "上强片区人大代表联络点")
    await bot.send(REP, "2026-03-05 09:00")
    await bot.button(REP, "3")
    publish = _confirm_data(bot, REP.id, "确认发布")
    saved = saved_state(bot)
    assert "已发布" in texts(await bot.press(REP, publish))
    reminders = await _count(bot, "outbox")
    await crash_back_to(bot, saved)
    assert "已发布" in texts(await bot.press(REP, publish))  # the same session, shown again
    assert await _count(bot, "reception_sessions") == 1
    assert await _count(bot, "outbox") == reminders


async def test_an_error_after_a_seat_is_booked_is_not_called_a_failure(bot: Harness) -> None:
    await town(bot, WANG)
    m = await meeting(bot, capacity=5)
    await bot.press(WANG, f"mt:v:{m.id}")
    bot.fake.faults.append(("answerCallbackQuery", 0, "", 0))
    since = len(bot.fake.calls)
    with pytest.raises(AssertionError, match="crashed"):
        await bot.button(WANG, "报名")
    bot.services.crashes.clear()
    said = texts(bot.fake.sent_to(WANG.id, since))
    code = (await booking_of(bot, m.id, WANG)).code
    assert "没有完成" not in said and f"已经完成并保存（{code}）" in said
