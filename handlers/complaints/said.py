"""Say it any way: a message sent outside any conversation — words, a photo with or without
words, a voice note, a location — is kept and answered "要把这条作为问题反映吗？" with the
categories (the rules: `bot.complaints.said`). A category starts /report with it already in
the draft (`handlers.complaints.report.offered`); "不用了" drops it.

Registered after every conversation (the last resort of group 0, ahead of the chat's): a
message a conversation's step takes never comes here. Nothing is kept for someone who has not
registered (they are asked to /start), nor of a forwarded message (someone else's words), a
sticker, a file or a voice note of 0 s: each gets a clear answer. Messages of one album join
one offer, which is edited to count them; a later message retires the older offer's buttons
and gets a new one.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.complaints import said
from bot.complaints.buttons import SAID, SAID_NO
from bot.runtime.services import MinhuContext
from handlers.complaints.report.offered import SAID_SLOT, live_offer
from handlers.complaints.report.voice import seconds
from handlers.kit import edits, menu
from handlers.kit.common import (
    MAX_TEXT,
    answer,
    current_person,
    in_rows,
    keyboard,
    language_of,
    pressed,
    say,
    say_with_keyboard,
    t,
)
from storage import geo

log = logging.getLogger(__name__)


def _part(message: Message) -> said.Part | None:
    """What one message brings (None: nothing that can be kept — a sticker, a file, …)."""
    words = (message.text or message.caption or "").strip()
    if message.photo:
        biggest = message.photo[-1]
        return said.Part(
            text=words,
            photo=(biggest.file_id, biggest.file_unique_id),
            album=message.media_group_id,
        )
    if message.voice is not None:
        voice = message.voice
        return said.Part(text=words, voice=(voice.file_id, voice.file_unique_id, seconds(voice)))
    if message.location is not None:
        where = message.location
        return said.Part(location=(where.latitude, where.longitude))
    if message.text:
        return said.Part(text=words)
    return None


async def offer(update: Update, context: MinhuContext) -> None:
    """Keep what was sent and offer to file it (or say why it was not kept)."""
    message = update.message
    assert message is not None and context.user_data is not None
    person = await current_person(update, context)
    if person is None or person.grid_id is None:
        await say(update, context, "common.stray_message", registered=person is not None)
        return
    if message.forward_origin is not None:
        await _tell(update, context, "said.forwarded")
        return
    part = _part(message)
    if part is None:
        await _tell(update, context, "said.not_kept")
        return
    if part.voice is not None and part.voice[2] <= 0:
        await _tell(update, context, "said.voice_empty")
        return
    if len(part.text) > MAX_TEXT:
        await _tell(update, context, "said.too_long", length=len(part.text), max=MAX_TEXT)
        return
    media = part.photo or part.voice or part.location
    now = context.services.clock.now()
    item = said.current(context.user_data.get(SAID_SLOT), now)
    if not media and said.is_greeting(part.text) and item is None:
        await _tell(update, context, "said.greeting")
        return
    same_album = bool(item and part.album and item.get("album") == part.album)
    if item is None:
        item = said.fresh(now)
    outcome = said.add(item, part, now)
    context.user_data[SAID_SLOT] = item
    if same_album and item.get("offer"):
        if outcome == "kept":  # the album's next photo: the offer above counts it
            await _show(update, context, item, outcome, edit=int(cast(int, item["offer"])))
        return
    await edits.retire(update, context, item.get("offer"))
    sent = await _show(update, context, item, outcome)
    item["offer"] = sent.message_id if sent is not None else None


async def _tell(update: Update, context: MinhuContext, key: str, **ctx: Any) -> None:
    """A plain answer, with the resident's keyboard under it (the way on without typing)."""
    await say_with_keyboard(update, context, key, await menu.home(update, context), **ctx)


async def _show(
    update: Update, context: MinhuContext, item: said.Said, outcome: str, *, edit: int = 0
) -> Message | None:
    """The offer: what was kept, the categories, "不用了"; sent, or edited in place."""
    lang = await language_of(update, context)
    cats = await geo.categories(context.services.db)
    key = str(item["id"])
    rows = in_rows([(c.label(lang), SAID.pack(key, c.id)) for c in cats], 2)
    rows.append([(t(context, lang, "said.btn_no"), SAID_NO.pack(key))])
    ctx: dict[str, Any] = {"outcome": outcome, **said.summary(item)}
    chat = update.effective_chat
    assert chat is not None
    if edit:
        try:
            await edits.edit_text(
                context, chat.id, edit, t(context, lang, "said.offer", **ctx), keyboard(rows)
            )
        except BadRequest as exc:  # deleted by the resident: the next message gets a new one
            log.info("could not update the offer: %s", exc.message)
        return None
    return await say(update, context, "said.offer", language=lang, markup=keyboard(rows), **ctx)


async def declined(update: Update, context: MinhuContext) -> None:
    """ "不用了": what was kept is dropped; an older offer's press changes nothing."""
    assert context.user_data is not None
    if await live_offer(update, context, SAID_NO.one(pressed(update))) is None:
        return
    context.user_data.pop(SAID_SLOT, None)
    await answer(update, context)
    await say(update, context, "said.declined", edit=True)


def handlers() -> list[BaseHandler]:
    """The offer's "no" (its categories are an entry of the /report conversation)."""
    return [CallbackQueryHandler(declined, pattern=SAID_NO.pattern)]


def last_resort() -> list[BaseHandler]:
    """Whatever a private chat sends that no conversation or command took."""
    return [MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, offer)]
