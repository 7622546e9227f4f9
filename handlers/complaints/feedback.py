"""The resident's side of a complaint's life: fixed (with a rating), not fixed, reopen, and
the answer to the 30-day follow-up (回头看).

The buttons come from notices (`cr:fixed`, `cr:notfixed`, `cr:back`, `cr:fine`) and from /my
(`cr:reopen`). Every press is checked again on the server; a refusal gets a polite answer
from a template and changes nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import IntEnum

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.complaints import service
from bot.complaints.notices import in_charge_reachable
from bot.complaints.rules import Action, Actor, NotAllowed, allowed_actions
from bot.core.clock import from_iso, to_iso
from bot.runtime.services import MinhuContext, Services
from handlers.kit.common import Row, answer, hint, keyboard, language_of, parse_int, say, t
from storage import complaints, geo
from storage.models import Complaint

PREFIX = "cr"
MIN_REASON, MAX_REASON = 2, 500
STARS = range(1, 6)
REASON_EXPIRES = timedelta(hours=24)  # a stray text days later must not reopen anything
FOLLOW_UP_ANSWERS = frozenset({"relapse", "followup_ok"})  # history events of an answer
log = logging.getLogger(__name__)


class State(IntEnum):
    REASON = 30


# NotAllowed.reason → the message that explains it (anything else: "not possible now").
REFUSALS = {
    "not_found": "feedback.refused_not_allowed",
    "not_allowed": "feedback.refused_not_allowed",
    "wrong_state": "feedback.refused_wrong_state",
    "stale": "feedback.refused_wrong_state",
    "already_done": "feedback.refused_already_done",
}
# What the reporter may do from /my, in the order the buttons are shown.
RESIDENT_BUTTONS = (
    (Action.CONFIRM, "notices.btn_fixed", "fixed"),
    (Action.NOT_FIXED, "notices.btn_not_fixed", "notfixed"),
    (Action.REOPEN, "my.btn_reopen", "reopen"),
)
VERB_ACTIONS = {"notfixed": Action.NOT_FIXED, "reopen": Action.REOPEN}


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
    """Buttons for /my: fixed / not fixed while resolved, reopen within 7 days of closing."""
    return [
        [(t(context, lang, label), f"{PREFIX}:{verb}:{complaint_id}")]
        for action, label, verb in RESIDENT_BUTTONS
        if action in allowed
    ]


def _parts(update: Update) -> list[str]:
    assert update.callback_query is not None
    return (update.callback_query.data or "").split(":")


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
    """Say politely why nothing happened."""
    await answer(update, context)
    await say(update, context, REFUSALS.get(refused.reason, "feedback.refused_wrong_state"))
    return ConversationHandler.END


async def _retire_buttons(update: Update) -> None:
    """Take the buttons off the pressed message: the choice is made."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    try:
        await query.message.edit_reply_markup(None)
    except BadRequest as exc:
        log.info("could not retire the buttons: %s", exc.message)


def _user_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


async def fixed(update: Update, context: MinhuContext) -> None:
    """'Fixed': ask for a rating, one big button per number of stars."""
    complaint_id = parse_int(_parts(update)[-1])
    try:
        found = await _may(context.services, complaint_id, _user_id(update), Action.CONFIRM)
    except NotAllowed as refused:
        await _refuse(update, context, refused)
        return
    await answer(update, context)
    await _retire_buttons(update)
    lang = await language_of(update, context)
    rows = [
        [(t(context, lang, "feedback.btn_stars", stars=n), f"{PREFIX}:rate:{found.id}:{n}")]
        for n in STARS
    ]
    await say(update, context, "feedback.ask_rating", markup=keyboard(rows), number=found.number)


async def rate(update: Update, context: MinhuContext) -> None:
    """A rating was pressed: the complaint closes as confirmed."""
    parts = _parts(update)
    complaint_id = parse_int(parts[2]) if len(parts) == 4 else None
    stars = parse_int(parts[3]) if len(parts) == 4 else None
    if complaint_id is None or stars not in STARS:
        await answer(update, context, "common.invalid_button")
        return
    try:
        closed = await service.act(
            context.services, complaint_id, Action.CONFIRM, _user_id(update), rating=stars
        )
    except NotAllowed as refused:
        await _refuse(update, context, refused)
        return
    await answer(update, context)
    await say(update, context, "feedback.rated", edit=True, number=closed.number, stars=stars)


