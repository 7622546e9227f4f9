"""A report is filed once, whatever happens after 确认提交, and its number always arrives.

A crash between the commit and the next persistence flush leaves the summary, its button
and the draft; pressing again must find the first complaint. The number is an outbox row of
the commit's own transaction, so an API error or a crash before it goes out loses nothing,
and the error handler never says a committed action failed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.crash import crash_back_to, saved_state
from tests.support.harness import Harness, User, register, texts

OUTBOX_REPLIES = "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'submitted:%'"


async def _until_summary(bot: Harness, user: User, description: str = "小区东门路灯坏了") -> str:
    """Walk /report to its summary; the confirm button's callback data."""
    await bot.send(user, "/report")
    await bot.button(user, "环境卫生")
    await bot.send(user, description)
    await bot.button(user, "不需要照片")
    await bot.send(user, "跳过")
    await bot.button(user, "我的网格")  # no place given: asked where
    await bot.button(user, "实名")
    [data] = [d for label, d in bot.buttons(user.id).items() if "确认提交" in label]
    return data


async def _complaints(bot: Harness) -> int:
    return int(await bot.services.db.fetchval("SELECT COUNT(*) FROM complaints"))


async def test_a_crash_before_the_flush_and_a_second_press_file_one_complaint(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    confirm = await _until_summary(bot, resident)
    saved = saved_state(bot)  # the summary is on disk; the commit's end state never gets there
    assert "MH-2026-000001" in texts(await bot.press(resident, confirm))
    await crash_back_to(bot, saved)

    since = len(bot.fake.calls)
    await bot.press(resident, confirm)  # the button is still there after the crash
    assert "已提交过，编号 MH-2026-000001" in "".join(bot.fake.answers(since))
    assert await _complaints(bot) == 1
    assert await bot.services.db.fetchval(OUTBOX_REPLIES) == 1  # the number went out once
    assert "MH-" not in texts(bot.fake.sent_to(resident.id, since))
    # The conversation is over: the next /report starts afresh.
    assert "类别" in texts(await bot.send(resident, "/report"))


async def test_the_old_confirm_pressed_from_another_state_answers_the_same_number(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    confirm = await _until_summary(bot, resident)
    await bot.press(resident, confirm)
    await bot.send(resident, "/report")  # a new report, at its first step
    message = bot.last_keyboard_message(resident.id)

    since = len(bot.fake.calls)
    await bot.press(resident, confirm, message_id=message - 1)
    assert "MH-2026-000001" in "".join(bot.fake.answers(since))
    assert await _complaints(bot) == 1
    # The new report goes on where it was.
    assert "描述" in texts(await bot.button(resident, "环境卫生"))


async def test_after_a_restart_the_old_button_still_answers_the_number(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    confirm = await _until_summary(bot, resident)
    await bot.press(resident, confirm)
    await bot.restart()
    since = len(bot.fake.calls)
    await bot.press(resident, confirm)
    assert "MH-2026-000001" in "".join(bot.fake.answers(since))
    assert await _complaints(bot) == 1


async def test_a_confirm_with_no_draft_says_the_form_is_closed(
    bot: Harness, resident: User
) -> None:
    """The draft is gone (erased data, a lost state) while the summary still shows."""
    await register(bot, resident)
    confirm = await _until_summary(bot, resident)
    conversations, _ = saved_state(bot)
    await crash_back_to(bot, (conversations, []))  # state CONFIRM, no draft

    calls = await bot.press(resident, confirm)
    assert "表单已经关闭" in texts(calls) and "/report" in texts(calls)
    assert await _complaints(bot) == 0
    assert "类别" in texts(await bot.send(resident, "/report"))


async def test_the_number_survives_an_api_error_right_after_the_commit(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    confirm = await _until_summary(bot, resident)
    bot.fake.faults.append(("sendMessage", 0, "", 0))  # the number's send times out
    since = len(bot.fake.calls)
    await bot.press(resident, confirm)
    assert "MH-2026-000001" not in _delivered(bot, resident, since)
    assert await _complaints(bot) == 1

    bot.clock.advance(timedelta(seconds=10))  # the delivery engine retries
    await bot.services.delivery.run_pass(bot.app.bot)  # type: ignore[union-attr]
    assert _delivered(bot, resident, since).count("MH-2026-000001") == 1


def _delivered(bot: Harness, user: User, since: int) -> str:
    """Texts that reached the user (not the requests that failed)."""
    return texts([c for c in bot.fake.sent_to(user.id, since) if c.result is not None])


async def test_an_error_after_the_commit_is_not_called_a_failure(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    confirm = await _until_summary(bot, resident)
    bot.fake.faults.append(("answerCallbackQuery", 0, "", 0))  # the handler fails after commit
    since = len(bot.fake.calls)
    with pytest.raises(AssertionError, match="crashed"):
        await bot.press(resident, confirm)
    bot.services.crashes.clear()

    said = texts(bot.fake.sent_to(resident.id, since))
    assert "没有完成" not in said
    assert "已经完成并保存（MH-2026-000001）" in said
    assert await _complaints(bot) == 1
    since = len(bot.fake.calls)
    await bot.press(resident, confirm)  # they press again anyway: nothing more is filed
    assert "MH-2026-000001" in "".join(bot.fake.answers(since))
    assert await _complaints(bot) == 1
