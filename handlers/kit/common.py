"""Helpers shared by handlers: language, replies, keyboards, roles, consent."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode

from bot.core.buttons import Family, declared

# Limits on what people type and attach, for every handler (bot/core/limits.py).
from bot.core.limits import MAX_ADDRESS as MAX_ADDRESS
from bot.core.limits import MAX_PHOTOS as MAX_PHOTOS
from bot.core.limits import MAX_TEXT as MAX_TEXT
from bot.core.limits import MAX_VOICES as MAX_VOICES
from bot.core.limits import MIN_DESCRIPTION as MIN_DESCRIPTION
from bot.core.render import fits_caption, fits_message, pick_language
from bot.runtime.services import MinhuContext
from handlers.kit import edits
from storage import people
from storage.db import committed_here
from storage.models import Person

Row = Sequence[tuple[str, str]]


MAX_BUTTONS = 100  # Telegram's most under one message ("reply markup is too long" past it)


def keyboard(rows: Sequence[Row]) -> InlineKeyboardMarkup:
    """Build an inline keyboard from rows of (label, callback_data); a list that could grow
    past `MAX_BUTTONS` must cut itself first (this refuses it, as Telegram would)."""
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise ValueError(f"more than {MAX_BUTTONS} buttons under one message")
    for row in rows:
        for _, data in row:
            if not 1 <= len(data.encode()) <= 64:
                raise ValueError(f"callback data must be 1-64 bytes: {data!r}")
            declared(data)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def current_person(update: Update, context: MinhuContext) -> Person | None:
    """The consented person behind this update, if any: read once per update, and again only
    once this update committed a write (a new language, a registration, an erasure)."""
    user = update.effective_user
    if user is None:
        return None
    commits = committed_here()
    read = context.person_read
    if read is not None and read[0] == user.id and read[1] == commits:
        return read[2]
    person = await people.get(context.services.db, user.id)
    context.person_read = (user.id, commits, person)
    return person


async def language_of(update: Update, context: MinhuContext) -> str:
    """The user's language: stored choice, else the pre-consent choice, else Telegram's."""
    person = await current_person(update, context)
    if person is not None:
        return person.language
    chosen = context.user_data.get("language") if context.user_data is not None else None
    if isinstance(chosen, str):
        return chosen
    user = update.effective_user
    return pick_language(user.language_code if user else None)


def t(context: MinhuContext, language: str, key: str, **ctx: Any) -> str:
    """Render one template block."""
    return context.services.renderer.render(language, key, **ctx)


async def say(
    update: Update,
    context: MinhuContext,
    key: str,
    *,
    language: str | None = None,
    markup: InlineKeyboardMarkup | None = None,
    edit: bool = False,
    **ctx: Any,
) -> Message | None:
    """Answer the user with a rendered template: edit the pressed message or send a new one.
    A choice `shown_above` in the pressed message goes first, in the same message."""
    lang = language or await language_of(update, context)
    text, markup = t(context, lang, key, **ctx), edits.solid(markup)
    query = update.callback_query
    pressed_message = query.message if query is not None else None
    if context.above is not None and isinstance(pressed_message, Message):
        combined = f"{context.above}\n\n{text}"
        if fits_message(combined):
            context.above = None
            text, edit = combined, True
        else:
            await settle(update, context)
    if edit and isinstance(pressed_message, Message):
        return await _edit(context, pressed_message, text, markup)
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.bot.send_message(
        chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup
    )


async def _edit(
    context: MinhuContext, message: Message, text: str, markup: InlineKeyboardMarkup | None
) -> Message | None:
    """Edit `message` to `text` (an edit changing nothing is skipped: `edits`). A photo's
    message (the 办结 notice with the finished work) has its caption edited, or — too long for
    a caption — loses its buttons and the text comes as a new message."""
    chat_id, message_id = message.chat_id, message.message_id
    if message.text is None and not fits_caption(text):
        await edits.edit_buttons(context, chat_id, message_id, None)
        return await context.bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
        )
    caption = message.text is None
    return await edits.edit_text(context, chat_id, message_id, text, markup, caption=caption)


async def shown_above(update: Update, context: MinhuContext, key: str, **ctx: Any) -> None:
    """The choice just pressed (`key`), shown in the pressed message with what this update
    asks next below it: one edit, where an edit and a new message would do the same. With
    nothing asked next (or a reply keyboard, which only a new message can carry), the
    message shows the choice alone, as `say(edit=True)` would (`settle`)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        await say(update, context, key, **ctx)
        return
    context.above = t(context, await language_of(update, context), key, **ctx)


