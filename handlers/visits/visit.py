"""/visit (grid workers): the household, from a list of their grids' households sorted overdue
first → 📍 a location, or 🚪 at the door → what was found: 正常 / 需要帮助 / 发现隐患 → a note
(the case's description for the last two; optional for 正常) → a photo, or none. `bot.visits.
service.log_visit` writes the visit, its next reminders and, for 需要帮助 or 发现隐患, a case routed
like any other, in one transaction; the answer comes through the outbox after the commit."""

from __future__ import annotations

from enum import IntEnum
from typing import TypedDict

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.people.roles import Role
from bot.runtime.services import MinhuContext
from bot.visits import buttons as b
from bot.visits import rules
from bot.visits import service as visits
from bot.visits.rules import Refused
from handlers.kit import conversation as kit
from handlers.kit import menu
from handlers.kit.common import (
    answer,
    keyboard,
    language_of,
    pressed,
    say,
    say_with_keyboard,
    sent_photo,
    t,
)
from handlers.kit.submitted import committed, retire_buttons
from storage import submissions

DRAFT = "visit_draft"
LISTED = 20  # households offered at once (the most overdue first)

# The steps, numbered 810-814.
State = IntEnum("State", "HOUSEHOLD WHERE FINDING NOTE PHOTO", start=810)


class Draft(TypedDict, total=False):
    id: str
    household_id: int
    location: list[float] | None
    finding: str
    note: str
    photo: list[str] | None


form = kit.draft_step(DRAFT, role=Role.GRID_WORKER, expired="visits.expired")


async def _mine(context: MinhuContext, user_id: int) -> list[visits.Due]:
    grids = await visits.worker_grids(context.services, user_id)
    return await visits.due_list(context.services, [g.id for g in grids])


@kit.form_start(DRAFT, Role.GRID_WORKER)
async def start(update: Update, context: MinhuContext, draft: Draft) -> int:
    """/visit: the worker's households, the most overdue first."""
    assert update.effective_user is not None
    due = await _mine(context, update.effective_user.id)
    if not due:
        await say(update, context, "visits.none")
        return ConversationHandler.END
    lang = await language_of(update, context)
    kinds = context.services.settings.visit_kinds
    rows = [
        [
            (
                t(
                    context,
                    lang,
                    "visits.household_line",
                    late=d.late_days,
                    name=d.household.name or "",
                    kind=rules.label_of(kinds, d.household.kind, lang),
                ),
                b.VI_HOUSEHOLD.pack(d.household.id),
            )
        ]
        for d in due[:LISTED]
    ]
    await kit.ask(update, context, "visits.ask_household", rows, b.VI_CANCEL)
    return State.HOUSEHOLD


@form
async def household(update: Update, context: MinhuContext, draft: Draft) -> int:
    """One of their households; then where."""
    assert update.effective_user is not None
    due = {d.household.id: d.household for d in await _mine(context, update.effective_user.id)}
    household_id = await kit.picked(update, context, b.VI_HOUSEHOLD, due)
    if household_id is None:
        return State.HOUSEHOLD
    draft["household_id"] = household_id
    h = due[household_id]
    lang = await language_of(update, context)
    kinds = context.services.settings.visit_kinds
    # The card in place of the list: what the worker needs at the door (notes, emergency
    # contact), and the button for a household that withdraws its consent.
    withdraw = [[(t(context, lang, "visits.btn_withdraw"), b.VI_WITHDRAW.pack(h.id))]]
    await say(
        update,
        context,
        "visits.card",
        edit=True,
        markup=keyboard(withdraw),
        name=h.name or "",
        kind=rules.label_of(kinds, h.kind, lang),
        address=h.address or "",
        phone=h.phone,
        emergency=h.emergency_contact,
        notes=h.notes,
        cadence=h.cadence_days,
        last=h.last_visit_at.isoformat() if h.last_visit_at else None,
        due_day=visits.due_day_of(context.services, h),
    )
    share = KeyboardButton(t(context, lang, "visits.btn_share_location"), request_location=True)
    door = KeyboardButton(t(context, lang, "visits.btn_door"))
    markup = ReplyKeyboardMarkup([[share], [door]], resize_keyboard=True, one_time_keyboard=True)
    await say_with_keyboard(
        update,
        context,
        "visits.ask_where",
        markup,
        name=h.name or "",
        kind=rules.label_of(kinds, h.kind, lang),
        address=h.address or "",
    )
    return State.WHERE


