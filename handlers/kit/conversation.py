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
from collections.abc import Callable, Container, Coroutine, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from telegram import Message, Update
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
from bot.people import service as people_service
from bot.people.roles import has_role
from bot.runtime.services import MinhuContext
from handlers.kit import menu
from handlers.kit.common import (
    Row,
    answer,
    button_row,
    hint,
    keyboard,
    language_of,
    pressed,
    say,
    say_with_keyboard,
)
from handlers.kit.refusals import forged as forged
from handlers.kit.refusals import refusal_ends as refusal_ends
from handlers.kit.refusals import refusals_answered as refusals_answered
from handlers.kit.refusals import refuse as refuse
from handlers.kit.refusals import refuse_pressed as refuse_pressed
from storage import submissions
from storage.models import Person

Callback = Callable[[Update, MinhuContext], Coroutine[Any, Any, Any]]
Handlers = list[BaseHandler[Update, MinhuContext, Any]]
D = TypeVar("D")

# What a step may take: not a command, nor a button of the resident's keyboard (both go on
# to the command they name, the step staying where it was).
TYPED = filters.TEXT & ~filters.COMMAND & ~menu.PRESSED
ANYTHING = ~filters.COMMAND & ~menu.PRESSED


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


async def holds_role(update: Update, context: MinhuContext, role: str) -> bool:
    """Whether the user behind this update holds `role` (checked on the server, every time)."""
    user = update.effective_user
    return user is not None and await has_role(context.services, user.id, role)


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
            data = context.user_data
            if role is not None and not await holds_role(update, context, role):
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


async def ask(
    update: Update,
    context: MinhuContext,
    key: str,
    rows: Sequence[Row],
    cancel: Family,
    *,
    edit: bool = False,
    **ctx: Any,
) -> Message | None:
    """A question of a conversation: `key` with its buttons and the cancel button below."""
    lang = await language_of(update, context)
    cancel_row = button_row(context, lang, "common.btn_cancel", cancel)
    return await say(update, context, key, edit=edit, markup=keyboard([*rows, cancel_row]), **ctx)


def cancelled_with_keyboard(template: str, *slots: str) -> Callback:
    """`cancelled` for a conversation that may show a reply keyboard (a location asked for):
    /cancel typed also takes that keyboard away."""
    in_place = cancelled(template, *slots)

    async def cancel(update: Update, context: MinhuContext) -> int:
        if update.callback_query is not None:
            return await in_place(update, context)
        if context.user_data is not None:
            for slot in slots:
                context.user_data.pop(slot, None)
        await say_with_keyboard(update, context, template, await menu.home(update, context))
        return ConversationHandler.END

    cancel.__doc__ = in_place.__doc__
    return cancel


