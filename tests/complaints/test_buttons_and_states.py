"""Complaint buttons and conversations across the upgrade to one button registry: a report
saved at an old state number resumes at the same step, every family packs data byte for byte
as the buttons already in chats, a forged press is told so, and every family has a handler."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, ConversationHandler

from bot.complaints import buttons
from bot.complaints.rules import Action
from bot.core.buttons import families
from storage import conversations
from storage.db import Database
from tests.support.complaints import newcomer_chooses
from tests.support.harness import Harness, User, register, texts

OLD_DESCRIPTION = 11  # the report's description step before the renumbering


async def test_a_report_saved_at_an_old_state_number_resumes(bot: Harness, resident: User) -> None:
    await newcomer_chooses(bot, resident)
    await bot.stop()
    async with Database(bot.settings.database) as db:
        key = (resident.id, resident.id)
        await conversations.set_state(db, "report", key, OLD_DESCRIPTION)
    await bot.start()

    assert "照片" in texts(await bot.send(resident, "小区东门垃圾桶满了三天没人清理"))
    saved = await conversations.states(bot.services.db, "report")
    assert saved[(resident.id, resident.id)] == 102  # moved on, under the new number


def test_button_data_is_what_chats_already_hold() -> None:
    packed = {
        buttons.CATEGORY.pack(3): "rp:cat:3",
        buttons.PHOTOS_DONE.pack("done"): "rp:photos:done",
        buttons.ANONYMOUS.pack(True): "rp:anon:1",
        buttons.CONFIRM.pack("ab12"): "rp:confirm:ab12",
        buttons.CARD.pack(7): "si:7",
        buttons.HISTORY.pack(7): "my:7",
        buttons.WORK[Action.ACCEPT].pack(7): "cs:accept:7",
        buttons.RATE.pack(7, 5): "cr:rate:7:5",
        buttons.CAME_BACK.pack(7): "cr:back:7",
    }
    for data, expected in packed.items():
        assert data == expected
    assert buttons.CONFIRM.parse("rp:confirm") == (None,)  # a summary from before form keys
    assert buttons.ANONYMOUS.one("rp:anon:0") is False
    assert buttons.CARD.parse("si:x") is None and buttons.RATE.parse("cr:rate:7:6") is None


async def test_a_forged_or_old_press_gets_an_honest_toast(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    since = len(bot.fake.calls)
    await bot.press(resident, "si:x")  # fits no family: forged
    await bot.press(resident, "rp:photos:done")  # a real button, but no report is open
    invalid, stale = bot.fake.answers(since)
    assert "无效" in invalid and "过期" in stale


def test_every_complaint_button_has_a_handler(bot: Harness) -> None:
    assert bot.app is not None
    found: list[str] = []
    pending = [h for group in bot.app.handlers.values() for h in group]
    while pending:
        handler = pending.pop()
        if isinstance(handler, ConversationHandler):
            pending += [*handler.entry_points, *handler.fallbacks]
            pending += [h for step in handler.states.values() for h in step]
        elif isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
            found.append(getattr(handler.pattern, "pattern", str(handler.pattern)))
    mine = [f for f in families() if f.prefix in {p.prefix for p in buttons.PREFIXES}]
    # 40, the supporters' three answers, a page of /inbox, the offer of a stray message
    # (a category or no), "the voice note says it"
    assert len(mine) == 47
    assert [f for f in mine if f.pattern not in found] == []
