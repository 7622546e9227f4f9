"""Every edit of a message the bot sent goes through here, so that none changes nothing.

Telegram refuses an edit to the content a message already shows ("message is not modified",
a 400). A button pressed twice before the first press's edit arrives, or an update handled
twice, runs the same handler twice and would make the same edit twice: what each edit put in
a message is remembered (`bot.runtime.shown`) and an edit to the same text and keyboard is
skipped. The refusal itself, should it still come (after a restart), is no error here.

A keyboard with no buttons is no keyboard (`solid`): PTB sends an empty one as `{}`, which
Telegram refuses ("can't parse reply keyboard markup"), so a card that has nothing left to
press (an activity that started) goes without one.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.runtime.services import MinhuContext

log = logging.getLogger(__name__)


def solid(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The keyboard, or None when it has no button."""
    return markup if markup is not None and any(markup.inline_keyboard) else None


def _keyboard(markup: InlineKeyboardMarkup | None) -> str:
    return json.dumps(markup.to_dict(), sort_keys=True, ensure_ascii=False) if markup else ""


def _not_modified(exc: BadRequest) -> bool:
    return "not modified" in exc.message


async def edit_text(
    context: MinhuContext,
    chat_id: int,
    message_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None,
    *,
    caption: bool = False,
) -> Message | None:
    """Edit a message's text (a photo's caption with `caption`) and its buttons; None when
    nothing changed (or Telegram answered True)."""
    markup = solid(markup)
    shown, key, keyboard = context.services.shown, (chat_id, message_id), _keyboard(markup)
    if shown.unchanged(key, text=text, markup=keyboard):
        return None
    try:
        if caption:
            result = await context.bot.edit_message_caption(
                chat_id, message_id, caption=text, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        else:
            result = await context.bot.edit_message_text(
                text, chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=markup
            )
    except BadRequest as exc:
        if not _not_modified(exc):
            raise
        result = None
    shown.record(key, text=text, markup=keyboard)
    return result if isinstance(result, Message) else None


async def edit_buttons(
    context: MinhuContext, chat_id: int, message_id: int, markup: InlineKeyboardMarkup | None
) -> bool:
    """Put `markup` under a message (None: take its buttons away); False when that changed
    nothing."""
    markup = solid(markup)
    shown, key, keyboard = context.services.shown, (chat_id, message_id), _keyboard(markup)
    if shown.unchanged(key, text=None, markup=keyboard):
        return False
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=markup)
    except BadRequest as exc:
        if not _not_modified(exc):
            raise
        shown.record(key, text=None, markup=keyboard)
        return False
    shown.record(key, text=None, markup=keyboard)
    return True


async def retire(update: Update, context: MinhuContext, message_id: Any) -> None:
    """Take the buttons off an earlier message of the bot in this chat (a prompt, an offer), so
    only the latest can be pressed; not the message being pressed now (its handler edits it),
    and nothing when it is gone (deleted by the user) or was never sent."""
    chat, query = update.effective_chat, update.callback_query
    if query is not None and query.message is not None and query.message.message_id == message_id:
        return
    if isinstance(message_id, int) and chat is not None:
        try:
            await edit_buttons(context, chat.id, message_id, None)
        except BadRequest as exc:
            log.info("could not retire the buttons of %s: %s", message_id, exc.message)
