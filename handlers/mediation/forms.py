"""The mediator's two forms on a case's card: 📅 schedule a session (time → place → helpers)
and the outcome (调解成功 / 部分达成: the terms, then a photo of the signed agreement or none;
调解不成: where it is referred, then why)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.core import dates
from bot.core.refusals import Refusal
from bot.mediation import buttons as b
from bot.mediation import rules
from bot.mediation import service as mediation
from bot.mediation import work as mediation_work
from bot.mediation.rules import Status
from bot.runtime.services import MinhuContext
from handlers.kit import conversation as kit
from handlers.kit.common import answer, language_of, pressed, say, sent_photo, t
from handlers.mediation.work import show

WORK = "mediation_work"

State = IntEnum("State", "WHEN PLACE HELPERS TERMS PHOTO REFERRAL REASON", start=710)


async def _work(update: Update, context: MinhuContext) -> dict[str, Any] | None:
    data = context.user_data
    work = data.get(WORK) if data is not None else None
    if not isinstance(work, dict):
        await say(update, context, "mediation.expired")
        return None
    return work


async def schedule_start(update: Update, context: MinhuContext) -> int:
    """📅: the mediator of an active case; when."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    case_id = b.SCHEDULE.one(pressed(update))
    try:
        case = await mediation.read(context.services, user.id, case_id)
        if not case.is_mediator or case.m.status != Status.ACTIVE:
            raise rules.Moved("not_active")
    except Refusal as refused:
        await kit.refuse_pressed(update, context, refused)
        return ConversationHandler.END
    await answer(update, context)
    context.user_data[WORK] = {"case": case.m.id}
    await kit.ask(update, context, "mediation.ask_when", [], b.CANCEL, number=case.m.number)
    return State.WHEN


async def when(update: Update, context: MinhuContext) -> int | None:
    """A local time typed."""
    work = await _work(update, context)
    if work is None:
        return ConversationHandler.END
    assert update.message is not None
    services = context.services
    moment = dates.parse_moment(
        update.message.text or "", services.settings.tz, services.clock.now()
    )
    if moment is None or moment <= services.clock.now():
        await say(update, context, "mediation.bad_when")
        return State.WHEN
    work["at"] = moment.astimezone(UTC).isoformat()
    await kit.ask(update, context, "mediation.ask_place", [], b.CANCEL, max=rules.PLACE[1])
    return State.PLACE


async def _typed_then_ask(
    update: Update,
    context: MinhuContext,
    typed: tuple[str, tuple[int, int], State],
    ask: tuple[str, str, str, State],
    **ctx: Any,
) -> int | None:
    """A typed step of a form: `typed` = (the work's field, its limits, this step), the text
    kept there; then `ask` = (the next question, its one button's label and data, the next
    step), with 取消 under it. Too short or too long: said, and this step again."""
    work = await _work(update, context)
    if work is None:
        return ConversationHandler.END
    field, limits, step = typed
    text = await kit.typed_within(update, context, limits, "mediation.bad_length")
    if text is None:
        return step
    work[field] = text
    question, label, data, after = ask
    lang = await language_of(update, context)
    await kit.ask(update, context, question, [[(t(context, lang, label), data)]], b.CANCEL, **ctx)
    return after


async def place(update: Update, context: MinhuContext) -> int | None:
    """Where; then who else helps."""
    return await _typed_then_ask(
        update,
        context,
        ("place", rules.PLACE, State.PLACE),
        ("mediation.ask_helpers", "mediation.btn_no_helpers", b.NO_HELPERS.pack(), State.HELPERS),
        max=rules.HELPERS[1],
    )


async def helpers(update: Update, context: MinhuContext) -> int | None:
    """Who else helps (家属, 乡贤), typed, or none: the session is scheduled."""
    work = await _work(update, context)
    if work is None:
        return ConversationHandler.END
    text = ""
    if update.message is not None:
        typed = await kit.typed_within(
            update, context, (1, rules.HELPERS[1]), "mediation.bad_length"
        )
        if typed is None:
            return State.HELPERS
        text = typed
    else:
        await answer(update, context)
    user = update.effective_user
    assert user is not None and context.user_data is not None
    context.user_data.pop(WORK, None)
    try:
        await mediation_work.schedule(
            context.services,
            user.id,
            work.get("case"),
            starts_at=datetime.fromisoformat(work["at"]),
            place=work["place"],
            helpers=text,
        )
        case = await mediation.read(context.services, user.id, work.get("case"))
    except Refusal as refused:
        await kit.refuse(update, context, refused)
        return ConversationHandler.END
    await show(update, context, case, edit=update.callback_query is not None)
    return ConversationHandler.END


