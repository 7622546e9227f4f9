"""The end of a form that creates a record, shared by every confirm button.

A form's key rides in its confirm button (`key_in`). Right after its transaction a confirm
calls `committed`: the error handler then knows the action is saved, and the confirmation —
an outbox row written in that transaction (`bot.runtime.submissions`) — is sent at once. A press of
a form already submitted is answered with a `toast` naming the record; `end_if_open` ends the
conversation unless a newer form is open; `outside` registers the same confirm after its
conversation for presses while the form is closed; `retire_buttons` takes the buttons off the
pressed summary.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import ConversationHandler

from bot.core.buttons import Family
from bot.core.refusals import Refusal
from bot.runtime import submissions
from bot.runtime.services import MinhuContext
from handlers.kit import edits
from handlers.kit.common import answer, language_of, t
from handlers.kit.conversation import ask, refuse


async def committed(update: Update, context: MinhuContext, *, key: str, record: str) -> None:
    """Right after the commit: remember it for the error handler; send the confirmation."""
    context.services.commits.mark(update.update_id, record)
    await submissions.send(context.services, context.bot, key)


async def retire_buttons(update: Update, context: MinhuContext) -> None:
    """Remove the buttons of the pressed message (already gone: nothing to do)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    if not query.message.reply_markup:
        return
    await edits.edit_buttons(context, query.message.chat_id, query.message.message_id, None)


async def toast(update: Update, context: MinhuContext, key: str, **ctx: Any) -> None:
    """Answer a press of a form already committed; a press Telegram delivers again after a
    restart (already answered) is left unanswered instead of failing."""
    try:
        await answer(update, context, key, **ctx)
    except BadRequest as exc:
        if "query is too old" not in exc.message.lower():
            raise


def key_in(update: Update) -> str | None:
    """The form's key in a confirm button (`<prefix>:<step>:<key>`; None on an old button)."""
    assert update.callback_query is not None
    parts = (update.callback_query.data or "").split(":")
    return parts[2] if len(parts) == 3 and parts[2] else None


def end_if_open(context: MinhuContext, slot: str, key: str | None, field: str = "id") -> int | None:
    """After a confirm press that created nothing new: end the conversation, unless a newer
    form (another key) is open in `slot` of the user's data; that one goes on."""
    assert context.user_data is not None
    draft = context.user_data.get(slot)
    if isinstance(draft, dict) and draft.get(field) != key:
        return None
    context.user_data.pop(slot, None)
    return ConversationHandler.END


Confirm = Callable[..., Coroutine[Any, Any, int | None]]


def outside(confirm: Confirm) -> Callable[[Update, MinhuContext], Coroutine[Any, Any, None]]:
    """The same confirm, registered after its conversation: a press while no form is at its
    summary (the conversation ended, a restart, a lost state) creates nothing; it answers with
    the record the key made, or says the form is closed."""

    async def press(update: Update, context: MinhuContext) -> None:
        await confirm(update, context, inside=False)

    press.__doc__ = f"{confirm.__name__}, pressed while its form is not open."
    return press


async def open_form(
    update: Update,
    context: MinhuContext,
    slot: str,
    key: str | None,
    *,
    inside: bool,
    expired: Refusal,
) -> Any:
    """The form a confirm press submits, taken out of `slot` of the user's data; None when
    that form is not open (pressed outside its conversation, or another form is open): then
    `expired` is answered in place of the summary, and the caller ends with `end_if_open`."""
    assert context.user_data is not None
    draft = context.user_data.get(slot)
    if not inside or not isinstance(draft, dict) or (key and draft.get("id") != key):
        await refuse(update, context, expired, edit=True)
        return None
    return context.user_data.pop(slot)


async def ask_to_confirm(
    update: Update,
    context: MinhuContext,
    summary: str,
    button: str,
    data: str,
    cancel: Family,
    **values: Any,
) -> None:
    """A form's `summary` with its one confirm button (label `button`, callback `data` that
    carries the form's key) above cancel; it replaces the pressed message after a press."""
    lang = await language_of(update, context)
    rows = [[(t(context, lang, button), data)]]
    edit = update.callback_query is not None
    await ask(update, context, summary, rows, cancel, edit=edit, **values)