@form
async def location(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A shared location."""
    assert update.message is not None and update.message.location is not None
    loc = update.message.location
    draft["location"] = [loc.latitude, loc.longitude]
    return await _ask_finding(update, context)


@form
async def door(update: Update, context: MinhuContext, draft: Draft) -> int:
    """🚪 At the door (the button's words; anything else typed gets the hint)."""
    assert update.message is not None
    lang = await language_of(update, context)
    if (update.message.text or "").strip() != t(context, lang, "visits.btn_door"):
        await say(update, context, "visits.expect_location")
        return State.WHERE
    draft["location"] = None
    return await _ask_finding(update, context)


async def _ask_finding(update: Update, context: MinhuContext) -> int:
    await say_with_keyboard(
        update, context, "patrol.place_noted", await menu.home(update, context), located=True
    )
    lang = await language_of(update, context)
    rows = [[(t(context, lang, f"visits.btn_{f}"), b.VI_FINDING.pack(f))] for f in rules.FINDINGS]
    await kit.ask(update, context, "visits.ask_finding", rows, b.VI_CANCEL)
    return State.FINDING


@form
async def finding(update: Update, context: MinhuContext, draft: Draft) -> int:
    """正常 / 需要帮助 / 发现隐患; then the note."""
    chosen = await kit.picked(update, context, b.VI_FINDING, rules.FINDINGS)
    if chosen is None:
        return State.FINDING
    draft["finding"] = chosen
    case = chosen in rules.CASE_FINDINGS
    low, high = rules.CASE_NOTE if case else rules.NOTE
    lang = await language_of(update, context)
    rows = [] if case else [[(t(context, lang, "visits.btn_skip"), b.VI_SKIP.pack())]]
    await kit.ask(
        update, context, "visits.ask_note", rows, b.VI_CANCEL, edit=True, case=case, min=low,
        max=high,
    )  # fmt: skip
    return State.NOTE


@form
async def note(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The note (a case's description)."""
    case = draft.get("finding") in rules.CASE_FINDINGS
    bounds = rules.CASE_NOTE if case else (1, rules.NOTE[1])
    text = await kit.typed_within(update, context, bounds, "visits.bad_length")
    if text is None:
        return State.NOTE
    draft["note"] = text
    return await _ask_photo(update, context, edit=False)


@form
async def no_note(update: Update, context: MinhuContext, draft: Draft) -> int:
    """No note (正常 only)."""
    if draft.get("finding") in rules.CASE_FINDINGS:
        await answer(update, context, "common.invalid_button")
        return State.NOTE
    await answer(update, context)
    draft["note"] = ""
    return await _ask_photo(update, context, edit=True)


async def _ask_photo(update: Update, context: MinhuContext, *, edit: bool) -> int:
    lang = await language_of(update, context)
    rows = [[(t(context, lang, "visits.btn_no_photo"), b.VI_NO_PHOTO.pack())]]
    await kit.ask(update, context, "visits.ask_photo", rows, b.VI_CANCEL, edit=edit)
    return State.PHOTO


@form
async def photo(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A photo: the visit is recorded now."""
    draft["photo"] = list(sent_photo(update))
    return await _log(update, context, draft)


@form
async def no_photo(update: Update, context: MinhuContext, draft: Draft) -> int:
    """No photo: the visit is recorded now."""
    draft["photo"] = None
    return await _log(update, context, draft)


async def _log(update: Update, context: MinhuContext, draft: Draft) -> int:
    """Record the visit once; the answer comes through the outbox, after the commit."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    context.user_data.pop(DRAFT, None)
    edit = update.callback_query is not None
    key = draft.setdefault("id", submissions.new_key())
    loc, pic = draft.get("location"), draft.get("photo")
    if "household_id" not in draft or "finding" not in draft:
        await kit.refuse(update, context, Refused("expired"), edit=edit)
        return ConversationHandler.END
    visit = visits.Visit(
        household_id=draft["household_id"],
        finding=draft["finding"],
        note=draft.get("note", ""),
        latitude=loc[0] if loc else None,
        longitude=loc[1] if loc else None,
        photo=(pic[0], pic[1]) if pic else None,
    )
    try:
        logged = await visits.log_visit(context.services, user.id, visit, key=key)
    except Refused as refused:
        await kit.refuse(update, context, refused, edit=edit)
        return ConversationHandler.END
    await answer(update, context)
    ticket = logged.ticket
    if not logged.again:
        record = ticket.number if ticket else f"visit #{logged.visit_id}"
        await committed(update, context, key=key, record=record)
    await retire_buttons(update, context)
    return ConversationHandler.END


async def withdraw(update: Update, context: MinhuContext) -> None:
    """🗑 on a household's card: asks to confirm (the grid's workers, dispatchers, admins)."""
    assert update.effective_user is not None
    household_id = b.VI_WITHDRAW.one(pressed(update))
    h = await visits.household(context.services, household_id) if household_id else None
    if h is None or not await visits.may_see(context.services, update.effective_user.id, h.grid_id):
        await answer(update, context, "common.invalid_button")
        return
    await answer(update, context)
    if h.status != "active":
        await say(update, context, "visits.withdrawn", edit=True, again=True)
        return
    lang = await language_of(update, context)
    rows = [[(t(context, lang, "visits.btn_withdraw_yes"), b.VI_WITHDRAW_YES.pack(h.id))]]
    await say(update, context, "visits.ask_withdraw", edit=True, markup=keyboard(rows), name=h.name)


async def withdraw_confirmed(update: Update, context: MinhuContext) -> None:
    """Confirmed: the household's personal data is erased (once; a second press says so)."""
    assert update.effective_user is not None
    household_id = b.VI_WITHDRAW_YES.one(pressed(update))
    if household_id is None:
        await answer(update, context, "common.invalid_button")
        return
    try:
        erased = await visits.withdraw(context.services, update.effective_user.id, household_id)
    except Refused:
        await answer(update, context, "common.invalid_button")
        return
    await answer(update, context)
    await say(update, context, "visits.withdrawn", edit=True, again=not erased)


def handlers() -> list[BaseHandler]:
    """The /visit conversation (persistent: it survives a restart), and a household's
    withdrawal of consent (its buttons work outside the conversation too)."""
    buttons = "visits.expect_button"
    return [
        kit.conversation(
            "visit",
            entry_points=[CommandHandler("visit", start)],
            states={
                State.HOUSEHOLD: kit.buttons_step(buttons, (b.VI_HOUSEHOLD, household)),
                State.WHERE: kit.location_step(location, door, "visits.expect_location"),
                State.FINDING: kit.buttons_step(buttons, (b.VI_FINDING, finding)),
                State.NOTE: kit.typed_or_pressed(note, "visits.expect_text", (b.VI_SKIP, no_note)),
                State.PHOTO: kit.photo_step(
                    photo, (b.VI_NO_PHOTO, no_photo), "visits.expect_photo"
                ),
            },
            cancel=kit.cancelled_with_keyboard("visits.cancelled", DRAFT),
            cancel_button=b.VI_CANCEL,
        ),
        CallbackQueryHandler(withdraw, pattern=b.VI_WITHDRAW.pattern),
        CallbackQueryHandler(withdraw_confirmed, pattern=b.VI_WITHDRAW_YES.pattern),
    ]