async def outcome_start(update: Update, context: MinhuContext) -> int:
    """An outcome pressed: the terms, or where it is referred."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    found = b.OUTCOME.parse(pressed(update))
    try:
        case = await mediation.read(context.services, user.id, found[0] if found else None)
        if not case.is_mediator or case.m.status != Status.ACTIVE:
            raise rules.Moved("not_active")
    except Refusal as refused:
        await kit.refuse_pressed(update, context, refused)
        return ConversationHandler.END
    assert found is not None
    await answer(update, context)
    context.user_data[WORK] = {"case": case.m.id, "outcome": found[1]}
    if found[1] == Status.FAILED:
        lang = await language_of(update, context)
        rows = [
            [(t(context, lang, f"mediation.referral_{r}"), b.REFERRAL.pack(r))]
            for r in rules.REFERRALS
        ]
        await kit.ask(update, context, "mediation.ask_referral", rows, b.CANCEL)
        return State.REFERRAL
    await kit.ask(update, context, "mediation.ask_terms", [], b.CANCEL, max=rules.TERMS[1])
    return State.TERMS


async def terms(update: Update, context: MinhuContext) -> int | None:
    """The agreement's terms; then a photo of it, or none."""
    return await _typed_then_ask(
        update,
        context,
        ("terms", rules.TERMS, State.TERMS),
        ("mediation.ask_photo", "mediation.btn_no_photo", b.NO_PHOTO.pack(), State.PHOTO),
    )


async def photo(update: Update, context: MinhuContext) -> int | None:
    """A photo of the signed agreement (or none): the outcome is recorded."""
    work = await _work(update, context)
    if work is None:
        return ConversationHandler.END
    if update.message is not None and update.message.photo:
        work["photo"] = sent_photo(update)[0]
    else:
        await answer(update, context)
    return await _close(update, context, work)


async def referral(update: Update, context: MinhuContext) -> int | None:
    """Where a failed mediation is referred; then why."""
    work = await _work(update, context)
    if work is None:
        return ConversationHandler.END
    chosen = await kit.picked(update, context, b.REFERRAL, rules.REFERRALS)
    if chosen is None:
        return State.REFERRAL
    work["referral"] = chosen
    await say(update, context, "mediation.ask_reason", edit=True, max=rules.REASON[1])
    return State.REASON


async def reason(update: Update, context: MinhuContext) -> int | None:
    """Why it failed: the outcome is recorded."""
    work = await _work(update, context)
    if work is None:
        return ConversationHandler.END
    text = await kit.typed_within(update, context, rules.REASON, "mediation.bad_length")
    if text is None:
        return State.REASON
    work["reason"] = text
    return await _close(update, context, work)


async def _close(update: Update, context: MinhuContext, work: dict[str, Any]) -> int:
    user = update.effective_user
    assert user is not None and context.user_data is not None
    context.user_data.pop(WORK, None)
    try:
        await mediation_work.close(
            context.services,
            user.id,
            work.get("case"),
            str(work.get("outcome")),
            terms=work.get("terms"),
            photo=work.get("photo"),
            referral=work.get("referral"),
            reason=work.get("reason"),
        )
        case = await mediation.read(context.services, user.id, work.get("case"))
    except Refusal as refused:
        await kit.refuse(update, context, refused)
        return ConversationHandler.END
    await show(update, context, case, edit=update.callback_query is not None)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The mediator's forms (persistent: they survive a restart)."""
    words, press = "mediation.expect_text", "mediation.expect_button"
    forms = kit.conversation(
        "mediation_work",
        entry_points=[
            CallbackQueryHandler(schedule_start, pattern=b.SCHEDULE.pattern),
            CallbackQueryHandler(outcome_start, pattern=b.OUTCOME.pattern),
        ],
        states={
            State.WHEN: kit.typed_step(when, words),
            State.PLACE: kit.typed_step(place, words),
            State.HELPERS: [
                CallbackQueryHandler(helpers, pattern=b.NO_HELPERS.pattern),
                *kit.typed_step(helpers, words),
            ],
            State.TERMS: kit.typed_step(terms, words),
            State.PHOTO: kit.photo_step(photo, (b.NO_PHOTO, photo), "mediation.expect_photo"),
            State.REFERRAL: kit.buttons_step(press, (b.REFERRAL, referral)),
            State.REASON: kit.typed_step(reason, words),
        },
        cancel=kit.cancelled("mediation.cancelled", WORK),
        cancel_button=b.CANCEL,
    )
    return [forms]
