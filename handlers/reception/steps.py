"""What reception's conversations share: the representatives-only check, a cancel button, and
asking for typed words within a length, reading them and the record they are for."""

from __future__ import annotations

from typing import Any

from telegram import Message, Update

from bot.core.buttons import Family
from bot.people.roles import has_role
from bot.reception.rules import Stale
from bot.runtime.services import MinhuContext
from handlers.kit.common import Row, answer, keyboard, language_of, say, t
from storage.models import Role


async def representative(update: Update, context: MinhuContext) -> bool:
    """Representatives only; a polite refusal for everyone else."""
    user = update.effective_user
    if user is not None and await has_role(context.services, user.id, Role.REPRESENTATIVE):
        return True
    await answer(update, context, "common.not_allowed")
    if update.callback_query is None:
        await say(update, context, "common.not_allowed")
    return False


async def cancel_row(update: Update, context: MinhuContext, cancel: Family) -> Row:
    """The cancel button of a conversation, in the user's language."""
    lang = await language_of(update, context)
    return [(t(context, lang, "common.btn_cancel"), cancel.pack())]


async def ask_words(
    update: Update,
    context: MinhuContext,
    template: str,
    *,
    cancel: Family,
    limits: tuple[int, int],
    **ctx: Any,
) -> Message | None:
    """Ask for words of a length within `limits` (`min`, `max` in the template), with the
    conversation's cancel button."""
    markup = keyboard([await cancel_row(update, context, cancel)])
    return await say(update, context, template, markup=markup, min=limits[0], max=limits[1], **ctx)


async def words(update: Update, context: MinhuContext, limits: tuple[int, int]) -> str | None:
    """The typed text, stripped, if its length is within `limits`; else it is said to be too
    short or too long, and None."""
    assert update.message is not None
    text = (update.message.text or "").strip()
    low, high = limits
    if not low <= len(text) <= high:
        await say(update, context, "reception.bad_length", length=len(text), min=low, max=high)
        return None
    return text


def taken(context: MinhuContext, slot: str, reason: str) -> int:
    """The record id kept in `slot` of the user's data while words are typed for it (taken
    out); Stale(reason) when it is gone (a restart cut the form short)."""
    assert context.user_data is not None
    found = context.user_data.pop(slot, None)
    if not isinstance(found, int):
        raise Stale(reason)
    return found
