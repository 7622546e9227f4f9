"""The shape every conversation shares: one builder, its steps, cancel, drafts and refusals.

`conversation` builds a persistent ConversationHandler whose fallbacks are always /cancel and
the conversation's cancel button. A step is a list of handlers: `typed_step` takes words and
answers anything else with a hint; `buttons_step` takes presses and answers typing with a hint;
`photo_step` takes a photo or the "no photo" button. `cancelled` makes the cancel callback (the
draft is dropped, the user is told, the conversation ends). `draft_step` gives a step its draft
after checking the user's role again on the server (it may have been revoked while the form was
open) and ends the conversation with a clear answer when the draft is gone (a restart). Any
`Refusal` a step raises is answered by `refuse`, in the user's language, and the step stays.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.buttons import Family
from bot.core.refusals import Refusal
from bot.people.roles import has_role
from bot.runtime.services import MinhuContext
from handlers.kit.common import answer, hint, say

Callback = Callable[[Update, MinhuContext], Coroutine[Any, Any, Any]]
Handlers = list[BaseHandler[Update, MinhuContext, Any]]
D = TypeVar("D")

TYPED = filters.TEXT & ~filters.COMMAND
ANYTHING = ~filters.COMMAND


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


def typed_step(callback: Callback, hint_key: str) -> Handlers:
    """A step that takes typed words; a photo, sticker or voice is answered with a hint."""
    return [MessageHandler(TYPED, callback), MessageHandler(ANYTHING, hint(hint_key))]


def buttons_step(hint_key: str, *presses: tuple[Family | str, Callback]) -> Handlers:
    """A step that takes button presses (a family, or a pattern built with `any_of`); anything
    typed is answered with a hint."""
    handlers: Handlers = [
        CallbackQueryHandler(callback, pattern=f.pattern if isinstance(f, Family) else f)
        for f, callback in presses
    ]
    handlers.append(MessageHandler(ANYTHING, hint(hint_key)))
    return handlers


def photo_step(photo: Callback, no_photo: tuple[Family, Callback], hint_key: str) -> Handlers:
    """A step that takes a photo, or the "no photo" button; anything else gets a hint."""
    return [
        MessageHandler(filters.PHOTO, photo),
        CallbackQueryHandler(no_photo[1], pattern=no_photo[0].pattern),
        MessageHandler(ANYTHING, hint(hint_key)),
    ]


def cancelled(
    template: str, *slots: str, before: Callback | None = None
) -> Callable[[Update, MinhuContext], Coroutine[Any, Any, int]]:
    """The cancel callback of a conversation: drop its slots of the user's data, say
    `template` (in place of the pressed message for the cancel button) and end."""

    async def cancel(update: Update, context: MinhuContext) -> int:
        if before is not None:
            await before(update, context)
        if context.user_data is not None:
            for slot in slots:
                context.user_data.pop(slot, None)
        await answer(update, context)
        await say(update, context, template, edit=update.callback_query is not None)
        return ConversationHandler.END

    cancel.__doc__ = f"/cancel or the cancel button: nothing is saved ({template})."
    return cancel


def conversation(
    name: str,
    *,
    entry_points: Sequence[BaseHandler[Update, MinhuContext, Any]],
    states: dict[object, Handlers],
    cancel: Callback,
    cancel_button: Family | None,
    fallbacks: Sequence[BaseHandler[Update, MinhuContext, Any]] = (),
) -> ConversationHandler[MinhuContext]:
    """A persistent conversation (it survives a restart; a new entry restarts it) whose
    fallbacks are /cancel, its cancel button and `fallbacks`."""
    ends: Handlers = [CommandHandler("cancel", cancel)]
    if cancel_button is not None:
        ends.append(CallbackQueryHandler(cancel, pattern=cancel_button.pattern))
    return ConversationHandler(
        entry_points=list(entry_points),
        states=states,
        fallbacks=[*ends, *fallbacks],
        name=name,
        persistent=True,
        allow_reentry=True,
    )


def draft_step(
    slot: str, *, role: str | None, expired: str
) -> Callable[
    [Callable[[Update, MinhuContext, Any], Coroutine[Any, Any, Any]]],
    Callback,
]:
    """Give a step the draft in `slot` of the user's data, after checking `role` again (None:
    anyone). Without the role the draft is dropped and "not allowed" said; without a draft
    `expired` is said; both end the conversation. A Refusal the step raises is answered."""

    def wrap(step: Callable[[Update, MinhuContext, Any], Coroutine[Any, Any, Any]]) -> Callback:
        @functools.wraps(step)
        async def run(update: Update, context: MinhuContext) -> Any:
            user = update.effective_user
            data = context.user_data
            if role is not None and (
                user is None or not await has_role(context.services, user.id, role)
            ):
                if data is not None:
                    data.pop(slot, None)
                await answer(update, context)
                await say(update, context, "common.not_allowed")
                return ConversationHandler.END
            draft = data.get(slot) if data is not None else None
            if not isinstance(draft, dict):
                await answer(update, context)
                await say(update, context, expired)
                return ConversationHandler.END
            try:
                return await step(update, context, draft)
            except Refusal as refusal:
                await refuse(update, context, refusal)
                return None

        return run

    return wrap


def refusal_ends(
    *slots: str,
) -> Callable[[Callable[..., Coroutine[Any, Any, Any]]], Callable[..., Coroutine[Any, Any, Any]]]:
    """A step that a refusal ends: a Refusal other than `Invalid` (the thing is gone, closed,
    not theirs) is answered, `slots` of the user's data are dropped and the conversation ends.
    An `Invalid` (what was typed does not fit) is left to the step's `draft_step` or
    `refusals_answered`, which answer it and stay at the step."""
    from bot.core import refusals

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
