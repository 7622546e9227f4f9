"""The staff buttons under a complaint: accept, reject, transfer, progress note, resolve.

Every press is checked again on the server by `bot.complaints.service.act` (buttons are only a
convenience). The steps that need typed words or a photo run in one persistent
conversation; the complaint being worked on is kept in the user's data (`staff_flow.TASK`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.complaints import buttons
from bot.complaints.buttons import NO_PHOTO, STAFF_CANCEL, TRANSFER_CANCEL, WORK
from bot.complaints.rules import Action, NotAllowed
from bot.complaints.service import act
from bot.runtime import notices
from bot.runtime.services import MinhuContext
from handlers.complaints import staff_transfer as transfer
from handlers.complaints.staff_flow import (
    TASK,
    State,
    Task,
    category_of,
    finish,
    may,
    with_task,
)
from handlers.kit import conversation as kit
from handlers.kit import edits
from handlers.kit.common import answer, keyboard, language_of, sent_photo, t
from storage import complaints

Step = Callable[[Update, MinhuContext], Coroutine[Any, Any, int | None]]
LIMITS = {Action.REJECT: (2, 500), Action.NOTE: (2, 500), Action.RESOLVE: (2, 1000)}
ASKED = {Action.REJECT: State.REASON, Action.NOTE: State.NOTE, Action.RESOLVE: State.RESOLUTION}
log = logging.getLogger(__name__)


def _pressed(update: Update, action: Action) -> Any:
    assert update.callback_query is not None
    return WORK[action].one(update.callback_query.data)


async def accept(update: Update, context: MinhuContext) -> None:
    """签收: the pressed message's buttons become progress note / resolve.

    Returns None, so a step the user is in the middle of (say, a reason) stays where it was.
    """
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    try:
        done = await act(context.services, _pressed(update, Action.ACCEPT), Action.ACCEPT, user.id)
    except NotAllowed as refused:
        await kit.refuse_pressed(update, context, refused)
        return
    await answer(update, context, "staff.accepted", resolve_due_at=done.resolve_due_at)
    if isinstance(query.message, Message):
        lang = await language_of(update, context)
        rows = notices.work_buttons(done.id)
        markup = keyboard([[(t(context, lang, label), data) for label, data in r] for r in rows])
        try:
            await edits.edit_buttons(
                context, query.message.chat_id, query.message.message_id, markup
            )
        except BadRequest as exc:
            log.info("could not show the work buttons: %s", exc.message)


def start(action: Action) -> Step:
    """A button that needs more: check, remember the complaint, ask (reject: the reason, note:
    the progress, resolve: the resolution then a photo, transfer: where to)."""

    async def begin(update: Update, context: MinhuContext) -> int | None:
        query, user = update.callback_query, update.effective_user
        assert query is not None and user is not None and context.user_data is not None
        try:
            c = await may(context.services, _pressed(update, action), action, user.id)
        except NotAllowed as refused:
            await kit.refuse_pressed(update, context, refused)
            return None
        await answer(update, context)
        origin = query.message.message_id if isinstance(query.message, Message) else None
        task: Task = {"id": c.id, "action": action.value, "origin": origin}
        context.user_data[TASK] = task
        if action is Action.TRANSFER:
            return await transfer.ask_target(update, context, task, c)
        low, high = LIMITS[action]
        key = f"staff.ask_{action.value}"
        sent = await kit.ask(
            update, context, key, [], STAFF_CANCEL, number=c.number, min=low, max=high
        )
        task["prompt"] = sent.message_id if sent else None
        return ASKED[action]

    begin.__doc__ = f"{action.value}: check the press, then ask."
    return begin


async def _typed(update: Update, context: MinhuContext, action: Action) -> str | None:
    """The typed words if their length is right, else a polite answer and None."""
    return await kit.typed_within(update, context, LIMITS[action], "staff.bad_length")


def words(action: Action) -> Step:
    """The typed words that finish `action` (the reason for rejecting, a progress note)."""

    @with_task
    async def step(update: Update, context: MinhuContext, task: Task) -> int | None:
        text = await _typed(update, context, action)
        return await finish(update, context, task, action, note=text) if text else None

    step.__doc__ = f"The words of {action.value}."
    return step


@with_task
async def resolution(update: Update, context: MinhuContext, task: Task) -> int | None:
    """The resolution; then a photo (required for hazards, optional otherwise)."""
    text = await _typed(update, context, Action.RESOLVE)
    if text is None:
        return None
    found = await complaints.get(context.services.db, task["id"])
    if found is None:
        return await finish(update, context, task, Action.RESOLVE, note=text)  # explains why not
    task["note"] = text
    required = (await category_of(context.services, found)).is_hazard
    lang = await language_of(update, context)
    rows = [] if required else [[(t(context, lang, "staff.btn_no_photo"), NO_PHOTO.pack())]]
    await edits.retire(update, context, task.get("prompt"))
    sent = await kit.ask(update, context, "staff.ask_photo", rows, STAFF_CANCEL, required=required)
    task["prompt"] = sent.message_id if sent else None
    return State.PHOTO


@with_task
async def resolution_photo(update: Update, context: MinhuContext, task: Task) -> int | None:
    """The photo of the finished work: resolve with it."""
    note = task.get("note", "")
    return await finish(update, context, task, Action.RESOLVE, note=note, photo=sent_photo(update))


@with_task
async def no_photo(update: Update, context: MinhuContext, task: Task) -> int | None:
    """Resolve without a photo (the rules refuse that for hazards)."""
    return await finish(update, context, task, Action.RESOLVE, note=task.get("note", ""))


async def _retire_prompt(update: Update, context: MinhuContext) -> None:
    task = context.user_data.get(TASK) if context.user_data is not None else None
    if isinstance(task, dict):
        await edits.retire(update, context, task.get("prompt"))


cancel = kit.cancelled("staff.cancelled", TASK, before=_retire_prompt)


def handlers() -> list[BaseHandler]:
    """The staff buttons and their one persistent conversation ("staff")."""
    expect = "staff.expect_button"
    states: dict[object, kit.Handlers] = {
        State.REASON: kit.typed_step(words(Action.REJECT), "staff.expect_text"),
        State.NOTE: kit.typed_step(words(Action.NOTE), "staff.expect_text"),
        State.RESOLUTION: kit.typed_step(resolution, "staff.expect_text"),
        State.PHOTO: kit.photo_step(resolution_photo, (NO_PHOTO, no_photo), "staff.expect_photo"),
        State.TRANSFER: kit.buttons_step(
            expect,
            (buttons.TO_DEPARTMENT, transfer.to_department),
            (buttons.OTHER_GRID, transfer.pick_zone),
        ),
        State.ZONE: kit.buttons_step(expect, (buttons.ZONE, transfer.pick_community)),
        State.TRANSFER_REASON: kit.typed_step(transfer.reason, "staff.expect_text"),
        State.COMMUNITY: kit.buttons_step(
            expect, (buttons.COMMUNITY, transfer.pick_grid), (buttons.BACK, transfer.pick_zone)
        ),
        State.GRID: kit.buttons_step(
            expect, (buttons.GRID, transfer.to_grid), (buttons.ZONE, transfer.pick_community)
        ),
    }
    staff = kit.conversation(
        "staff",
        entry_points=[
            CallbackQueryHandler(accept, pattern=WORK[Action.ACCEPT].pattern),
            *(
                CallbackQueryHandler(start(a), pattern=WORK[a].pattern)
                for a in (Action.REJECT, Action.TRANSFER, Action.NOTE, Action.RESOLVE)
            ),
        ],
        states=states,
        cancel=cancel,
        cancel_button=STAFF_CANCEL,
        fallbacks=[CallbackQueryHandler(cancel, pattern=TRANSFER_CANCEL.pattern)],
    )
    return [kit.renumbered(staff, State, was=40)]
