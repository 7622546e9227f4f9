"""What the staff conversation's steps share: states, the task being worked on, refusals,
and doing the action at the end (always through `bot.complaints.service.act`, which checks again).
"""

from __future__ import annotations

import logging
from enum import IntEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ConversationHandler

from bot.complaints.notices import in_charge_reachable, reporter_reachable
from bot.complaints.rules import Action, NotAllowed, decide
from bot.complaints.service import act, actors_for, ticket_of
from bot.runtime.services import MinhuContext, Services
from handlers.kit.common import answer, keyboard, parse_int, say, t
from storage import complaints, geo
from storage.models import Category, Complaint

PREFIX = "cs"  # buttons under staff notices and complaint cards: cs:<action>:<id>
PICK = "ct"  # where to transfer: ct:d:<department>, ct:grid, then ct:z/c/g:<id>
TASK = "staff_task"  # user_data: {"id", "action", "note", "origin" (pressed), "prompt" (asked)}
STAFF_ACTIONS = (Action.ACCEPT, Action.REJECT, Action.TRANSFER, Action.NOTE, Action.RESOLVE)
LABELS = {
    Action.ACCEPT: "notices.btn_accept",
    Action.REJECT: "notices.btn_reject",
    Action.TRANSFER: "notices.btn_transfer",
    Action.NOTE: "notices.btn_note",
    Action.RESOLVE: "notices.btn_resolve",
}
DONE = {
    Action.REJECT: "staff.rejected",
    Action.NOTE: "staff.noted",
    Action.RESOLVE: "staff.resolved",
    Action.TRANSFER: "staff.transferred",
}
log = logging.getLogger(__name__)


class State(IntEnum):
    REASON = 40
    NOTE = 41
    RESOLUTION = 42
    PHOTO = 43
    TRANSFER = 44
    ZONE = 45
    COMMUNITY = 46
    GRID = 47


def action_keyboard(
    context: MinhuContext, lang: str, complaint_id: int, actions: list[Action], *, admin: bool
) -> InlineKeyboardMarkup | None:
    """The staff buttons of a complaint's card: only the actions allowed now (改派 for admins)."""
    labels = LABELS | ({Action.TRANSFER: "staff.btn_reassign"} if admin else {})
    buttons = [
        (t(context, lang, labels[a]), f"{PREFIX}:{a.value}:{complaint_id}")
        for a in STAFF_ACTIONS
        if a in actions
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return keyboard(rows) if rows else None


def cancel_row(context: MinhuContext, lang: str, prefix: str = PREFIX) -> list[tuple[str, str]]:
    """The cancel button of every step."""
    return [(t(context, lang, "common.btn_cancel"), f"{prefix}:cancel")]


def task_of(context: MinhuContext) -> dict[str, Any] | None:
    """The complaint being worked on, if any."""
    found = context.user_data.get(TASK) if context.user_data is not None else None
    return found if isinstance(found, dict) else None


def drop_task(context: MinhuContext) -> None:
    """Forget the complaint being worked on."""
    if context.user_data is not None:
        context.user_data.pop(TASK, None)


def pressed_id(update: Update) -> int | None:
    """The number at the end of the pressed button's data (None when forged)."""
    assert update.callback_query is not None
    return parse_int((update.callback_query.data or "").rsplit(":", 1)[-1])


async def refuse(update: Update, context: MinhuContext, reason: str) -> None:
    """A polite answer naming why nothing happened: a toast for a button, else a message."""
    if update.callback_query is not None:
        await answer(update, context, "staff.refused", reason=reason)
    else:
        await say(update, context, "staff.refused", reason=reason)


async def category_of(services: Services, complaint: Complaint) -> Category:
    """A complaint's category (also a retired one)."""
    found = await geo.category(services.db, complaint.category_id, active_only=False)
    assert found is not None
    return found


async def may(
    services: Services, complaint_id: int | None, action: Action, user_id: int
) -> Complaint:
    """The complaint if this person may start `action` now, else NotAllowed."""
    complaint = await complaints.get(services.db, complaint_id) if complaint_id else None
    if complaint is None:
        raise NotAllowed("not_found")
    ticket = ticket_of(complaint, await category_of(services, complaint))
    actors = await actors_for(services, complaint, user_id)
    decide(ticket, action, actors, services.clock.now(), note="-", photo=True)
    return complaint


async def retire(update: Update, context: MinhuContext, message_id: Any) -> None:
    """Take the buttons off one of the bot's messages (not the one being edited right now)."""
    chat, query = update.effective_chat, update.callback_query
    if query is not None and query.message is not None and query.message.message_id == message_id:
        return
    if isinstance(message_id, int) and chat is not None:
        try:
            await context.bot.edit_message_reply_markup(chat.id, message_id, reply_markup=None)
        except BadRequest as exc:
            log.info("could not retire the buttons of %s: %s", message_id, exc.message)


async def finish(
    update: Update, context: MinhuContext, action: Action, **kwargs: Any
) -> int | None:
    """Do the action: on success say so and end; on refusal explain (and maybe stay)."""
    user, task = update.effective_user, task_of(context)
    assert user is not None
    if task is None:
        await refuse(update, context, "expired")
        return ConversationHandler.END
    try:
        done = await act(context.services, int(task["id"]), action, user.id, **kwargs)
    except NotAllowed as refused:
        await refuse(update, context, refused.reason)
        if refused.reason in ("photo_required", "bad_target"):
            return None  # the same step: send a photo, or choose another place
        drop_task(context)
        await retire(update, context, task.get("prompt"))
        return ConversationHandler.END
    drop_task(context)
    await retire(update, context, task.get("prompt"))
    if action is not Action.NOTE:
        await retire(update, context, task.get("origin"))
    extra: dict[str, Any] = {"photo": kwargs.get("photo") is not None}
    if action is Action.TRANSFER:
        extra["to"] = await _place(context, kwargs.get("to_department"), kwargs.get("to_grid"))
        extra["told"] = await in_charge_reachable(context.services, done)
    else:
        extra["told"] = await reporter_reachable(context.services, done)
    await answer(update, context)
    edit = update.callback_query is not None
    await say(update, context, DONE[action], edit=edit, number=done.number, **extra)
    return ConversationHandler.END


async def _place(context: MinhuContext, department_id: Any, grid_id: Any) -> str:
    db = context.services.db
    if department_id is not None:
        return next((d.name for d in await geo.departments(db) if d.id == department_id), "")
    grid = await geo.grid(db, int(grid_id)) if grid_id is not None else None
    return grid.full_name if grid else ""
