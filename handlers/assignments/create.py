"""/assign (admins): what — a complaint number MH-… or free text → to whom — a representative,
a department, or a grid worker (zone first), chosen with buttons → by when — a date, typed or
from a button, never in the past → confirm. The assignment is written only on confirm, by
`bot.assignments.service.assign`, which checks the admin and the assignee again."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.assignments import notices as assignment_notices
from bot.assignments import service
from bot.assignments.rules import (
    QUICK_DAYS,
    TARGETS,
    check_deadline,
    deadline_of,
    in_working_days,
    next_working,
    on_day_off,
    parse_day,
)
from bot.complaints.rules import NotAllowed
from bot.core.clock import from_iso
from bot.people.roles import has_role
from bot.runtime.services import MinhuContext
from handlers.complaints.staff_flow import retire
from handlers.kit.common import (
    Row,
    answer,
    cancel_row,
    hint,
    keyboard,
    language_of,
    last_field,
    parse_int,
    say,
    t,
    user_draft,
)
from handlers.kit.submitted import end_if_open, key_in, outside, retire_buttons, toast
from storage import complaints, geo, submissions

PREFIX = "aa"
DRAFT = "assign_draft"  # user_data: subject, complaint, target, deadline
SUBJECT = (5, 500)
NUMBER = re.compile(r"^MH-\d{4}-\d{6}$")
CONFIRM_PATTERN = f"^{PREFIX}:ok(:[0-9a-f]{{1,32}})?$"


class State(IntEnum):
    SUBJECT = 80
    KIND = 81
    ZONE = 82
    WHO = 83
    DEADLINE = 84
    CONFIRM = 85


async def start(update: Update, context: MinhuContext) -> int:
    """/assign: admins only; what is to be done?"""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    if not await has_role(context.services, user.id, "admin"):
        await say(update, context, "common.not_allowed")
        return ConversationHandler.END
    context.user_data[DRAFT] = {"id": submissions.new_key()}
    lang = await language_of(update, context)
    sent = await say(
        update,
        context,
        "assignments.ask_subject",
        markup=keyboard([cancel_row(context, lang, PREFIX)]),
        min=SUBJECT[0],
        max=SUBJECT[1],
    )
    context.user_data[DRAFT]["prompt"] = sent.message_id if sent else None
    return State.SUBJECT


async def subject(update: Update, context: MinhuContext) -> int:
    """A complaint number, or the task in words."""
    assert update.message is not None
    text = (update.message.text or "").strip()
    draft = user_draft(context, DRAFT)
    if NUMBER.match(text.upper()):
        found = await complaints.by_number(context.services.db, text.upper())
        if found is None:
            await say(update, context, "assignments.no_such_complaint", number=text.upper())
            return State.SUBJECT
        draft |= {"complaint_id": found.id, "number": found.number}
        draft["text"] = found.description[: SUBJECT[1]]
    elif SUBJECT[0] <= len(text) <= SUBJECT[1]:
        draft |= {"complaint_id": None, "number": None, "text": text}
    else:
        await say(
            update,
            context,
            "assignments.bad_subject",
            length=len(text),
            min=SUBJECT[0],
            max=SUBJECT[1],
        )
        return State.SUBJECT
    await retire(update, context, draft.get("prompt"))  # its cancel button
    return await _ask_kind(update, context, edit=False)


async def _ask_kind(update: Update, context: MinhuContext, *, edit: bool) -> int:
    lang = await language_of(update, context)
    rows: list[Row] = [
        [(t(context, lang, f"assignments.btn_kind_{k}"), f"{PREFIX}:k:{k}")] for k in TARGETS
    ]
    rows.append(cancel_row(context, lang, PREFIX))
    draft = user_draft(context, DRAFT)
    await say(
        update,
        context,
        "assignments.ask_kind",
        edit=edit,
        markup=keyboard(rows),
        text=draft["text"],
        complaint=draft["number"],
    )
    return State.KIND


async def kind(update: Update, context: MinhuContext) -> int:
    """A representative, a department, or a grid worker (then first the zone)."""
    chosen = last_field(update)
    if chosen not in TARGETS:
        await answer(update, context, "common.invalid_button")
        return State.KIND
    await answer(update, context)
    user_draft(context, DRAFT)["kind"] = chosen
    if chosen == "grid_worker":
        lang = await language_of(update, context)
        zones = await geo.zones(context.services.db)
        rows: list[Row] = [[(z.name, f"{PREFIX}:z:{z.id}")] for z in zones]
        rows.append(cancel_row(context, lang, PREFIX))
        await say(update, context, "assignments.ask_zone", edit=True, markup=keyboard(rows))
        return State.ZONE
    return await _ask_who(update, context, None)


async def zone(update: Update, context: MinhuContext) -> int:
    """The zone whose grid workers are offered."""
    zone_id = parse_int(last_field(update))
    if zone_id is None or await geo.zone(context.services.db, zone_id) is None:
        await answer(update, context, "common.invalid_button")
        return State.ZONE
    await answer(update, context)
    return await _ask_who(update, context, zone_id)


async def _ask_who(update: Update, context: MinhuContext, zone_id: int | None) -> int:
    draft = user_draft(context, DRAFT)
    offered = await service.choices(context.services, draft["kind"], zone_id)
    if not offered:
        await say(update, context, "assignments.nobody", edit=True, kind=draft["kind"])
        return await _ask_kind(update, context, edit=False)
    draft["offered"] = {str(i): name for i, name in offered}
    lang = await language_of(update, context)
    buttons = [(name, f"{PREFIX}:p:{i}") for i, name in offered]
    rows: list[Row] = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(cancel_row(context, lang, PREFIX))
    await say(
        update, context, "assignments.ask_who", edit=True, markup=keyboard(rows), kind=draft["kind"]
    )
    return State.WHO


async def who(update: Update, context: MinhuContext) -> int:
    """Someone (or a department) from the offered buttons."""
    draft = user_draft(context, DRAFT)
    chosen = last_field(update)
    offered = draft.get("offered") or {}
    if chosen not in offered:
        await answer(update, context, "common.invalid_button")
        return State.WHO
    await answer(update, context)
    draft |= {"target_id": int(chosen), "target": offered[chosen]}
    lang = await language_of(update, context)
    today = context.services.clock.now().astimezone(context.services.settings.tz).date()
    quick = [
        (t(context, lang, "assignments.btn_in_days", days=n), f"{PREFIX}:d:{n}") for n in QUICK_DAYS
    ]
    message = update.callback_query.message if update.callback_query else None
    draft["prompt"] = message.message_id if message else None
    await say(
        update,
        context,
        "assignments.ask_deadline",
        edit=True,
        markup=keyboard([quick, cancel_row(context, lang, PREFIX)]),
        assignee=draft["target"],
        example=(today + timedelta(days=7)).isoformat(),
    )
    return State.DEADLINE


async def deadline_typed(update: Update, context: MinhuContext) -> int:
    """A typed date: 18:00 that day; a weekend or holiday is questioned first."""
    assert update.message is not None
    services = context.services
    today = services.clock.now().astimezone(services.settings.tz).date()
    day = parse_day(update.message.text or "", today)
    if day is None:
        await say(update, context, "assignments.bad_date")
        return State.DEADLINE
    return await _deadline(update, context, deadline_of(day, services.settings.tz), typed=True)


async def deadline_pressed(update: Update, context: MinhuContext) -> int:
    """In 3, 7 or 15 working days (like complaint deadlines)."""
    days = parse_int(last_field(update))
    if days not in QUICK_DAYS:
        await answer(update, context, "common.invalid_button")
        return State.DEADLINE
    await answer(update, context)
    services = context.services
    assert days is not None
    return await _deadline(
        update, context, in_working_days(services.calendar, services.clock.now(), days)
    )


async def day_off_answered(update: Update, context: MinhuContext) -> int:
    """The typed day is not a working day: keep it, or take the next working day."""
    draft = user_draft(context, DRAFT)
    choice, pending = last_field(update), draft.pop("day_off", None)
    if choice not in ("keep", "next") or pending is None:
        await answer(update, context, "common.invalid_button")
        return State.DEADLINE
    await answer(update, context)
    due_at = from_iso(pending)
    if choice == "next":
        due_at = next_working(context.services.calendar, due_at)
    return await _deadline(update, context, due_at)


async def _deadline(
    update: Update, context: MinhuContext, due_at: datetime, *, typed: bool = False
) -> int:
    services = context.services
    try:
        check_deadline(due_at, services.clock.now())
    except NotAllowed as refused:
        await say(update, context, "assignments.refused", reason=refused.reason)
        return State.DEADLINE
    draft = user_draft(context, DRAFT)
    if typed and on_day_off(services.calendar, due_at):
        draft["day_off"] = due_at.isoformat()
        lang = await language_of(update, context)
        later = next_working(services.calendar, due_at)
        rows: list[Row] = [
            [(t(context, lang, "assignments.btn_keep_day", day=due_at), f"{PREFIX}:w:keep")],
            [(t(context, lang, "assignments.btn_next_workday", day=later), f"{PREFIX}:w:next")],
            cancel_row(context, lang, PREFIX),
        ]
        await say(
            update,
            context,
            "assignments.ask_day_off",
            markup=keyboard(rows),
            day=due_at,
            next=later,
        )
        return State.DEADLINE
    draft["due_at"] = due_at.isoformat()
    await retire(update, context, draft.get("prompt"))  # the quick-date buttons
    lang = await language_of(update, context)
    rows = [
        [(t(context, lang, "assignments.btn_confirm"), f"{PREFIX}:ok:{_key(draft)}")],
        cancel_row(context, lang, PREFIX),
    ]
    await say(
        update,
        context,
        "assignments.summary",
        edit=update.callback_query is not None,
        markup=keyboard(rows),
        text=draft["text"],
        complaint=draft["number"],
        assignee=draft["target"],
        due_at=due_at,
    )
    return State.CONFIRM


def _key(draft: dict[str, Any]) -> str:
    """The form's submission key (carried by its confirm button)."""
    key = draft.get("id")
    if not isinstance(key, str):
        key = draft["id"] = submissions.new_key()
    return key


