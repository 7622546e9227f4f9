"""Refusals answered in the chat: one way for every conversation and button.

`refuse` answers a `bot.core.refusals.Refusal` in the user's language (the pressed button's
spinner stops, the reason is said); `refuse_pressed` answers a press with a toast instead;
`refusals_answered` wraps a step so any refusal is answered and the step stays; `refusal_ends`
ends the conversation on a refusal other than `Invalid`; `forged` answers the presses of a
capability's prefixes that no handler took (old or forged buttons).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler

from bot.core import refusals
from bot.core.buttons import Prefix, any_data_of, family_of
from bot.core.refusals import Refusal
from bot.runtime.services import MinhuContext
from handlers.kit.common import answer, say

Callback = Callable[[Update, MinhuContext], Coroutine[Any, Any, Any]]


async def refuse(
    update: Update, context: MinhuContext, refusal: Refusal, *, edit: bool = False
) -> None:
    """Answer a refusal: the pressed button's spinner stops, and the reason is said."""
    await answer(update, context)
    await say(update, context, refusal.template, edit=edit, reason=refusal.reason, **refusal.values)


def refusals_answered(step: Callback) -> Callback:
    """Answer any Refusal the step raises with `refuse`; the conversation stays where it was."""

    @functools.wraps(step)
    async def run(update: Update, context: MinhuContext) -> Any:
        try:
            return await step(update, context)
        except Refusal as refusal:
            await refuse(update, context, refusal)
            return None

    return run


async def refuse_pressed(update: Update, context: MinhuContext, refusal: Refusal) -> None:
    """Answer a refusal of a button press with a toast (the pressed message stays as it is);
    typed words get a message."""
    if update.callback_query is None:
        await refuse(update, context, refusal)
        return
    await answer(update, context, refusal.template, reason=refusal.reason, **refusal.values)


def forged(*prefixes: Prefix) -> CallbackQueryHandler[MinhuContext, None]:
    """Registered after a capability's handlers: a press with one of its prefixes that no
    handler took is answered "invalid" when its data fits none of the families (forged), and
    "expired" when it does (an old button whose step is over)."""
    pattern = any_data_of(*prefixes)

    async def press(update: Update, context: MinhuContext) -> None:
        assert update.callback_query is not None
        known = family_of(update.callback_query.data or "") is not None
        await answer(update, context, "common.stale_button" if known else "common.invalid_button")

    press.__doc__ = f"A press of {', '.join(p.prefix for p in prefixes)} no handler took."
    return CallbackQueryHandler(press, pattern=pattern)


def refusal_ends(
    *slots: str,
) -> Callable[[Callable[..., Coroutine[Any, Any, Any]]], Callable[..., Coroutine[Any, Any, Any]]]:
    """A step that a refusal ends: a Refusal other than `Invalid` (the thing is gone, closed,
    not theirs) is answered, `slots` of the user's data are dropped and the conversation ends.
    An `Invalid` (what was typed does not fit) is left to the step's `draft_step` or
    `refusals_answered`, which answer it and stay at the step."""

    def wrap(
        step: Callable[..., Coroutine[Any, Any, Any]],
    ) -> Callable[..., Coroutine[Any, Any, Any]]:
        @functools.wraps(step)
        async def run(update: Update, context: MinhuContext, *args: Any) -> Any:
            try:
                return await step(update, context, *args)
            except Refusal as refusal:
                if isinstance(refusal, refusals.Invalid):
                    raise
                if context.user_data is not None:
                    for slot in slots:
                        context.user_data.pop(slot, None)
                await refuse(update, context, refusal)
                return ConversationHandler.END

        return run

    return wrap
