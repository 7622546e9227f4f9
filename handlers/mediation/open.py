"""/mediate (residents): the kind (邻里, 家庭, 物业, 土地, 劳资, 其他) → the other side: their name
typed, or 🔗 a resident of this bot invited by a one-time link → what happened → confirm. The
case is written with its answer and the mediator's notice in one transaction
(`bot.mediation.service.open_case`); a second press of 确认 opens nothing more."""

from __future__ import annotations

from enum import IntEnum

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.core.refusals import Refusal
from bot.mediation import buttons as b
from bot.mediation import rules
from bot.mediation import service as mediation
from bot.mediation.service import Draft
from bot.runtime.services import MinhuContext
from handlers.kit import conversation as kit
from handlers.kit.common import answer, in_rows, language_of, t
from handlers.kit.submitted import (
    ask_to_confirm,
    committed,
    end_if_open,
    key_in,
    open_form,
    outside,
    retire_buttons,
    toast,
)
from storage import submissions

DRAFT = "mediation_draft"

State = IntEnum("State", "KIND OTHER SUMMARY CONFIRM", start=700)

form = kit.draft_step(DRAFT, role=None, expired="mediation.expired")


async def start(update: Update, context: MinhuContext) -> int:
    """/mediate: registered residents; staff with a complaint's number (/mediate MH-…) for its
    reporter. Which kind of dispute."""
    if await kit.registered(update, context, with_grid=True) is None:
        return ConversationHandler.END
    assert context.user_data is not None and update.effective_user is not None
    draft: dict[str, object] = {"id": submissions.new_key()}
    if context.args:
        try:
            c = await mediation.from_complaint(
                context.services, update.effective_user.id, context.args[0]
            )
        except Refusal as refused:
            await kit.refuse(update, context, refused)
            return ConversationHandler.END
        draft |= {"complaint_id": c.id, "summary": c.description[: rules.SUMMARY[1]]}
    context.user_data[DRAFT] = draft
    lang = await language_of(update, context)
    rows = in_rows(
        [(t(context, lang, f"mediation.kind_{k}"), b.KIND.pack(k)) for k in rules.KINDS], 3
    )
    await kit.ask(update, context, "mediation.ask_kind", rows, b.CANCEL)
    return State.KIND


@form
async def kind(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The kind; then who the other side is."""
    chosen = await kit.picked(update, context, b.KIND, rules.KINDS)
    if chosen is None:
        return State.KIND
    draft["kind"] = chosen
    lang = await language_of(update, context)
    staff = draft.get("complaint_id") is not None  # staff name the other side
    rows = [] if staff else [[(t(context, lang, "mediation.btn_invite"), b.INVITE.pack())]]
    await kit.ask(
        update, context, "mediation.ask_other", rows, b.CANCEL, edit=True, max=rules.NAME[1]
    )
    return State.OTHER


async def _ask_summary(update: Update, context: MinhuContext, *, edit: bool) -> int:
    low, high = rules.SUMMARY
    await kit.ask(
        update, context, "mediation.ask_summary", [], b.CANCEL, edit=edit, min=low, max=high
    )
    return State.SUMMARY


@form
async def other_named(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The other side's name, typed."""
    text = await kit.typed_within(update, context, rules.NAME, "mediation.bad_length")
    if text is None:
        return State.OTHER
    draft["other_name"] = text
    if draft.get("complaint_id") is not None:  # what happened: the complaint says it
        return await _confirm(update, context, draft)
    return await _ask_summary(update, context, edit=False)


@form
async def other_invited(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The other side is a resident of the bot: a link comes with the number."""
    if draft.get("complaint_id") is not None:
        await answer(update, context, "common.invalid_button")
        return State.OTHER
    await answer(update, context)
    draft["other_name"] = None
    return await _ask_summary(update, context, edit=True)


@form
async def summary(update: Update, context: MinhuContext, draft: Draft) -> int:
    """What happened; then the summary to confirm."""
    text = await kit.typed_within(update, context, rules.SUMMARY, "mediation.bad_length")
    if text is None:
        return State.SUMMARY
    draft["summary"] = text
    return await _confirm(update, context, draft)


async def _confirm(update: Update, context: MinhuContext, draft: Draft) -> int:
    lang = await language_of(update, context)
    await ask_to_confirm(
        update,
        context,
        "mediation.confirm",
        "mediation.btn_submit",
        b.SUBMIT.pack(draft["id"]),
        b.CANCEL,
        kind=t(context, lang, f"mediation.kind_{draft.get('kind', 'other')}"),
        other=draft.get("other_name"),
        what=draft.get("summary", ""),
    )
    return State.CONFIRM


async def confirm(update: Update, context: MinhuContext, *, inside: bool = True) -> int | None:
    """确认: the case is opened once; a press again answers with its number."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    key = key_in(update)
    if key is None:
        await answer(update, context, "common.invalid_button")
        return None
    done = await submissions.find(context.services.db, key)
    if done is not None and done.kind == "mediation":
        await toast(update, context, "mediation.opened_already")
        return end_if_open(context, DRAFT, key)
    draft = await open_form(
        update, context, DRAFT, key, inside=inside, expired=rules.Moved("expired")
    )
    if draft is None:
        return end_if_open(context, DRAFT, key)
    try:
        opened = await mediation.open_case(
            context.services, user.id, draft, key=key, bot_username=context.bot.username or ""
        )
    except Refusal as refused:
        await kit.refuse(update, context, refused, edit=True)
        return ConversationHandler.END
    await answer(update, context)
    await committed(update, context, key=key, record=opened.number)
    await retire_buttons(update, context)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The /mediate conversation, and its confirm pressed while it is closed."""
    press = "mediation.expect_button"
    words = "mediation.expect_text"
    conv = kit.conversation(
        "mediate",
        entry_points=[CommandHandler("mediate", start)],
        states={
            State.KIND: kit.buttons_step(press, (b.KIND, kind)),
            State.OTHER: [
                CallbackQueryHandler(other_invited, pattern=b.INVITE.pattern),
                *kit.typed_step(other_named, words),
            ],
            State.SUMMARY: kit.typed_step(summary, words),
            State.CONFIRM: kit.buttons_step(press, (b.SUBMIT, confirm)),
        },
        cancel=kit.cancelled("mediation.cancelled", DRAFT),
        cancel_button=b.CANCEL,
    )
    return [conv, CallbackQueryHandler(outside(confirm), pattern=b.SUBMIT.pattern)]
