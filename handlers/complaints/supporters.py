"""A "me too" supporter's own answer after 办结: 满意 / 基本满意 / 不满意, theirs alone (the
rules: `bot.complaints.supporters`); after 不满意 they may say why (optional: the answer is
recorded at the press, the words follow or not). The buttons come with their 办结 notice and
in /my; every press is checked again on the server, and a refusal changes nothing."""

from __future__ import annotations

from enum import IntEnum
from typing import Any, TypedDict

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.complaints import supporters
from bot.complaints.buttons import (
    FEEDBACK_CANCEL,
    SUPPORTER_ANSWERS,
    SUPPORTER_BASIC,
    SUPPORTER_SATISFIED,
    SUPPORTER_UNSATISFIED,
)
from bot.complaints.rules import NotAllowed, ResidentRefused
from bot.complaints.supporters import Answer
from bot.core.buttons import Family
from bot.core.clock import from_iso, to_iso
from bot.runtime.services import MinhuContext
from handlers.complaints.feedback import MAX_REASON, MIN_REASON, REASON_EXPIRES
from handlers.kit import conversation as kit
from handlers.kit.common import Row, answer, pressed, say, t
from handlers.kit.conversation import Callback

SLOT = "supporter_reason"  # the user's data slot of the "why?" asked
State = IntEnum("State", "REASON", start=116)


class Asked(TypedDict, total=False):
    """The optional "why not satisfied?" asked (JSON, in the user's persisted data)."""

    complaint_id: int
    asked_at: str


def answer_buttons(context: MinhuContext, lang: str, complaint_id: int) -> list[Row]:
    """The supporter's three answers, in one row (for /my)."""
    return [[(t(context, lang, label), fam.pack(complaint_id)) for label, fam in SUPPORTER_ANSWERS]]


async def _refuse(update: Update, context: MinhuContext, refused: NotAllowed) -> int:
    await kit.refuse(update, context, ResidentRefused(refused.reason, **refused.values))
    return ConversationHandler.END


def answered(level: Answer, family: Family) -> Callback:
    """One of the three answers: recorded once for this 办结, and told to the handler; after
    不满意, "why?" is asked (optional)."""

    async def press(update: Update, context: MinhuContext) -> int:
        assert update.effective_user is not None and context.user_data is not None
        try:
            case = await supporters.answer(
                context.services, family.one(pressed(update)) or 0, update.effective_user.id, level
            )
        except NotAllowed as refused:
            return await _refuse(update, context, refused)
        await answer(update, context)
        words: dict[str, Any] = {"number": case.number, "satisfaction": level.value}
        if level is not Answer.UNSATISFIED:
            await say(update, context, "feedback.supporter_answered", edit=True, **words)
            return ConversationHandler.END
        asked: Asked = {"complaint_id": case.id, "asked_at": to_iso(context.services.clock.now())}
        context.user_data[SLOT] = asked
        await kit.ask(
            update,
            context,
            "feedback.supporter_answered",
            [],
            FEEDBACK_CANCEL,
            edit=True,
            ask=True,
            min=MIN_REASON,
            max=MAX_REASON,
            **words,
        )
        return State.REASON

    press.__doc__ = f"A supporter answers {level.value}."
    return press


@kit.draft_step(SLOT, role=None, expired="feedback.supporter_reason_expired")
async def reason(update: Update, context: MinhuContext, asked: Asked) -> int:
    """Why not satisfied, typed: kept and told to the handler (once)."""
    assert context.user_data is not None and update.effective_user is not None
    asked_at = asked.get("asked_at")
    if asked_at is None or from_iso(asked_at) + REASON_EXPIRES < context.services.clock.now():
        context.user_data.pop(SLOT, None)
        await say(update, context, "feedback.supporter_reason_expired")
        return ConversationHandler.END
    text = await kit.typed_within(update, context, (MIN_REASON, MAX_REASON), "feedback.bad_reason")
    if text is None:
        return State.REASON
    context.user_data.pop(SLOT, None)
    try:
        case = await supporters.explain(
            context.services, int(asked.get("complaint_id") or 0), update.effective_user.id, text
        )
    except NotAllowed as refused:
        return await _refuse(update, context, refused)
    await say(update, context, "feedback.supporter_explained", number=case.number)
    return ConversationHandler.END


cancel = kit.cancelled("feedback.supporter_no_reason", SLOT)


def handlers() -> list[BaseHandler]:
    """The supporters' answers, and the optional "why?" after 不满意 (persistent)."""
    form = kit.conversation(
        "supporter_reason",
        entry_points=[
            CallbackQueryHandler(
                answered(Answer.UNSATISFIED, SUPPORTER_UNSATISFIED),
                pattern=SUPPORTER_UNSATISFIED.pattern,
            )
        ],
        states={State.REASON: kit.typed_step(reason, "feedback.expect_text")},
        cancel=cancel,
        cancel_button=FEEDBACK_CANCEL,
    )
    return [
        form,
        CallbackQueryHandler(
            answered(Answer.SATISFIED, SUPPORTER_SATISFIED), pattern=SUPPORTER_SATISFIED.pattern
        ),
        CallbackQueryHandler(
            answered(Answer.BASIC, SUPPORTER_BASIC), pattern=SUPPORTER_BASIC.pattern
        ),
    ]
