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
from typing import Any, TypedDict

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.assignments import buttons as b
from bot.assignments import notices as assignment_notices
from bot.assignments import service
from bot.assignments.rules import NotAllowed, Step, decide
from bot.core.buttons import Family, any_of
from bot.runtime.services import MinhuContext, Services
from handlers.kit import edits
from handlers.kit.common import answer, keyboard, language_of, say, sent_photo, t
from handlers.kit.conversation import (
    ask,
    cancelled,
    conversation,
    draft_step,
    photo_step,
    refuse_pressed,
    renumbered,
    typed_step,
    typed_within,
)
from storage import assignments as store

TASK = "assignment_task"
LIMITS = {Step.PROGRESS: (2, 500), Step.DONE: (2, 1000), Step.RETURN: (2, 500)}
BAD_LENGTH = "assignments.bad_length"
# The steps of the buttons.
STEPS = {
    b.ACCEPT: Step.ACCEPT,
    b.NOTE: Step.PROGRESS,
    b.DONE: Step.DONE,
    b.VERIFY: Step.VERIFY,
    b.RETURN: Step.RETURN,
    b.HELD: Step.RECHECK,
    b.FAILED: Step.RECHECK,
}
AT_ONCE = (b.ACCEPT, b.VERIFY, b.HELD, b.FAILED)  # done with one press
TYPED = (b.NOTE, b.DONE, b.RETURN)  # words first
FOLLOWING = {b.ACCEPT: ("note", "done")}  # the pressed message's buttons after a press
log = logging.getLogger(__name__)


class Task(TypedDict, total=False):
    """The assignment being worked on (JSON in the user's data)."""

    id: int
    step: str
    note: str  # the words of "done", while the photo is asked for
    origin: int | None  # the message whose button started it
    prompt: int | None  # the question whose buttons go once it is answered


# The steps, numbered 300-303 (70-73 before this version: see `kit.renumbered`).
State = IntEnum("State", "NOTE DONE_NOTE PHOTO REASON", start=300)

ASKED = {Step.PROGRESS: State.NOTE, Step.DONE: State.DONE_NOTE, Step.RETURN: State.REASON}


def _pressed(update: Update, families: tuple[Family, ...]) -> tuple[Family, int]:
    """The button pressed and its assignment; NotAllowed("not_found") for a forged id."""
    assert update.callback_query is not None
    data = update.callback_query.data
    for family in families:
        parsed = family.parse(data)
        if parsed is not None:
            return family, parsed[0]
    raise NotAllowed("not_found")


def action_buttons(
    context: MinhuContext, lang: str, verbs: tuple[str, ...], assignment_id: int
) -> Any:
    """One button per verb (`bot.assignments.buttons`); None without verbs."""
    rows = [
        [(t(context, lang, f"assignments.btn_{v}"), b.BY_VERB[v].pack(assignment_id))]
        for v in verbs
    ]
    return keyboard(rows) if rows else None


async def press(update: Update, context: MinhuContext) -> None:
    """签收, 验收通过, and the re-check answers: done at once.

    Returns None, so a step the user is in the middle of (say, a reason) stays where it was."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    try:
        pressed, assignment_id = _pressed(update, AT_ONCE)
        done = await service.act(
            context.services, assignment_id, STEPS[pressed], user.id, held=pressed is b.HELD
        )
    except NotAllowed as refused:
        await refuse_pressed(update, context, refused)
        return
    await answer(
        update, context, f"assignments.toast_{pressed.verb}", due_at=done.assignment.due_at
    )
    if isinstance(query.message, Message):
        lang = await language_of(update, context)
        markup = action_buttons(context, lang, FOLLOWING.get(pressed, ()), done.assignment.id)
        try:
            await edits.edit_buttons(
                context, query.message.chat_id, query.message.message_id, markup
            )
        except BadRequest as exc:
            log.info("could not change the buttons: %s", exc.message)


async def _may(services: Services, assignment_id: int, step: Step, user_id: int) -> store.Details:
    """The assignment if this person may start `step` now, else NotAllowed."""
    found = await store.details(services.db, assignment_id)
    if found is None:
        raise NotAllowed("not_found")
    roles = await service.roles_of(services, found.assignment, user_id)
    decide(service.card_of(found, services.clock.now()), step, roles, note="-")
    return found


async def start_typed(update: Update, context: MinhuContext) -> int | None:
    """进展, 完成 or 退回: check, remember the assignment, ask for the words."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and context.user_data is not None
    try:
        pressed, assignment_id = _pressed(update, TYPED)
        step = STEPS[pressed]
        found = await _may(context.services, assignment_id, step, user.id)
    except NotAllowed as refused:
        await refuse_pressed(update, context, refused)
        return None
    await answer(update, context)
    origin = query.message.message_id if isinstance(query.message, Message) else None
    task: Task = {"id": assignment_id, "step": step.value, "origin": origin}
    context.user_data[TASK] = task
    low, high = LIMITS[step]
    sent = await ask(
        update,
        context,
        f"assignments.ask_{pressed.verb}",
        [],
        b.CANCEL,
        number=assignment_id,
        min=low,
        max=high,
        # A meeting decision's progress is told to its registrants and the zone's followers.
        public=found.assignment.subject_kind == "decision",
    )
    task["prompt"] = sent.message_id if sent else None
    return ASKED[step]


