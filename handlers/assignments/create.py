"""/assign (admins): what — a complaint number MH-… or free text → to whom — a representative,
a department, or a grid worker (zone first), chosen with buttons → by when — a date, typed or
from a button, never in the past → confirm. The assignment is written only on confirm, by
`bot.assignments.service.assign`, which checks the admin and the assignee again."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import IntEnum
from typing import TypedDict

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.assignments import buttons as b
from bot.assignments import notices as assignment_notices
from bot.assignments import service
from bot.assignments.rules import (
    QUICK_DAYS,
    TARGETS,
    NotAllowed,
    check_deadline,
    in_working_days,
    next_working,
    on_day_off,
    typed_deadline,
)
from bot.core.clock import from_iso
from bot.people.roles import Role
from bot.runtime.services import MinhuContext
from handlers.kit import conversation as kit
from handlers.kit import edits
from handlers.kit.common import Row, answer, in_rows, language_of, pressed, say, t, word_buttons
from handlers.kit.submitted import (
    ask_to_confirm,
    end_if_open,
    open_form,
    outside,
    retire_buttons,
    toast,
)
from storage import complaints, geo, submissions

DRAFT = "assign_draft"
SUBJECT = (5, 500)
NUMBER = re.compile(r"^MH-\d{4}-\d{6}$")


class Draft(TypedDict, total=False):
    """An /assign form (JSON in the user's data)."""

    id: str  # the form's submission key, carried by its confirm button
    prompt: int | None  # the question whose buttons go once it is answered
    text: str
    complaint_id: int | None
    number: str | None  # the complaint's MH-… number
    kind: str  # a Role in TARGETS
    offered: dict[str, str]  # id → name of the people (or departments) offered
    target_id: int
    target: str
    day_off: str  # ISO: a typed deadline on a day off, waiting for keep or next
    due_at: str  # ISO


# The steps, numbered 310-315 (80-85 before this version: see `kit.renumbered`).
State = IntEnum("State", "SUBJECT KIND ZONE WHO DEADLINE CONFIRM", start=310)

form = kit.draft_step(DRAFT, role=Role.ADMIN, expired="assignments.expired")


@kit.form_start(DRAFT, Role.ADMIN)
async def start(update: Update, context: MinhuContext, draft: Draft) -> int:
    """/assign: admins only; what is to be done?"""
    low, high = SUBJECT
    sent = await kit.ask(
        update, context, "assignments.ask_subject", [], b.ASSIGN_CANCEL, min=low, max=high
    )
    draft["prompt"] = sent.message_id if sent else None
    return State.SUBJECT


@form
async def subject(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A complaint number, or the task in words."""
    assert update.message is not None
    text = (update.message.text or "").strip()
    if NUMBER.match(text.upper()):
        found = await complaints.by_number(context.services.db, text.upper())
        if found is None:
            await say(update, context, "assignments.no_such_complaint", number=text.upper())
            return State.SUBJECT
        draft |= {"complaint_id": found.id, "number": found.number}
        draft["text"] = found.description[: SUBJECT[1]]
    elif await kit.typed_within(update, context, SUBJECT, "assignments.bad_subject"):
        draft |= {"complaint_id": None, "number": None, "text": text}
    else:
        return State.SUBJECT
    await edits.retire(update, context, draft.get("prompt"))  # its cancel button
    return await _ask_kind(update, context, draft, edit=False)


async def _ask_kind(update: Update, context: MinhuContext, draft: Draft, *, edit: bool) -> int:
    lang = await language_of(update, context)
    rows = word_buttons(context, lang, b.KIND, TARGETS, "assignments.btn_kind_")
    text, number = draft["text"], draft["number"]
    await kit.ask(
        update,
        context,
        "assignments.ask_kind",
        rows,
        b.ASSIGN_CANCEL,
        edit=edit,
        text=text,
        complaint=number,
    )
    return State.KIND


@form
async def kind(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A representative, a department, or a grid worker (then first the zone)."""
    chosen = await kit.picked(update, context, b.KIND, TARGETS)
    if chosen is None:
        return State.KIND
    draft["kind"] = chosen
    if chosen == Role.GRID_WORKER:
        rows = [[(z.name, b.ZONE.pack(z.id))] for z in await geo.zones(context.services.db)]
        await kit.ask(update, context, "assignments.ask_zone", rows, b.ASSIGN_CANCEL, edit=True)
        return State.ZONE
    return await _ask_who(update, context, draft, None)


@form
async def zone(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The zone whose grid workers are offered."""
    zones = {z.id for z in await geo.zones(context.services.db)}
    zone_id = await kit.picked(update, context, b.ZONE, zones)
    if zone_id is None:
        return State.ZONE
    return await _ask_who(update, context, draft, zone_id)


async def _ask_who(update: Update, context: MinhuContext, draft: Draft, zone_id: int | None) -> int:
    offered = await service.choices(context.services, draft["kind"], zone_id)
    if not offered:
        await say(update, context, "assignments.nobody", edit=True, kind=draft["kind"])
        return await _ask_kind(update, context, draft, edit=False)
    draft["offered"] = {str(i): name for i, name in offered}
    rows = in_rows([(name, b.WHO.pack(i)) for i, name in offered], 2)
    await kit.ask(
        update, context, "assignments.ask_who", rows, b.ASSIGN_CANCEL, edit=True, kind=draft["kind"]
    )
    return State.WHO


@form
async def who(update: Update, context: MinhuContext, draft: Draft) -> int:
    """Someone (or a department) from the offered buttons."""
    offered = draft.get("offered") or {}
    chosen = await kit.picked(update, context, b.WHO, {int(i) for i in offered})
    if chosen is None:
        return State.WHO
    draft |= {"target_id": chosen, "target": offered[str(chosen)]}
    lang = await language_of(update, context)
    today = context.services.clock.now().astimezone(context.services.settings.tz).date()
    quick = [
        (t(context, lang, "assignments.btn_in_days", days=n), b.IN_DAYS.pack(n)) for n in QUICK_DAYS
    ]
    message = update.callback_query.message if update.callback_query else None
    draft["prompt"] = message.message_id if message else None
    await kit.ask(
        update, context, "assignments.ask_deadline", [quick], b.ASSIGN_CANCEL, edit=True,
        assignee=draft["target"], example=(today + timedelta(days=7)).isoformat(),
    )  # fmt: skip
    return State.DEADLINE


@form
async def deadline_typed(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A typed date: 18:00 that day; a weekend or holiday is questioned first."""
    assert update.message is not None
    services = context.services
    due_at = typed_deadline(update.message.text or "", services.settings.tz, services.clock.now())
    if due_at is None:
        await say(update, context, "assignments.bad_date")
        return State.DEADLINE
    return await _deadline(update, context, draft, due_at, typed=True)


@form
async def deadline_pressed(update: Update, context: MinhuContext, draft: Draft) -> int:
    """In 3, 7 or 15 working days (like complaint deadlines)."""
    days = await kit.picked(update, context, b.IN_DAYS, QUICK_DAYS, answered=False)
    if days is None:
        return State.DEADLINE
    services = context.services
    due_at = in_working_days(services.calendar, services.clock.now(), days)
    return await _deadline(update, context, draft, due_at)


@form
async def day_off_answered(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The typed day is not a working day: keep it, or take the next working day."""
    pending = draft.pop("day_off", "")  # pressed twice: the second is invalid
    choices = ("keep", "next") if pending else ()
    choice = await kit.picked(update, context, b.DAY_OFF, choices, answered=False)
    if choice is None:
        return State.DEADLINE
    due_at = from_iso(pending)
    if choice == "next":
        due_at = next_working(context.services.calendar, due_at)
    return await _deadline(update, context, draft, due_at)


async def _deadline(
    update: Update, context: MinhuContext, draft: Draft, due_at: datetime, *, typed: bool = False
) -> int:
    """A deadline chosen: a day off is questioned, else the summary. NotAllowed (answered by
    the step) for one in the past or too far away."""
    services = context.services
    check_deadline(due_at, services.clock.now())
    await answer(update, context)
    lang = await language_of(update, context)
    if typed and on_day_off(services.calendar, due_at):
        draft["day_off"] = due_at.isoformat()
        later = next_working(services.calendar, due_at)
        rows: list[Row] = [
            [(t(context, lang, "assignments.btn_keep_day", day=due_at), b.DAY_OFF.pack("keep"))],
            [(t(context, lang, "assignments.btn_next_workday", day=later), b.DAY_OFF.pack("next"))],
        ]
        await kit.ask(
            update,
            context,
            "assignments.ask_day_off",
            rows,
            b.ASSIGN_CANCEL,
            day=due_at,
            next=later,
        )
        return State.DEADLINE
    draft["due_at"] = due_at.isoformat()
    await edits.retire(update, context, draft.get("prompt"))  # the quick-date buttons
    key = draft.setdefault("id", submissions.new_key())
    await ask_to_confirm(
        update,
        context,
        "assignments.summary",
        "assignments.btn_confirm",
        b.CONFIRM.pack(key),
        b.ASSIGN_CANCEL,
        text=draft["text"],
        complaint=draft["number"],
        assignee=draft["target"],
        due_at=due_at,
    )
    return State.CONFIRM


async def confirm(update: Update, context: MinhuContext, *, inside: bool = True) -> int | None:
    """Write the assignment once; the assignee is told through the outbox. Pressed again —
    from any state, after a crash or a restart — it answers with the assignment it made."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    key = b.CONFIRM.one(pressed(update))
    done = await submissions.find(context.services.db, key) if key else None
    if done is not None and done.kind == "assignment":
        await retire_buttons(update, context)
        await toast(update, context, "assignments.already_assigned", number=done.record_id)
        return end_if_open(context, DRAFT, key)
    expired = NotAllowed("expired")
    draft = await open_form(update, context, DRAFT, key, inside=inside, expired=expired)
    if draft is None:
        return end_if_open(context, DRAFT, key)
    try:
        if "due_at" not in draft:
            raise NotAllowed("expired")
        number = await service.assign(
            context.services,
            user.id,
            text=draft["text"],
            complaint_id=draft["complaint_id"],
            target_kind=draft["kind"],
            target_id=int(draft["target_id"]),
            due_at=from_iso(draft["due_at"]),
            key=draft.setdefault("id", submissions.new_key()),
        )
    except NotAllowed as refused:
        await kit.refuse(update, context, refused, edit=True)
        return ConversationHandler.END
    context.services.commits.mark(update.update_id, f"#{number}")
    await answer(update, context)
    await say(
        update,
        context,
        "assignments.assigned",
        edit=True,
        number=number,
        assignee=draft["target"],
        due_at=draft["due_at"],
        told=await assignment_notices.can_tell(context.services, number),
    )
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The /assign conversation (persistent: it survives a restart)."""
    buttons = "assignments.expect_button"
    form = kit.conversation(
        "assign",
        entry_points=[CommandHandler("assign", start)],
        states={
            State.SUBJECT: kit.typed_step(subject, "assignments.expect_text"),
            State.KIND: kit.buttons_step(buttons, (b.KIND, kind)),
            State.ZONE: kit.buttons_step(buttons, (b.ZONE, zone)),
            State.WHO: kit.buttons_step(buttons, (b.WHO, who)),
            State.DEADLINE: kit.typed_or_pressed(
                deadline_typed,
                "assignments.expect_date",
                (b.IN_DAYS, deadline_pressed),
                (b.DAY_OFF, day_off_answered),
            ),
            State.CONFIRM: kit.buttons_step(buttons, (b.CONFIRM, confirm)),
        },
        cancel=kit.cancelled("assignments.assign_cancelled", DRAFT),
        cancel_button=b.ASSIGN_CANCEL,
    )
    return [
        kit.renumbered(form, State, was=80),
        CallbackQueryHandler(outside(confirm), pattern=b.CONFIRM.pattern),
    ]
