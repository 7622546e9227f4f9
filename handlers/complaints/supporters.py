"""A "me too" supporter's own answer after 办结: 满意 / 基本满意 / 不满意, theirs alone (the
rules: `bot.complaints.supporters`). The buttons come with their 办结 notice and in /my; every
press is checked again on the server, and a refusal changes nothing."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.complaints import supporters
from bot.complaints.buttons import (
    SUPPORTER_ANSWERS,
    SUPPORTER_BASIC,
    SUPPORTER_SATISFIED,
    SUPPORTER_UNSATISFIED,
)
from bot.complaints.rules import NotAllowed, ResidentRefused
from bot.complaints.supporters import Answer
from bot.core.buttons import Family
from bot.runtime.services import MinhuContext
from handlers.kit import conversation as kit
from handlers.kit.common import Row, answer, pressed, say, t
from handlers.kit.conversation import Callback


def answer_buttons(context: MinhuContext, lang: str, complaint_id: int) -> list[Row]:
    """The supporter's three answers, in one row (for /my)."""
    return [[(t(context, lang, label), fam.pack(complaint_id)) for label, fam in SUPPORTER_ANSWERS]]


def answered(level: Answer, family: Family) -> Callback:
    """One of the three answers: recorded once for this 办结, and told to the handler."""

    async def press(update: Update, context: MinhuContext) -> None:
        assert update.effective_user is not None
        try:
            case = await supporters.answer(
                context.services, family.one(pressed(update)) or 0, update.effective_user.id, level
            )
        except NotAllowed as refused:
            await kit.refuse(update, context, ResidentRefused(refused.reason, **refused.values))
            return
        await answer(update, context)
        await say(
            update,
            context,
            "feedback.supporter_answered",
            edit=True,
            number=case.number,
            satisfaction=level.value,
        )

    press.__doc__ = f"A supporter answers {level.value}."
    return press


def handlers() -> list[BaseHandler]:
    """The supporters' answers."""
    return [
        CallbackQueryHandler(answered(level, family), pattern=family.pattern)
        for level, family in (
            (Answer.SATISFIED, SUPPORTER_SATISFIED),
            (Answer.BASIC, SUPPORTER_BASIC),
            (Answer.UNSATISFIED, SUPPORTER_UNSATISFIED),
        )
    ]
