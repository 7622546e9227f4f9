"""The transfer (转办, 改派 for admins) steps of the staff conversation: a department, or
another grid chosen zone → community → grid."""

from __future__ import annotations

from telegram import Update

from bot.complaints.rules import Action
from bot.runtime.services import MinhuContext
from handlers.complaints.staff_flow import PICK, State, cancel_row, finish, pressed_id, task_of
from handlers.kit.common import answer, keyboard, language_of, say, t
from handlers.kit.geo_picker import community_keyboard, grid_keyboard, zone_keyboard
from storage import geo
from storage.models import Complaint


async def ask_target(update: Update, context: MinhuContext, complaint: Complaint) -> int:
    """Departments (but the current one), another grid, cancel."""
    lang = await language_of(update, context)
    departments = await geo.departments(context.services.db)
    choices = [(d.name, f"{PICK}:d:{d.id}") for d in departments if d.id != complaint.department_id]
    rows = [choices[i : i + 2] for i in range(0, len(choices), 2)]
    rows.append([(t(context, lang, "staff.btn_other_grid"), f"{PICK}:grid")])
    rows.append(cancel_row(context, lang, PICK))
    sent = await say(
        update, context, "staff.ask_target", markup=keyboard(rows), number=complaint.number
    )
    task = task_of(context)
    if task is not None:
        task["prompt"] = sent.message_id if sent else None
    return State.TRANSFER


async def to_department(update: Update, context: MinhuContext) -> int | None:
    """A department was chosen."""
    department_id = pressed_id(update)
    if department_id is None:
        await answer(update, context, "common.invalid_button")
        return None
    return await finish(update, context, Action.TRANSFER, to_department=department_id)


async def pick_zone(update: Update, context: MinhuContext) -> int | None:
    """Another grid: first the zone."""
    await answer(update, context)
    lang = await language_of(update, context)
    markup = await zone_keyboard(context, lang, PICK)
    await say(update, context, "staff.ask_zone", edit=True, markup=markup)
    return State.ZONE


async def pick_community(update: Update, context: MinhuContext) -> int | None:
    """A zone was pressed (or "back" from its grids)."""
    zone_id = pressed_id(update)
    lang = await language_of(update, context)
    markup = await community_keyboard(context, lang, PICK, zone_id) if zone_id else None
    zone = await geo.zone(context.services.db, zone_id) if zone_id else None
    if markup is None or zone is None:
        await answer(update, context, "common.invalid_button")
        return None
    await answer(update, context)
    await say(update, context, "staff.ask_community", edit=True, markup=markup, zone=zone.name)
    return State.COMMUNITY


async def pick_grid(update: Update, context: MinhuContext) -> int | None:
    """A community was pressed."""
    community_id = pressed_id(update)
    lang = await language_of(update, context)
    markup = await grid_keyboard(context, lang, PICK, community_id) if community_id else None
    found = await geo.community(context.services.db, community_id) if community_id else None
    if markup is None or found is None:
        await answer(update, context, "common.invalid_button")
        return None
    await answer(update, context)
    await say(update, context, "staff.ask_grid", edit=True, markup=markup, community=found.name)
    return State.GRID


async def to_grid(update: Update, context: MinhuContext) -> int | None:
    """A grid was chosen."""
    grid_id = pressed_id(update)
    if grid_id is None:
        await answer(update, context, "common.invalid_button")
        return None
    return await finish(update, context, Action.TRANSFER, to_grid=grid_id)
