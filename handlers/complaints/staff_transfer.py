"""The transfer (转办, 改派 for admins) steps of the staff conversation: a department, or
another grid chosen zone → community → grid (the kit's picker, with the `ct` buttons), then
the reason, which the receiver sees."""

from __future__ import annotations

from telegram import Update

from bot.complaints import buttons
from bot.complaints.buttons import STAFF_CANCEL
from bot.complaints.rules import Action, NotAllowed
from bot.runtime.services import MinhuContext
from handlers.complaints.staff_flow import State, Task, finish, with_task
from handlers.kit import conversation as kit
from handlers.kit.common import answer, in_rows, language_of, t
from handlers.kit.geo_picker import Picker, community_pressed, zone_pressed, zones_shown
from storage import complaints, geo
from storage.models import Complaint

PICK = Picker(
    buttons.ZONE,
    buttons.COMMUNITY,
    buttons.GRID,
    buttons.BACK,
    buttons.TRANSFER_CANCEL,
    ask_zone="staff.ask_zone",
    ask_community="staff.ask_community",
    ask_grid="staff.ask_grid",
)


async def ask_target(update: Update, context: MinhuContext, task: Task, c: Complaint) -> int:
    """Departments (but the current one), another grid, cancel."""
    lang = await language_of(update, context)
    departments = await geo.departments(context.services.db)
    choices = [
        (d.name, buttons.TO_DEPARTMENT.pack(d.id)) for d in departments if d.id != c.department_id
    ]
    rows = [
        *in_rows(choices, 2),
        [(t(context, lang, "staff.btn_other_grid"), buttons.OTHER_GRID.pack())],
    ]
    sent = await kit.ask(update, context, "staff.ask_target", rows, PICK.cancel, number=c.number)
    task["prompt"] = sent.message_id if sent else None
    return State.TRANSFER


@with_task
async def to_department(update: Update, context: MinhuContext, task: Task) -> int | None:
    """A department was chosen."""
    assert update.callback_query is not None
    task["to_department"] = buttons.TO_DEPARTMENT.one(update.callback_query.data)
    return await _ask_reason(update, context, task)


pick_zone = zones_shown(PICK, State.ZONE)  # another grid: first the zone (or back to them)
pick_community = zone_pressed(PICK, State.COMMUNITY)  # a zone (or back from its grids)
pick_grid = community_pressed(PICK, State.GRID)


@with_task
async def to_grid(update: Update, context: MinhuContext, task: Task) -> int | None:
    """A grid was chosen."""
    assert update.callback_query is not None
    grid_id = PICK.grid.one(update.callback_query.data)
    c = await complaints.get(context.services.db, task["id"])
    if c is not None and grid_id == c.grid_id and c.department_id is None:
        await kit.refuse_pressed(update, context, NotAllowed("bad_target"))  # pick another
        return None
    task["to_grid"] = grid_id
    return await _ask_reason(update, context, task)


async def _ask_reason(update: Update, context: MinhuContext, task: Task) -> int:
    """Why it goes there (the receiver reads it on their notice)."""
    await answer(update, context)
    sent = await kit.ask(
        update, context, "staff.ask_transfer_reason", [], STAFF_CANCEL, edit=True, min=2, max=500
    )
    task["prompt"] = sent.message_id if sent else None
    return State.TRANSFER_REASON


@with_task
async def reason(update: Update, context: MinhuContext, task: Task) -> int | None:
    """The reason typed: the transfer is made."""
    text = await kit.typed_within(update, context, (2, 500), "staff.bad_length")
    if text is None:
        return None
    where = {"to_department": task.get("to_department"), "to_grid": task.get("to_grid")}
    return await finish(update, context, task, Action.TRANSFER, note=text, **where)
