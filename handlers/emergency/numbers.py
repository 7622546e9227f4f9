"""The emergency numbers, sent first when a text or caption names danger now.

Runs in the earliest handler group, before the chat guard and every conversation, and never
stops the update: the message then goes on as usual (a /report in progress takes it as its
description, a stray message is answered as one). Each message is answered once: an edit is
answered only when it newly names danger. In a group the numbers alone are sent, as a reply
(nothing personal), at most once in ten minutes per group.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Chat, Message, ReplyParameters, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.core.render import pick_language
from bot.emergency.words import Answered, found, group_may_hear
from bot.runtime.services import MinhuContext
from handlers.kit.common import language_of, t

log = logging.getLogger(__name__)

ANSWERED_KEY = "emergency_answered"  # the ids of this chat's messages already answered
GROUP_AT_KEY = "emergency_group_at"  # when a group last got the numbers


async def emergency_numbers(update: Update, context: MinhuContext) -> None:
    """Send the emergency numbers for a message naming danger (once per message)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or message.from_user is None:
        return
    if message.from_user.is_bot:
        return
    words = found(message.text or message.caption, context.services.settings.emergency_words)
    if not words:
        return
    private = chat.type == Chat.PRIVATE
    store = context.user_data if private else context.chat_data
    if store is None:
        return
    answered = Answered.of(store.get(ANSWERED_KEY))
    if not answered.first_time(message.message_id):
        return
    store[ANSWERED_KEY] = answered.ids
    now = context.services.clock.now()
    if not private:
        last = store.get(GROUP_AT_KEY)
        if not group_may_hear(last if isinstance(last, datetime) else None, now):
            return
        store[GROUP_AT_KEY] = now
    if private:
        lang = await language_of(update, context)
    else:
        lang = pick_language(message.from_user.language_code)
    await _send(message, context, t(context, lang, "emergency.numbers", words=words))


async def _send(message: Message, context: MinhuContext, text: str) -> None:
    try:
        await context.bot.send_message(
            message.chat_id,
            text,
            parse_mode=ParseMode.HTML,
            reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
        )
    except (BadRequest, Forbidden) as exc:  # a group that muted the bot, a blocked chat
        log.info("could not send the emergency numbers to %s: %s", message.chat_id, exc)


def handlers() -> list[BaseHandler]:
    """Texts and captions, new or edited, anywhere but a channel."""
    return [
        MessageHandler(
            (filters.TEXT | filters.CAPTION)
            & (filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE),
            emergency_numbers,
        )
    ]
