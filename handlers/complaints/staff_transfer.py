"""The transfer (转办, 改派 for admins) steps of the staff conversation: a department, or
another grid chosen zone → community → grid (the kit's picker, with the `ct` buttons)."""

from __future__ import annotations

from telegram import Update

from bot.complaints import buttons
from bot.complaints.rules import Action
from bot.runtime.services import MinhuContext
from handlers.complaints.staff_flow import State, Task, finish, with_task
from handlers.kit import conversation as kit
from handlers.kit.common import in_rows, language_of, t
from handlers.kit.geo_picker import Picker, community_pressed, zone_pressed, zones_shown
from storage import geo
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
    department_id = buttons.TO_DEPARTMENT.one(update.callback_query.data)
    return await finish(update, context, task, Action.TRANSFER, to_department=department_id)


pick_zone = zones_shown(PICK, State.ZONE)  # another grid: first the zone (or back to them)
pick_community = zone_pressed(PICK, State.COMMUNITY)  # a zone (or back from its grids)
pick_grid = community_pressed(PICK, State.GRID)


@with_task
async def to_grid(update: Update, context: MinhuContext, task: Task) -> int | None:
    """A grid was chosen."""
    assert update.callback_query is not None
    grid_id = PICK.grid.one(update.callback_query.data)
    return await finish(update, context, task, Action.TRANSFER, to_grid=grid_id)
