"""The resident's side of a complaint's life: the answer to 办结 as 12345 asks it — 满意 /
基本满意 close it (stars may follow, optional), 不满意 asks why and sends it back for 重办 to
the same handler — reopen, and the answer to the 30-day follow-up (回头看).

The buttons come from notices (`cr:sat`, `cr:basic`, `cr:notfixed`, `cr:back`, `cr:fine`; the
`cr:fixed` of notices made before asks the question) and from /my (the same, `cr:reopen`).
Every press is checked again on the server; a refusal gets a polite answer from a template
and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from enum import IntEnum
from typing import Any, TypedDict

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.complaints import service
from bot.complaints.buttons import (
    BASIC,
    CAME_BACK,
    FEEDBACK_CANCEL,
    FIXED,
    NOT_FIXED,
    RATE,
    REOPEN,
    RESOLVED,
    SATISFIED,
    STILL_FINE,
)
from bot.complaints.notices import in_charge_reachable
from bot.complaints.rules import (
    Action,
    Actor,
    NotAllowed,
    ResidentRefused,
    Satisfaction,
    allowed_actions,
)
from bot.core.buttons import Family
from bot.core.clock import from_iso, to_iso
from bot.runtime.services import MinhuContext, Services
from handlers.kit import conversation as kit
from handlers.kit import edits
from handlers.kit.common import Row, answer, keyboard, language_of, pressed, say, t
from handlers.kit.conversation import Callback
from storage import complaints, geo
from storage.models import Complaint

MIN_REASON, MAX_REASON = 2, 500
STARS = range(1, 6)
REASON_EXPIRES = timedelta(hours=24)  # a stray text days later must not reopen anything
FOLLOW_UP_ANSWERS = frozenset({"relapse", "followup_ok"})  # history events of an answer
SLOT = "feedback"  # the user's data slot of the question asked
log = logging.getLogger(__name__)


State = IntEnum("State", "REASON", start=110)  # 30 before this version: see `kit.renumbered`


class Asked(TypedDict, total=False):
    """The "what is still wrong?" question asked (JSON, in the user's persisted data)."""

    complaint_id: int
    action: str  # Action.NOT_FIXED or Action.REOPEN
    asked_at: str  # when (a stray text a day later must not reopen anything)


# What the reporter may do from /my, in the order the buttons are shown.
RESIDENT_BUTTONS = (
    (Action.CONFIRM, "notices.btn_satisfied", SATISFIED),
    (Action.CONFIRM, "notices.btn_basic", BASIC),
    (Action.NOT_FIXED, "notices.btn_not_fixed", NOT_FIXED),
    (Action.REOPEN, "my.btn_reopen", REOPEN),
)


async def reporter_actions(services: Services, complaint: Complaint) -> list[Action]:
    """What the complaint's reporter could do with it now (`act` still checks)."""
    category = await geo.category(services.db, complaint.category_id, active_only=False)
    if category is None:
        return []
    ticket = service.ticket_of(complaint, category)
    return allowed_actions(ticket, frozenset({Actor.REPORTER}), services.clock.now())


def resident_buttons(
    context: MinhuContext, lang: str, complaint_id: int, allowed: list[Action]
) -> list[Row]:
    """Buttons for /my: 满意 / 基本满意 / 不满意 while resolved, reopen within 7 days of
    closing."""
    return [
        [(t(context, lang, label), family.pack(complaint_id))]
        for action, label, family in RESIDENT_BUTTONS
        if action in allowed
    ]


async def _own(services: Services, complaint_id: int | None, user_id: int) -> Complaint:
    """The complaint behind a button, if this person filed it."""
    found = await complaints.get(services.db, complaint_id) if complaint_id else None
    if found is None or found.reporter_id != user_id:
        raise NotAllowed("not_allowed")
    return found


async def _may(
    services: Services, complaint_id: int | None, user_id: int, action: Action
) -> Complaint:
    """The complaint, if its reporter may do `action` now (checked before asking anything)."""
    found = await _own(services, complaint_id, user_id)
    if action not in await reporter_actions(services, found):
        raise NotAllowed("wrong_state")
    return found


async def _refuse(update: Update, context: MinhuContext, refused: NotAllowed) -> int:
    """Say politely, in the resident's words, why nothing happened."""
    await kit.refuse(update, context, ResidentRefused(refused.reason, **refused.values))
    return ConversationHandler.END


async def _retire_buttons(update: Update, context: MinhuContext) -> None:
    """Take the buttons off the pressed message: the choice is made."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    try:
        await edits.edit_buttons(context, query.message.chat_id, query.message.message_id, None)
    except BadRequest as exc:
        log.info("could not retire the buttons: %s", exc.message)


def _user_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


async def fixed(update: Update, context: MinhuContext) -> None:
    """'Fixed' (a notice made before satisfaction was asked): ask 满意 / 基本满意 / 不满意."""
    try:
        found = await _may(
            context.services, FIXED.one(pressed(update)), _user_id(update), Action.CONFIRM
        )
    except NotAllowed as refused:
        await _refuse(update, context, refused)
        return
    await answer(update, context)
    await _retire_buttons(update, context)
    lang = await language_of(update, context)
    rows = [[(t(context, lang, label), family.pack(found.id)) for label, family in RESOLVED]]
    await say(
        update, context, "feedback.ask_satisfaction", markup=keyboard(rows), number=found.number
    )


def satisfied(level: Satisfaction, family: Family) -> Callback:
    """满意 or 基本满意: the complaint closes as confirmed; stars are offered as a detail."""

    async def press(update: Update, context: MinhuContext) -> None:
        try:
            closed = await service.act(
                context.services,
                family.one(pressed(update)) or 0,
                Action.CONFIRM,
                _user_id(update),
                satisfaction=level,
            )
        except NotAllowed as refused:
            await _refuse(update, context, refused)
            return
        await answer(update, context)
        lang = await language_of(update, context)
        rows = [
            [(t(context, lang, "feedback.btn_stars", stars=n), RATE.pack(closed.id, n))]
            for n in STARS
        ]
        await say(
            update,
            context,
            "feedback.answered",
            edit=True,
            markup=keyboard(rows),
            number=closed.number,
            satisfaction=level.value,
        )

    press.__doc__ = f"{level.value}: the complaint closes as confirmed."
    return press


async def rate(update: Update, context: MinhuContext) -> None:
    """Stars after 满意 / 基本满意: kept as a detail (once)."""
    complaint_id, stars = RATE.parse(pressed(update)) or (0, 0)
    try:
        closed = await service.act(
            context.services, complaint_id, Action.RATE, _user_id(update), rating=stars
        )
    except NotAllowed as refused:
        await _refuse(update, context, refused)
        return
    await answer(update, context)
    await say(update, context, "feedback.rated", edit=True, number=closed.number, stars=stars)


def ask_reason(action: Action, family: Family) -> Callback:
    """'Not fixed' or 'reopen': ask what is still wrong."""

    async def ask(update: Update, context: MinhuContext) -> int:
        assert context.user_data is not None
        complaint_id = family.one(pressed(update))
        try:
            found = await _may(context.services, complaint_id, _user_id(update), action)
        except NotAllowed as refused:
            context.user_data.pop(SLOT, None)  # a question asked before is over too
            return await _refuse(update, context, refused)
        asked: Asked = {
            "complaint_id": found.id,
            "action": action.value,
            "asked_at": to_iso(context.services.clock.now()),
        }
        context.user_data[SLOT] = asked
        await answer(update, context)
        await _retire_buttons(update, context)
        await kit.ask(
            update,
            context,
            "feedback.ask_reason",
            [],
            FEEDBACK_CANCEL,
            number=found.number,
            reopen=action is Action.REOPEN,
            min=MIN_REASON,
            max=MAX_REASON,
        )
        return State.REASON

    ask.__doc__ = f"{action.value}: ask what is still wrong."
    return ask


@kit.draft_step(SLOT, role=None, expired="feedback.reason_expired")
async def reason(update: Update, context: MinhuContext, asked: Asked) -> int:
    """The reason was typed: the complaint goes back for 重办 (or is reopened) with it."""
    assert context.user_data is not None
    asked_at = asked.get("asked_at")
    if asked_at is None:
        await say(update, context, "feedback.reason_expired")
        return ConversationHandler.END
    if from_iso(asked_at) + REASON_EXPIRES < context.services.clock.now():
        context.user_data.pop(SLOT, None)
        await say(update, context, "feedback.reason_expired")
        return ConversationHandler.END
    text = await kit.typed_within(update, context, (MIN_REASON, MAX_REASON), "feedback.bad_reason")
    if text is None:
        return State.REASON
    context.user_data.pop(SLOT, None)
    try:
        reopened = await service.act(
            context.services,
            int(asked["complaint_id"]),
            Action(asked["action"]),
            _user_id(update),
            note=text,
        )
    except NotAllowed as refused:
        return await _refuse(update, context, refused)
    told = await in_charge_reachable(context.services, reopened)
    redo = Action(asked["action"]) is Action.NOT_FIXED
    await say(update, context, "feedback.reopened", number=reopened.number, told=told, redo=redo)
    return ConversationHandler.END


cancel = kit.cancelled("feedback.cancelled", SLOT)


async def _follow_up_target(
    services: Services, complaint_id: int | None, user_id: int
) -> Complaint:
    """The complaint a follow-up answer is about, if it is this person's and not yet answered."""
    found = await _own(services, complaint_id, user_id)
    if any(e.kind in FOLLOW_UP_ANSWERS for e in found.events):
        raise NotAllowed("already_done")
    return found


Reply = tuple[str, dict[str, Any]]


def follow_up(
    family: Family, record: Callable[[Services, Complaint, int], Awaitable[Reply]]
) -> Callback:
    """An answer to the 30-day follow-up: `record` it, and say what it returns."""

    async def press(update: Update, context: MinhuContext) -> None:
        user_id = _user_id(update)
        try:
            old = await _follow_up_target(context.services, family.one(pressed(update)), user_id)
            key, values = await record(context.services, old, user_id)
        except NotAllowed as refused:
            await _refuse(update, context, refused)
            return
        await answer(update, context)
        await _retire_buttons(update, context)
        await say(update, context, key, **values)

    press.__doc__ = record.__doc__
    return press


async def _came_back(services: Services, old: Complaint, user_id: int) -> Reply:
    """Follow-up: the problem came back — a new complaint linked to the old one."""
    new = await service.relapse(services, old.id, user_id)
    told = await in_charge_reachable(services, new)
    return "feedback.relapsed", {"number": new.number, "old_number": old.number, "told": told}


async def _still_fine(services: Services, old: Complaint, user_id: int) -> Reply:
    """Follow-up: the problem has not come back."""
    await service.still_fine(services, old.id, user_id)
    return "feedback.still_fine", {"number": old.number}


def handlers() -> list[BaseHandler]:
    """The resident's buttons, and the 'what is still wrong?' conversation (persistent)."""
    form = kit.conversation(
        "feedback",
        entry_points=[
            CallbackQueryHandler(ask_reason(action, family), pattern=family.pattern)
            for action, family in ((Action.NOT_FIXED, NOT_FIXED), (Action.REOPEN, REOPEN))
        ],
        states={State.REASON: kit.typed_step(reason, "feedback.expect_text")},
        cancel=cancel,
        cancel_button=FEEDBACK_CANCEL,
    )
    return [
        kit.renumbered(form, State, was=30),
        CallbackQueryHandler(fixed, pattern=FIXED.pattern),
        CallbackQueryHandler(
            satisfied(Satisfaction.SATISFIED, SATISFIED), pattern=SATISFIED.pattern
        ),
        CallbackQueryHandler(satisfied(Satisfaction.BASIC, BASIC), pattern=BASIC.pattern),
        CallbackQueryHandler(rate, pattern=RATE.pattern),
        CallbackQueryHandler(follow_up(CAME_BACK, _came_back), pattern=CAME_BACK.pattern),
        CallbackQueryHandler(follow_up(STILL_FINE, _still_fine), pattern=STILL_FINE.pattern),
    ]