async def ask_reason(update: Update, context: MinhuContext) -> int:
    """'Not fixed' or 'reopen': ask what is still wrong."""
    assert context.user_data is not None
    parts = _parts(update)
    action = VERB_ACTIONS.get(parts[1]) if len(parts) == 3 else None
    if action is None:
        await answer(update, context, "common.invalid_button")
        return ConversationHandler.END
    try:
        found = await _may(context.services, parse_int(parts[2]), _user_id(update), action)
    except NotAllowed as refused:
        context.user_data.pop("feedback", None)  # a question asked before is over too
        return await _refuse(update, context, refused)
    context.user_data["feedback"] = {
        "complaint_id": found.id,
        "action": action.value,
        "asked_at": to_iso(context.services.clock.now()),
    }
    await answer(update, context)
    await _retire_buttons(update)
    lang = await language_of(update, context)
    await say(
        update,
        context,
        "feedback.ask_reason",
        markup=keyboard([[(t(context, lang, "common.btn_cancel"), f"{PREFIX}:cancel")]]),
        number=found.number,
        reopen=action is Action.REOPEN,
        min=MIN_REASON,
        max=MAX_REASON,
    )
    return State.REASON


async def reason(update: Update, context: MinhuContext) -> int:
    """The reason was typed: the complaint is reopened with it."""
    assert update.message is not None and context.user_data is not None
    text = (update.message.text or "").strip()
    pending = context.user_data.get("feedback")
    asked_at = pending.get("asked_at") if isinstance(pending, dict) else None
    if pending is None or asked_at is None:
        await say(update, context, "feedback.reason_expired")
        return ConversationHandler.END
    if from_iso(str(asked_at)) + REASON_EXPIRES < context.services.clock.now():
        context.user_data.pop("feedback", None)
        await say(update, context, "feedback.reason_expired")
        return ConversationHandler.END
    if not MIN_REASON <= len(text) <= MAX_REASON:
        await say(
            update, context, "feedback.bad_reason", length=len(text), min=MIN_REASON, max=MAX_REASON
        )
        return State.REASON
    context.user_data.pop("feedback", None)
    try:
        reopened = await service.act(
            context.services,
            int(pending["complaint_id"]),
            Action(pending["action"]),
            _user_id(update),
            note=text,
        )
    except NotAllowed as refused:
        return await _refuse(update, context, refused)
    told = await in_charge_reachable(context.services, reopened)
    await say(update, context, "feedback.reopened", number=reopened.number, told=told)
    return ConversationHandler.END


async def cancel(update: Update, context: MinhuContext) -> int:
    """Leave without changing anything."""
    if context.user_data is not None:
        context.user_data.pop("feedback", None)
    await answer(update, context)
    await say(update, context, "feedback.cancelled", edit=update.callback_query is not None)
    return ConversationHandler.END


async def _follow_up_target(
    services: Services, complaint_id: int | None, user_id: int
) -> Complaint:
    """The complaint a follow-up answer is about, if it is this person's and not yet answered."""
    found = await _own(services, complaint_id, user_id)
    if any(e.kind in FOLLOW_UP_ANSWERS for e in found.events):
        raise NotAllowed("already_done")
    return found


async def came_back(update: Update, context: MinhuContext) -> None:
    """Follow-up: the problem came back — a new complaint linked to the old one."""
    user_id = _user_id(update)
    try:
        old = await _follow_up_target(context.services, parse_int(_parts(update)[-1]), user_id)
        new = await service.relapse(context.services, old.id, user_id)
    except NotAllowed as refused:
        await _refuse(update, context, refused)
        return
    await answer(update, context)
    await _retire_buttons(update)
    told = await in_charge_reachable(context.services, new)
    await say(
        update, context, "feedback.relapsed", number=new.number, old_number=old.number, told=told
    )


async def still_fine(update: Update, context: MinhuContext) -> None:
    """Follow-up: the problem has not come back."""
    user_id = _user_id(update)
    try:
        old = await _follow_up_target(context.services, parse_int(_parts(update)[-1]), user_id)
        await service.still_fine(context.services, old.id, user_id)
    except NotAllowed as refused:
        await _refuse(update, context, refused)
        return
    await answer(update, context)
    await _retire_buttons(update)
    await say(update, context, "feedback.still_fine", number=old.number)


def handlers() -> list[BaseHandler]:
    """The resident's buttons, and the 'what is still wrong?' conversation (persistent)."""
    text = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND
    return [
        ConversationHandler(
            entry_points=[
                CallbackQueryHandler(ask_reason, pattern=rf"^{PREFIX}:(notfixed|reopen):"),
            ],
            states={
                State.REASON: [
                    MessageHandler(text, reason),
                    MessageHandler(other, hint("feedback.expect_text")),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=rf"^{PREFIX}:cancel$"),
            ],
            name="feedback",
            persistent=True,
            allow_reentry=True,
        ),
        CallbackQueryHandler(fixed, pattern=rf"^{PREFIX}:fixed:"),
        CallbackQueryHandler(rate, pattern=rf"^{PREFIX}:rate:"),
        CallbackQueryHandler(came_back, pattern=rf"^{PREFIX}:back:"),
        CallbackQueryHandler(still_fine, pattern=rf"^{PREFIX}:fine:"),
    ]
