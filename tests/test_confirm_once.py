"""Every confirm that creates a record does it once: pressed again after a crash before the
persistence flush, after a restart or from another state, it creates nothing and answers with
the first record; and its confirmation is never lost to an error after the commit."""

from __future__ import annotations

import pytest

from bot.broadcasts import PROGRESS_JOB
from tests.meeting_support import LI, WANG, booking_of, meeting, town
from tests.support.crash import crash_back_to, saved_state
from tests.support.harness import Harness, texts
from tests.test_broadcast import ADMIN, _town, _until_preview
from tests.test_meeting_form import GOOD as MEETING_FORM
from tests.test_meeting_form import _form as _meeting_form


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
