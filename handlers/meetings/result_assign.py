"""The last part of /meetingresult: each decision of a recorded meeting can become an
assignment (交办) to a representative, a department or a grid worker of the zone, with a
deadline. `bot.meetings.results.assign` checks the role, the target and the deadline again."""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.ext import ConversationHandler

from bot.assignments import notices as assignment_notices
from bot.assignments.rules import QUICK_DAYS, in_working_days, next_working, on_day_off
from bot.core.clock import from_iso
from bot.meetings import results, service
from bot.meetings.buttons import ASSIGNED_ALL, DAY_OFF, DECISION, DECISIONS, IN_DAYS, KIND, TARGET
from bot.meetings.rules import parse_deadline
from bot.people.roles import Role
from bot.runtime.services import MinhuContext
from handlers.kit.common import answer, button_row, keyboard, language_of, pressed, say, t
from handlers.kit.conversation import chosen, refuse
from handlers.meetings.result_flow import RESULT, ResultDraft, State, step, task_of
from storage import assignments, geo
from storage import meetings as store
from storage.meetings import Decision


async def assign_list(update: Update, context: MinhuContext, *, edit: bool = False) -> int:
    """The recorded meeting's decisions, a button each to hand one on, and "done"."""
    task = task_of(context)
    assert task is not None
    db = context.services.db
    lang = await language_of(update, context)
    items = []
    rows = []
    for d in await store.decisions(db, int(task["id"])):
        given = await assignments.of_decision(db, d.id)
        items.append({"position": d.position, "text": d.text, "assigned": len(given)})
        label = t(context, lang, "meetings.btn_assign", position=d.position)
        rows.append([(label, DECISION.pack(d.id))])
    rows.append(button_row(context, lang, "meetings.btn_assign_done", ASSIGNED_ALL))
    await say(
        update, context, "meetings.assign_list", edit=edit, markup=keyboard(rows), items=items
    )
    return State.ASSIGN_LIST


@step
async def pick_decision(update: Update, context: MinhuContext, task: ResultDraft) -> int:
    """A decision to assign: to whom?"""

    async def of_this_meeting(decision_id: int) -> Decision | None:
        found = await store.decision(context.services.db, decision_id)
        return found if found is not None and found.meeting_id == task["id"] else None

    found = await chosen(update, context, DECISION, of_this_meeting)
    if found is None:
        return State.ASSIGN_LIST
    task["decision_id"] = found.id
    lang = await language_of(update, context)
    rows = [
        button_row(context, lang, f"meetings.btn_kind_{k}", KIND, k) for k in results.ASSIGNEE_KINDS
    ]
    rows.append(button_row(context, lang, "common.btn_back", DECISIONS))
    await say(
        update, context, "meetings.ask_kind", edit=True, markup=keyboard(rows), text=found.text
    )
    return State.ASSIGN_KIND


@step
async def pick_kind(update: Update, context: MinhuContext, task: ResultDraft) -> int:
    """Representatives, departments, or the zone's grid workers."""
    kind = KIND.one(pressed(update))
    m = await store.get(context.services.db, int(task["id"]))
    if kind is None or m is None:
        await answer(update, context, "common.invalid_button")
        return State.ASSIGN_KIND
    db = context.services.db
    if kind == Role.DEPARTMENT:
        choices = [(d.id, d.name) for d in await geo.departments(db)]
    else:
        choices = await store.staff_choices(db, kind, m.zone_id)
    if not choices:
        await answer(update, context, "meetings.nobody", kind=kind)
        return State.ASSIGN_KIND
    await answer(update, context)
    task["kind"] = kind
    lang = await language_of(update, context)
    rows = [[(name, TARGET.pack(target))] for target, name in choices]
    rows.append(button_row(context, lang, "common.btn_back", DECISIONS))
    await say(update, context, "meetings.ask_target", edit=True, markup=keyboard(rows), kind=kind)
    return State.ASSIGN_TARGET


@step
async def pick_target(update: Update, context: MinhuContext, task: ResultDraft) -> int:
    """Who: then the deadline."""
    target = TARGET.one(pressed(update))
    if target is None:
        await answer(update, context, "common.invalid_button")
        return State.ASSIGN_TARGET
    await answer(update, context)
    task["target"] = target
    lang = await language_of(update, context)
    quick = [
        (t(context, lang, "assignments.btn_in_days", days=n), IN_DAYS.pack(n)) for n in QUICK_DAYS
    ]
    await say(update, context, "meetings.ask_due", edit=True, markup=keyboard([quick]))
    return State.ASSIGN_DUE


@step
async def due(update: Update, context: MinhuContext, task: ResultDraft) -> int | None:
    """A typed deadline: a weekend or holiday is questioned, else the assignment is made."""
    assert update.message is not None
    services = context.services
    when = parse_deadline(update.message.text or "", services.settings.tz, services.clock.now())
    if when > services.clock.now() and on_day_off(services.calendar, when):
        task["day_off"] = when.isoformat()
        lang = await language_of(update, context)
        later = next_working(services.calendar, when)
        rows = [
            button_row(context, lang, "assignments.btn_keep_day", DAY_OFF, "keep", day=when),
            button_row(context, lang, "assignments.btn_next_workday", DAY_OFF, "next", day=later),
        ]
        await say(
            update, context, "assignments.ask_day_off", markup=keyboard(rows), day=when, next=later
        )
        return None
    return await _assign(update, context, task, when)


@step
async def due_pressed(update: Update, context: MinhuContext, task: ResultDraft) -> int | None:
    """In 3, 7 or 15 working days; or the answer about a typed day that is not a working day."""
    assert update.callback_query is not None
    services, data = context.services, update.callback_query.data
    days, choice = IN_DAYS.one(data), DAY_OFF.one(data)
    pending = task.pop("day_off", None)
    if days in QUICK_DAYS:
        when = in_working_days(services.calendar, services.clock.now(), days)
    elif choice is not None and pending is not None:
        when = from_iso(pending)
        if choice == "next":
            when = next_working(services.calendar, when)
    else:
        await answer(update, context, "common.invalid_button")
        return None
    return await _assign(update, context, task, when)


async def _assign(
    update: Update, context: MinhuContext, task: ResultDraft, when: datetime
) -> int | None:
    """Make the assignment; the assignee is told through the outbox. The press is answered
    once it is made (a refusal answers it: an Invalid stays at the deadline, anything else
    goes back to the decisions)."""
    user = update.effective_user
    assert user is not None
    services = context.services
    try:
        number = await results.assign(
            services,
            int(task["decision_id"]),
            user.id,
            kind=str(task["kind"]),
            target_id=int(task["target"]),
            due_at=when,
        )
    except service.Refused as refused:
        await refuse(update, context, refused)
        return await assign_list(update, context)
    await answer(update, context)
    told = await assignment_notices.can_tell(services, number)
    await say(update, context, "meetings.assigned_done", number=number, due_at=when, told=told)
    return await assign_list(update, context)


@step
async def back_to_list(update: Update, context: MinhuContext, task: ResultDraft) -> int:
    """Back to the decisions."""
    await answer(update, context)
    return await assign_list(update, context, edit=True)


async def finish(update: Update, context: MinhuContext) -> int:
    """No more assignments."""
    if context.user_data is not None:
        context.user_data.pop(RESULT, None)
    await answer(update, context)
    await say(update, context, "meetings.assign_finished", edit=True)
    return ConversationHandler.END