async def confirm(update: Update, context: MinhuContext, *, inside: bool = True) -> int | None:
    """Write the assignment once; the assignee is told through the outbox. Pressed again —
    from any state, after a crash or a restart — it answers with the assignment it made."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    key = key_in(update)
    done = await submissions.find(context.services.db, key) if key else None
    if done is not None and done.kind == "assignment":
        await retire_buttons(update)
        await toast(update, context, "assignments.already_assigned", number=done.record_id)
        return end_if_open(context, DRAFT, key)
    draft = context.user_data.get(DRAFT)
    if not inside or not isinstance(draft, dict) or (key and draft.get("id") != key):
        await answer(update, context)
        await say(update, context, "assignments.refused", edit=True, reason="expired")
        return end_if_open(context, DRAFT, key)
    context.user_data.pop(DRAFT, None)
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
            key=_key(draft),
        )
    except NotAllowed as refused:
        await answer(update, context)
        await say(update, context, "assignments.refused", edit=True, reason=refused.reason)
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


async def cancel(update: Update, context: MinhuContext) -> int:
    """/cancel or the cancel button: nothing is assigned."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await answer(update, context)
    await say(
        update, context, "assignments.assign_cancelled", edit=update.callback_query is not None
    )
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The /assign conversation (persistent: it survives a restart)."""
    text = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND
    buttons_only: BaseHandler = MessageHandler(other, hint("assignments.expect_button"))
    return [
        ConversationHandler(
            entry_points=[CommandHandler("assign", start)],
            states={
                State.SUBJECT: [
                    MessageHandler(text, subject),
                    MessageHandler(other, hint("assignments.expect_text")),
                ],
                State.KIND: [CallbackQueryHandler(kind, pattern=f"^{PREFIX}:k:"), buttons_only],
                State.ZONE: [CallbackQueryHandler(zone, pattern=f"^{PREFIX}:z:"), buttons_only],
                State.WHO: [CallbackQueryHandler(who, pattern=f"^{PREFIX}:p:"), buttons_only],
                State.DEADLINE: [
                    CallbackQueryHandler(deadline_pressed, pattern=f"^{PREFIX}:d:"),
                    CallbackQueryHandler(day_off_answered, pattern=f"^{PREFIX}:w:"),
                    MessageHandler(text, deadline_typed),
                    MessageHandler(other, hint("assignments.expect_date")),
                ],
                State.CONFIRM: [
                    CallbackQueryHandler(confirm, pattern=CONFIRM_PATTERN),
                    buttons_only,
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=f"^{PREFIX}:cancel$"),
            ],
            name="assign",
            persistent=True,
            allow_reentry=True,
        ),
        CallbackQueryHandler(outside(confirm), pattern=CONFIRM_PATTERN),
    ]
