"""The progress message is shared by processes: with several workers the confirm is handled by
one (which shows the message) and the leader's job edits it. What it shows is kept in the
database, so no process edits it to the text it has already — Telegram answers that with 400
"message is not modified" (the towns bench caught one in an admin's chat)."""

from __future__ import annotations

from bot.runtime.broadcasting import FIRST_SHOW_GRACE, BroadcastProgress
from tests.broadcasts.test_broadcast import ADMIN, _send_out, _town, _until_preview
from tests.support.harness import Harness


def _edits(bot: Harness, since: int) -> int:
    return len([c for c in bot.fake.calls[since:] if c.method == "editMessageText"])


async def test_another_process_does_not_edit_the_progress_to_what_it_shows(
    bot: Harness,
) -> None:
    await _town(bot)
    await _until_preview(bot, ["按片区", "上强"])
    await bot.button(ADMIN, "确认发送")  # this worker shows the progress message
    assert await bot.services.db.fetchval("SELECT progress_message_id FROM broadcasts")

    # The leader's job (its own process: nothing of this one's memory) sees the same figures.
    since = len(bot.fake.calls)
    await BroadcastProgress(bot.services).refresh(bot.app.bot)  # type: ignore[arg-type]
    assert _edits(bot, since) == 0

    # The figures move (one of the two sent, the other held by flood control, so the broadcast
    # is still sending): one edit, by whichever process comes first; the other makes none.
    bot.fake.faults.append(("sendMessage", 429, "Too Many Requests: retry after 60", 60))
    await _send_out(bot)
    bot.fake.faults.append(("editMessageText", 0, "", 0))  # the first try times out
    shown = "SELECT progress_shown FROM broadcasts"
    before = await bot.services.db.fetchval(shown)
    await BroadcastProgress(bot.services).refresh(bot.app.bot)  # type: ignore[arg-type]
    assert _edits(bot, since) == 1  # the timed-out one
    assert await bot.services.db.fetchval(shown) == before  # it still shows the old text
    await BroadcastProgress(bot.services).refresh(bot.app.bot)  # type: ignore[arg-type]
    assert _edits(bot, since) == 2  # given back after the timeout: tried again
    await BroadcastProgress(bot.services).refresh(bot.app.bot)  # type: ignore[arg-type]
    assert _edits(bot, since) == 2
    answered = [c for c in bot.fake.calls[since:] if c.method == "editMessageText" and c.result]
    assert len(answered) == 1


async def test_the_job_leaves_a_new_broadcast_s_first_showing_to_its_confirm(
    bot: Harness,
) -> None:
    await _town(bot)
    await _until_preview(bot, ["按片区", "上强"])
    bot.fake.faults.append(("sendMessage", 0, "", 0))  # the confirm's showing times out
    await bot.button(ADMIN, "确认发送")
    progress = BroadcastProgress(bot.services)
    since = len(bot.fake.calls)
    await progress.refresh(bot.app.bot)  # type: ignore[arg-type]
    assert not bot.fake.sent_to(ADMIN.id, since)  # the confirm's may still be under way
    bot.clock.advance(FIRST_SHOW_GRACE)
    await progress.refresh(bot.app.bot)  # type: ignore[arg-type]
    assert len(bot.fake.sent_to(ADMIN.id, since)) == 1
    assert await bot.services.db.fetchval("SELECT progress_message_id FROM broadcasts")
