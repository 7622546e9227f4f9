"""What reception's conversations share: the representatives-only check, and the record typed
words are for."""

from __future__ import annotations

from telegram import Update

from bot.people.roles import has_role
from bot.reception.rules import Stale
from bot.runtime.services import MinhuContext
from handlers.kit.common import answer, say
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


def taken(context: MinhuContext, slot: str, reason: str) -> int:
    """The record id kept in `slot` of the user's data while words are typed for it (taken
    out); Stale(reason) when it is gone (a restart cut the form short)."""
    assert context.user_data is not None
    found = context.user_data.pop(slot, None)
    if not isinstance(found, int):
        raise Stale(reason)
    return found