async def _finish(
    update: Update, context: MinhuContext, task: Task, step: Step, **kwargs: Any
) -> int:
    """Take the step: on success say so and end; on refusal explain and end."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    context.user_data.pop(TASK, None)
    await edits.retire(update, context, task.get("prompt"))
    try:
        done = await service.act(context.services, int(task["id"]), step, user.id, **kwargs)
    except NotAllowed as refused:
        await refuse_pressed(update, context, refused)
        return ConversationHandler.END
    if step is not Step.PROGRESS:
        await edits.retire(update, context, task.get("origin"))
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


working = draft_step(TASK, role=None, expired="assignments.expired")


@working
async def note(update: Update, context: MinhuContext, task: Task) -> int | None:
    """A progress note."""
    text = await typed_within(update, context, LIMITS[Step.PROGRESS], BAD_LENGTH)
    return await _finish(update, context, task, Step.PROGRESS, note=text) if text else None


@working
async def reason(update: Update, context: MinhuContext, task: Task) -> int | None:
    """Why the admin returns the work."""
    text = await typed_within(update, context, LIMITS[Step.RETURN], BAD_LENGTH)
    return await _finish(update, context, task, Step.RETURN, note=text) if text else None


@working
async def done_note(update: Update, context: MinhuContext, task: Task) -> int | None:
    """What was done; then a photo, or none."""
    text = await typed_within(update, context, LIMITS[Step.DONE], BAD_LENGTH)
    if text is None:
        return None
    task["note"] = text
    await edits.retire(update, context, task.get("prompt"))
    lang = await language_of(update, context)
    rows = [[(t(context, lang, "assignments.btn_no_photo"), b.NO_PHOTO.pack())]]
    sent = await ask(update, context, "assignments.ask_photo", rows, b.CANCEL)
    task["prompt"] = sent.message_id if sent else None
    return State.PHOTO


@working
async def photo(update: Update, context: MinhuContext, task: Task) -> int:
    """The photo of the work: report done with it."""
    words = task.get("note", "")
    return await _finish(update, context, task, Step.DONE, note=words, photo=sent_photo(update))


@working
async def no_photo(update: Update, context: MinhuContext, task: Task) -> int:
    """Report done without a photo."""
    return await _finish(update, context, task, Step.DONE, note=task.get("note", ""))


async def _retire_prompt(update: Update, context: MinhuContext) -> None:
    task = context.user_data.get(TASK) if context.user_data is not None else None
    if isinstance(task, dict):
        await edits.retire(update, context, task.get("prompt"))


def handlers() -> list[BaseHandler]:
    """The assignment buttons with their one persistent conversation."""
    words = "assignments.expect_text"
    work = conversation(
        "assignment",
        entry_points=[
            CallbackQueryHandler(press, pattern=any_of(*AT_ONCE)),
            CallbackQueryHandler(start_typed, pattern=any_of(*TYPED)),
        ],
        states={
            State.NOTE: typed_step(note, words),
            State.DONE_NOTE: typed_step(done_note, words),
            State.PHOTO: photo_step(photo, (b.NO_PHOTO, no_photo), "assignments.expect_photo"),
            State.REASON: typed_step(reason, words),
        },
        cancel=cancelled("assignments.work_cancelled", TASK, before=_retire_prompt),
        cancel_button=b.CANCEL,
    )
    return [renumbered(work, State, was=70)]
