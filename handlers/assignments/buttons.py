"""The buttons of an assignment (交办) — accept, progress, done (a note, then maybe a photo),
verify or return with a reason, and the re-check (回头看) answer. The lists and cards that
show them are in `handlers.assignments.lists`.

Every press is checked again on the server by `bot.assignments.service.act` (is this the assignee,
an admin, the one asked to re-check). The steps that need words or a photo run in one
persistent conversation; the assignment being worked on is kept in the user's data (TASK).
"""

from __future__ import annotations

import logging
from enum import IntEnum
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.assignments import notices as assignment_notices
from bot.assignments import service
from bot.assignments.notices import PREFIX
from bot.assignments.rules import Step, decide
from bot.complaints.rules import NotAllowed
from bot.runtime.services import MinhuContext, Services
from handlers.complaints.staff_flow import retire
from handlers.kit.common import answer, hint, keyboard, language_of, parse_int, say, sent_photo, t
from storage import assignments as store

TASK = "assignment_task"  # user_data: {"id", "step", "note", "origin", "prompt"}
LIMITS = {Step.PROGRESS: (2, 500), Step.DONE: (2, 1000), Step.RETURN: (2, 500)}
# Button verbs (as:<verb>:<id>) and the steps they take.
VERBS = {
    "accept": Step.ACCEPT,
    "note": Step.PROGRESS,
    "done": Step.DONE,
    "verify": Step.VERIFY,
    "return": Step.RETURN,
    "held": Step.RECHECK,
    "failed": Step.RECHECK,
}
FOLLOWING = {"accept": ("note", "done")}  # the pressed message's buttons after a press
log = logging.getLogger(__name__)


class State(IntEnum):
    NOTE = 70
    DONE_NOTE = 71
    PHOTO = 72
    REASON = 73


ASKED = {Step.PROGRESS: State.NOTE, Step.DONE: State.DONE_NOTE, Step.RETURN: State.REASON}


def _pressed(update: Update) -> tuple[str, int | None]:
    """(verb, assignment id) of an as:<verb>:<id> press (id None when forged)."""
    assert update.callback_query is not None
    parts = (update.callback_query.data or "").split(":")
    verb = parts[1] if len(parts) == 3 else ""
    return verb, parse_int(parts[2]) if len(parts) == 3 else None


async def _refuse(update: Update, context: MinhuContext, reason: str) -> None:
    """Why nothing happened: a toast for a button, else a message."""
    if update.callback_query is not None:
        await answer(update, context, "assignments.refused", reason=reason)
    else:
        await say(update, context, "assignments.refused", reason=reason)


def action_buttons(
    context: MinhuContext, lang: str, verbs: tuple[str, ...], assignment_id: int
) -> Any:
    """One button per verb (as:<verb>:<id>); None without verbs."""
    rows = [
        [(t(context, lang, f"assignments.btn_{v}"), f"{PREFIX}:{v}:{assignment_id}")] for v in verbs
    ]
    return keyboard(rows) if rows else None


async def press(update: Update, context: MinhuContext) -> None:
    """签收, 验收通过, and the re-check answers: done at once.

    Returns None, so a step the user is in the middle of (say, a reason) stays where it was."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    verb, assignment_id = _pressed(update)
    try:
        if assignment_id is None or verb not in VERBS:
            raise NotAllowed("not_found")
        done = await service.act(
            context.services, assignment_id, VERBS[verb], user.id, held=verb == "held"
        )
    except NotAllowed as refused:
        await _refuse(update, context, refused.reason)
        return
    await answer(update, context, f"assignments.toast_{verb}", due_at=done.assignment.due_at)
    if isinstance(query.message, Message):
        lang = await language_of(update, context)
        markup = action_buttons(context, lang, FOLLOWING.get(verb, ()), done.assignment.id)
        try:
            await query.message.edit_reply_markup(markup)
        except BadRequest as exc:
            log.info("could not change the buttons: %s", exc.message)


async def _may(services: Services, assignment_id: int | None, step: Step, user_id: int) -> Any:
    """The assignment if this person may start `step` now, else NotAllowed."""
    found = await store.details(services.db, assignment_id) if assignment_id else None
    if found is None:
        raise NotAllowed("not_found")
    roles = await service.roles_of(services, found.assignment, user_id)
    decide(service.card_of(found, services.clock.now()), step, roles, note="-")
    return found


async def start_typed(update: Update, context: MinhuContext) -> int | None:
    """进展, 完成 or 退回: check, remember the assignment, ask for the words."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and context.user_data is not None
    verb, assignment_id = _pressed(update)
    step = VERBS.get(verb)
    try:
        if step is None:
            raise NotAllowed("not_found")
        await _may(context.services, assignment_id, step, user.id)
    except NotAllowed as refused:
        await _refuse(update, context, refused.reason)
        return None
    assert assignment_id is not None and step is not None
    await answer(update, context)
    origin = query.message.message_id if isinstance(query.message, Message) else None
    context.user_data[TASK] = {"id": assignment_id, "step": step.value, "origin": origin}
    low, high = LIMITS[step]
    lang = await language_of(update, context)
    sent = await say(
        update,
        context,
        f"assignments.ask_{verb}",
        markup=_cancel(context, lang),
        number=assignment_id,
        min=low,
        max=high,
    )
    context.user_data[TASK]["prompt"] = sent.message_id if sent else None
    return ASKED[step]