async def settle(update: Update, context: MinhuContext) -> None:
    """Show a choice still waiting `shown_above` alone in the pressed message (the last
    handler group runs this for every update; a reply keyboard runs it before its message)."""
    above, context.above = context.above, None
    query = update.callback_query
    if above is None or query is None or not isinstance(query.message, Message):
        return
    await _edit(context, query.message, above, None)


async def answer(update: Update, context: MinhuContext, key: str | None = None, **ctx: Any) -> None:
    """Answer a callback query (optionally with a short toast)."""
    query = update.callback_query
    if query is None:
        return
    if key is None:
        await query.answer()
        return
    lang = await language_of(update, context)
    toast = context.services.renderer.toast(lang, key, **ctx)
    await query.answer(toast, show_alert=False)


def hint(key: str) -> Callable[[Update, MinhuContext], Coroutine[Any, Any, None]]:
    """A callback that answers with one template and stays at the same conversation step
    (for a sticker where words are asked for, typing where a button is expected, …)."""

    async def answer_with_hint(update: Update, context: MinhuContext) -> None:
        await say(update, context, key)

    answer_with_hint.__doc__ = f"Answer with {key} and stay at this step."
    return answer_with_hint


def sent_photo(update: Update) -> tuple[str, str]:
    """The largest size of the photo just sent: (file_id, file_unique_id)."""
    assert update.message is not None and update.message.photo
    biggest = update.message.photo[-1]
    return biggest.file_id, biggest.file_unique_id


def add_photo(photos: list[list[str]], update: Update) -> None:
    """Add the photo just sent to a draft's photos, unless they have it (the same
    file_unique_id: the update handled again, after its worker died or lost the chat)."""
    file_id, unique = sent_photo(update)
    if all(p[1] != unique for p in photos):
        photos.append([file_id, unique])


def parse_int(value: str) -> int | None:
    """A positive integer from callback data, or None for anything forged."""
    if not value.isdigit() or len(value) > 12:
        return None
    return int(value)


def in_rows(buttons: Sequence[tuple[str, str]], per_row: int) -> list[Row]:
    """Buttons laid out `per_row` to a row."""
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


async def say_with_keyboard(
    update: Update,
    context: MinhuContext,
    key: str,
    markup: ReplyKeyboardMarkup | ReplyKeyboardRemove,
    **ctx: Any,
) -> None:
    """A new message with a reply keyboard (share a location, skip) or the removal of one."""
    chat = update.effective_chat
    assert chat is not None
    await settle(update, context)
    text = t(context, await language_of(update, context), key, **ctx)
    await context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup)


def pressed(update: Update) -> str | None:
    """The data of the pressed button (None for a message), for a family's `parse` or `one`."""
    return update.callback_query.data if update.callback_query is not None else None


def word_buttons(
    context: MinhuContext, lang: str, family: Family, words: Iterable[str], label: str
) -> list[Row]:
    """A button a row for each word (`family.pack(word)`), labelled by the block `label + word`."""
    return [[(t(context, lang, f"{label}{word}"), family.pack(word))] for word in words]


def button_row(
    context: MinhuContext, lang: str, key: str, family: Family, *values: object, **ctx: Any
) -> list[tuple[str, str]]:
    """A row of one button: the label from template `key` (with `ctx`), the data of
    `family` packed with `values`."""
    return [(t(context, lang, key, **ctx), family.pack(*values))]