class _Renumbered(ConversationHandler[MinhuContext]):
    """A conversation whose states were renumbered: states saved by the previous version
    (PTB persistence keeps the numbers) are moved to their new numbers when loaded."""

    def __init__(self, old: Mapping[int, int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._old = dict(old)

    async def _initialize_persistence(self, application: Any) -> dict[str, Any]:
        loaded = await super()._initialize_persistence(application)
        for key, state in list(self._conversations.items()):
            if isinstance(state, int) and state in self._old:
                self._conversations[key] = self._old[state]  # tracked: saved at the next flush
        return loaded


def renumbered(
    handler: ConversationHandler[MinhuContext], states: Iterable[int], *, was: int
) -> ConversationHandler[MinhuContext]:
    """The same conversation, whose `states` (in order) were numbered from `was` before: a
    state saved under its old number resumes at its new one, instead of leaving the person
    stuck in a state the conversation no longer has."""
    return _Renumbered(
        {was + i: state for i, state in enumerate(states)},
        entry_points=handler.entry_points,
        states=handler.states,
        fallbacks=handler.fallbacks,
        name=handler.name,
        persistent=handler.persistent,
        allow_reentry=handler.allow_reentry,
    )


def for_role(role: str) -> Callable[[Callback], Callback]:
    """An entry point for people holding `role` (checked on the server); anyone else is told
    "not allowed" and no conversation starts."""

    def wrap(entry: Callback) -> Callback:
        @functools.wraps(entry)
        async def run(update: Update, context: MinhuContext) -> Any:
            if not await holds_role(update, context, role):
                await say(update, context, "common.not_allowed")
                return ConversationHandler.END
            return await entry(update, context)

        return run

    return wrap


async def picked(
    update: Update,
    context: MinhuContext,
    family: Family,
    allowed: Container[Any],
    *,
    answered: bool = True,
) -> Any:
    """The pressed value of a one-field family if it is one of `allowed` (its spinner stopped,
    unless `answered` is False: the step answers later); else the press is answered "invalid
    button" and None."""
    value = family.one(pressed(update))
    if value is None or value not in allowed:
        await answer(update, context, "common.invalid_button")
        return None
    if answered:
        await answer(update, context)
    return value


async def typed_within(
    update: Update, context: MinhuContext, limits: tuple[int, int], template: str
) -> str | None:
    """The typed words, stripped, if their length is within `limits`; else `template` is said
    (with `length`, `min` and `max`) and None."""
    assert update.message is not None
    text = (update.message.text or "").strip()
    low, high = limits
    if not low <= len(text) <= high:
        await say(update, context, template, length=len(text), min=low, max=high)
        return None
    return text


def form_start(
    slot: str, role: str
) -> Callable[[Callable[[Update, MinhuContext, Any], Coroutine[Any, Any, Any]]], Callback]:
    """The entry point of a form for people holding `role` (`for_role`): it is given a new
    draft in `slot` of the user's data, with the form's submission key as its `id`. A start
    that ends at once (nothing to fill in) leaves no draft behind."""

    def wrap(entry: Callable[[Update, MinhuContext, Any], Coroutine[Any, Any, Any]]) -> Callback:
        @for_role(role)
        @functools.wraps(entry)
        async def run(update: Update, context: MinhuContext) -> Any:
            assert context.user_data is not None
            draft = context.user_data[slot] = {"id": submissions.new_key()}
            state = await entry(update, context, draft)
            if state == ConversationHandler.END:
                context.user_data.pop(slot, None)
            return state

        return run

    return wrap


def location_step(location: Callback, address: Callback, hint_key: str) -> Handlers:
    """A step that takes a shared location, or a place typed in words; anything else gets a
    hint."""
    return [MessageHandler(filters.LOCATION, location), *typed_step(address, hint_key)]


def typed_or_pressed(typed: Callback, hint_key: str, *presses: tuple[Family, Callback]) -> Handlers:
    """A step that takes typed words or its buttons (a date typed, or a quick-date button);
    anything else gets a hint."""
    pressed_ = [CallbackQueryHandler(cb, pattern=family.pattern) for family, cb in presses]
    return [*pressed_, *typed_step(typed, hint_key)]


def unsaved(handler: ConversationHandler[MinhuContext]) -> ConversationHandler[MinhuContext]:
    """The same conversation kept in memory only: for steps taken before a person consented,
    whose state must not be written (nothing personal before consent)."""
    return ConversationHandler(
        entry_points=handler.entry_points,
        states=handler.states,
        fallbacks=handler.fallbacks,
        name=handler.name,
        persistent=False,
        allow_reentry=handler.allow_reentry,
    )


async def registered(
    update: Update, context: MinhuContext, *, with_grid: bool = False
) -> Person | None:
    """The person behind the update if they registered (`bot.people.service.registered`);
    else "please send /start first" is said and None."""
    user = update.effective_user
    try:
        return await people_service.registered(
            context.services.db, user.id if user else 0, with_grid=with_grid
        )
    except Refusal as refused:
        await refuse(update, context, refused)
        return None


async def chosen(
    update: Update,
    context: MinhuContext,
    family: Family,
    find: Callable[[Any], Coroutine[Any, Any, D | None]],
) -> D | None:
    """The record the pressed button of a one-field `family` names, looked up by `find` (the
    press answered); None, the press answered "invalid button", when the data does not fit or
    `find` finds nothing (an old or forged button)."""
    value = family.one(pressed(update))
    found = await find(value) if value is not None else None
    await answer(update, context, None if found is not None else "common.invalid_button")
    return found
