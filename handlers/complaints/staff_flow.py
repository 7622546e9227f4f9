"""What the staff conversation's steps share: states, the task being worked on, refusals,
and doing the action at the end (always through `bot.complaints.service.act`, which checks again).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, TypedDict

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.complaints.buttons import STAFF_ACTIONS, work_row
from bot.complaints.notices import in_charge_reachable, reporter_reachable
from bot.complaints.rules import Action, NotAllowed, decide
from bot.complaints.service import act, actors_for, ticket_of
from bot.dispatch import rulings
from bot.runtime.services import MinhuContext, Services
from handlers.kit import conversation as kit
from handlers.kit import edits
from handlers.kit.common import answer, keyboard, say, t
from storage import complaints, geo
from storage.models import Category, Complaint

TASK = "staff_task"  # the user's data slot of the complaint being worked on
DONE = {
    Action.REJECT: "staff.rejected",
    Action.NOTE: "staff.noted",
    Action.RESOLVE: "staff.resolved",
    Action.TRANSFER: "staff.transferred",
}
STAY = ("photo_required", "bad_target")  # refusals that keep the step: a photo, another place

# The steps, numbered 120-128 (40-47 before this version: see `kit.renumbered`).
State = IntEnum(
    "State",
    "REASON NOTE RESOLUTION PHOTO TRANSFER ZONE COMMUNITY GRID TRANSFER_REASON",
    start=120,
)


class Task(TypedDict, total=False):
    """The complaint being worked on (JSON, in the user's persisted data)."""

    id: int
    action: str  # an Action's value
    note: str  # the resolution's words, while its photo is asked for
    origin: int | None  # the pressed message (its buttons go once the action is done)
    prompt: int | None  # the question asked (its buttons go when the step is over)
    to_grid: int | None  # where a 转办 goes, while its reason is asked for
    to_department: int | None


with_task = kit.draft_step(TASK, role=None, expired="staff.expired")


def action_keyboard(
    context: MinhuContext, lang: str, complaint_id: int, actions: list[Action], *, admin: bool
) -> InlineKeyboardMarkup | None:
    """The staff buttons of a complaint's card: only the actions allowed now (改派 for admins)."""
    reassign = {"notices.btn_transfer": "staff.btn_reassign"} if admin else {}
    buttons = [
        (t(context, lang, reassign.get(label, label)), data)
        for label, data in work_row(complaint_id, *(a for a in STAFF_ACTIONS if a in actions))
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return keyboard(rows) if rows else None


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


async def finish(
    update: Update, context: MinhuContext, task: Task, action: Action, **kwargs: Any
) -> int | None:
    """Do the action: on success say so and end; on refusal explain (and maybe stay)."""
    assert update.effective_user is not None and context.user_data is not None
    user_id, asked, told = update.effective_user.id, False, True
    try:
        if action is Action.REJECT:  # a handler's 退回 is a request to the dispatch centre
            rejection = await rulings.reject(context.services, task["id"], user_id, kwargs["note"])
            done, asked, told = rejection.complaint, rejection.asked, rejection.told
        else:
            done = await act(context.services, task["id"], action, user_id, **kwargs)
    except (NotAllowed, rulings.Refused) as refused:
        await kit.refuse_pressed(update, context, refused)
        if refused.reason in STAY:
            return None
        context.user_data.pop(TASK, None)
        await edits.retire(update, context, task.get("prompt"))
        return ConversationHandler.END
    context.user_data.pop(TASK, None)
    await edits.retire(update, context, task.get("prompt"))
    if action is not Action.NOTE:
        await edits.retire(update, context, task.get("origin"))
    extra: dict[str, Any] = {"photo": kwargs.get("photo") is not None}
    if action is Action.TRANSFER:
        extra["to"] = await _place(context, kwargs.get("to_department"), kwargs.get("to_grid"))
        extra["told"] = await in_charge_reachable(context.services, done)
    elif asked:
        await answer(update, context)
        await say(update, context, "dispatch.reject_sent", number=done.number, told=told)
        return ConversationHandler.END
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