def _cancel(context: MinhuContext, lang: str) -> Any:
    return keyboard([[(t(context, lang, "common.btn_cancel"), f"{PREFIX}:cancel")]])


def _task(context: MinhuContext) -> dict[str, Any] | None:
    found = context.user_data.get(TASK) if context.user_data is not None else None
    return found if isinstance(found, dict) else None


async def _typed(update: Update, context: MinhuContext, step: Step) -> str | None:
    """The typed words if their length is right, else a polite answer and None."""
    assert update.message is not None
    text = (update.message.text or "").strip()
    low, high = LIMITS[step]
    if not low <= len(text) <= high:
        await say(update, context, "assignments.bad_length", length=len(text), min=low, max=high)
        return None
    return text


async def _finish(update: Update, context: MinhuContext, step: Step, **kwargs: Any) -> int | None:
    """Take the step: on success say so and end; on refusal explain and end."""
    user, task = update.effective_user, _task(context)
    assert user is not None
    if task is None:
        await _refuse(update, context, "expired")
        return ConversationHandler.END
    if context.user_data is not None:
        context.user_data.pop(TASK, None)
    await retire(update, context, task.get("prompt"))
    try:
        done = await service.act(context.services, int(task["id"]), step, user.id, **kwargs)
    except NotAllowed as refused:
        await _refuse(update, context, refused.reason)
        return ConversationHandler.END
    if step is not Step.PROGRESS:
        await retire(update, context, task.get("origin"))
    await answer(update, context)
    await say(
        update,
        context,
        f"assignments.{step.value}_ok",
        edit=update.callback_query is not None,
        number=done.assignment.id,
        photo=kwargs.get("photo") is not None,
        told=await _told(context.services, step, done.assignment),
    )
    return ConversationHandler.END


async def _told(services: Services, step: Step, a: store.Assignment) -> bool:
    """Whether whoever the step's notice is for can be reached: the assignee of a returned
    assignment, else the assigner (or the admins)."""
    if step is Step.RETURN:
        return await assignment_notices.can_tell(services, a.id)
    return bool(await assignment_notices.admins(services, a))


async def note(update: Update, context: MinhuContext) -> int | None:
    """A progress note."""
    text = await _typed(update, context, Step.PROGRESS)
    return await _finish(update, context, Step.PROGRESS, note=text) if text else None


async def reason(update: Update, context: MinhuContext) -> int | None:
    """Why the admin returns the work."""
    text = await _typed(update, context, Step.RETURN)
    return await _finish(update, context, Step.RETURN, note=text) if text else None


async def done_note(update: Update, context: MinhuContext) -> int | None:
    """What was done; then a photo, or none."""
    text = await _typed(update, context, Step.DONE)
    task = _task(context)
    if text is None:
        return None
    if task is None:
        return await _finish(update, context, Step.DONE, note=text)  # explains why not
    task["note"] = text
    await retire(update, context, task.get("prompt"))
    lang = await language_of(update, context)
    rows = [
        [(t(context, lang, "assignments.btn_no_photo"), f"{PREFIX}:nophoto")],
        [(t(context, lang, "common.btn_cancel"), f"{PREFIX}:cancel")],
    ]
    sent = await say(update, context, "assignments.ask_photo", markup=keyboard(rows))
    task["prompt"] = sent.message_id if sent else None
    return State.PHOTO


async def photo(update: Update, context: MinhuContext) -> int | None:
    """The photo of the work: report done with it."""
    words = str((_task(context) or {}).get("note") or "")
    return await _finish(update, context, Step.DONE, note=words, photo=sent_photo(update))


async def no_photo(update: Update, context: MinhuContext) -> int | None:
    """Report done without a photo."""
    words = str((_task(context) or {}).get("note") or "")
    return await _finish(update, context, Step.DONE, note=words)


async def cancel(update: Update, context: MinhuContext) -> int:
    """/cancel or the cancel button: nothing changes."""
    task = _task(context)
    if context.user_data is not None:
        context.user_data.pop(TASK, None)
    if task is not None:
        await retire(update, context, task.get("prompt"))
    await answer(update, context)
    await say(update, context, "assignments.work_cancelled", edit=update.callback_query is not None)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The assignment buttons with their one persistent conversation."""
    text = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND
    return [
        ConversationHandler(
            entry_points=[
                CallbackQueryHandler(press, pattern=rf"^{PREFIX}:(accept|verify|held|failed):"),
                CallbackQueryHandler(start_typed, pattern=rf"^{PREFIX}:(note|done|return):"),
            ],
            states={
                State.NOTE: [
                    MessageHandler(text, note),
                    MessageHandler(other, hint("assignments.expect_text")),
                ],
                State.DONE_NOTE: [
                    MessageHandler(text, done_note),
                    MessageHandler(other, hint("assignments.expect_text")),
                ],
                State.PHOTO: [
                    MessageHandler(filters.PHOTO, photo),
                    CallbackQueryHandler(no_photo, pattern=rf"^{PREFIX}:nophoto$"),
                    MessageHandler(other, hint("assignments.expect_photo")),
                ],
                State.REASON: [
                    MessageHandler(text, reason),
                    MessageHandler(other, hint("assignments.expect_text")),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=rf"^{PREFIX}:cancel$"),
            ],
            name="assignment",
            persistent=True,
            allow_reentry=True,
        ),
    ]
