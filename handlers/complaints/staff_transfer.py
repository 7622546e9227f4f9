"""The transfer (转办, 改派 for admins) steps of the staff conversation: a department, or
another grid chosen zone → community → grid (the kit's picker, with the `ct` buttons)."""

from __future__ import annotations

from telegram import Update

from bot.complaints import buttons
from bot.complaints.rules import Action
from bot.runtime.services import MinhuContext
from handlers.complaints.staff_flow import State, Task, finish, with_task
from handlers.kit import conversation as kit
from handlers.kit.common import answer, in_rows, language_of, say, t
from handlers.kit.geo_picker import Picker, deeper, zones_of
from storage import geo
from storage.models import Complaint

PICK = Picker(buttons.ZONE, buttons.COMMUNITY, buttons.GRID, buttons.BACK, buttons.TRANSFER_CANCEL)


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


async def pick_zone(update: Update, context: MinhuContext) -> int | None:
    """Another grid: first the zone (also "back" from the communities)."""
    await answer(update, context)
    markup = await zones_of(context, await language_of(update, context), PICK)
    await say(update, context, "staff.ask_zone", edit=True, markup=markup)
    return State.ZONE


pick_community = deeper(PICK, PICK.zone, "staff.ask_community", State.COMMUNITY)
pick_grid = deeper(PICK, PICK.community, "staff.ask_grid", State.GRID)


@with_task
async def to_grid(update: Update, context: MinhuContext, task: Task) -> int | None:
    """A grid was chosen."""
    assert update.callback_query is not None
    grid_id = PICK.grid.one(update.callback_query.data)
    return await finish(update, context, task, Action.TRANSFER, to_grid=grid_id)
