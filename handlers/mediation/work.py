"""A mediation's card and its buttons: /mediations (one's own cases; the cases one mediates or
oversees; for admins and dispatchers the statistics table), the invitation (/start tj_CODE),
consent, attendance, the follow-up's answer; the mediator's two forms — 📅 schedule a session
(time → place → helpers) and the outcome (调解成功 / 部分达成: terms, then a photo of the signed
agreement or none; 调解不成: where it is referred, then why)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core.buttons import Family
from bot.core.refusals import Refusal
from bot.mediation import buttons as b
from bot.mediation import rules, stats
from bot.mediation import service as mediation
from bot.mediation import work as mediation_work
from bot.mediation.rules import Status
from bot.people.roles import role_names
from bot.runtime.services import MinhuContext
from handlers.kit import conversation as kit
from handlers.kit.common import Row, answer, keyboard, language_of, pressed, say, t

INVITE_PREFIX = "tj_"  # /start tj_CODE: a mediation's one-time invitation
WORK = "mediation_work"

State = IntEnum("State", "WHEN PLACE HELPERS TERMS PHOTO REFERRAL REASON", start=710)


def _card_rows(context: MinhuContext, lang: str, case: mediation.Case) -> list[Row]:
    m = case.m
    rows: list[Row] = []
    if case.is_mediator and m.status == Status.PENDING and case.other.invite_code is None:
        rows.append([(t(context, lang, "mediation.btn_agreed"), b.CONSENT.pack(m.id, 1))])
        rows.append([(t(context, lang, "mediation.btn_refused"), b.CONSENT.pack(m.id, 0))])
    if case.is_mediator and m.status == Status.ACTIVE:
        rows.append([(t(context, lang, "mediation.btn_schedule"), b.SCHEDULE.pack(m.id))])
        for s in case.sessions[-1:]:
            for side in ("applicant", "other"):
                came = getattr(s, f"attended_{side}")
                for flag in (1, 0):
                    if came != flag:
                        label = t(context, lang, "mediation.btn_came", side=side, came=flag)
                        rows.append([(label, b.CAME.pack(s.id, side, flag))])
        rows.append(
            [
                (t(context, lang, f"mediation.outcome_{o}"), b.OUTCOME.pack(m.id, o))
                for o in rules.OUTCOMES
            ]
        )
    if m.terms_photo:  # any reader of the card may see the signed agreement
        rows.append([(t(context, lang, "mediation.btn_photo"), b.PHOTO.pack(m.id))])
    for mediator_id, name in case.candidates:
        label = t(context, lang, "mediation.btn_assign", name=name)
        rows.append([(label, b.ASSIGN.pack(m.id, mediator_id))])
    return rows


async def show(update: Update, context: MinhuContext, case: mediation.Case, *, edit: bool) -> None:
    """A case's card, with the buttons its reader may press."""
    lang = await language_of(update, context)
    rows = _card_rows(context, lang, case)
    await say(
        update,
        context,
        "mediation.card",
        edit=edit,
        markup=keyboard(rows) if rows else None,
        m=case.m,
        parties=case.parties,
        sessions=case.sessions,
        mediator=case.mediator_name,
        side=case.side,
        staff=case.side is None,
    )


async def view(update: Update, context: MinhuContext) -> None:
    """A card pressed."""
    user = update.effective_user
    assert user is not None
    try:
        case = await mediation.read(context.services, user.id, b.VIEW.one(pressed(update)))
    except Refusal as refused:
        await kit.refuse_pressed(update, context, refused)
        return
    await answer(update, context)
    await show(update, context, case, edit=False)


async def agreement_photo(update: Update, context: MinhuContext) -> None:
    """📎 协议照片: the photo of the signed agreement, sent by its file id to someone allowed to
    read the card (each press sends it again: a new message, never an edit)."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    try:
        case = await mediation.read(context.services, user.id, b.PHOTO.one(pressed(update)))
    except Refusal as refused:
        await kit.refuse_pressed(update, context, refused)
        return
    if not case.m.terms_photo:  # erased since the card was shown
        await answer(update, context, "mediation.photo_gone")
        return
    await answer(update, context)
    lang = await language_of(update, context)
    caption = t(context, lang, "mediation.photo_caption", number=case.m.number)
    await context.bot.send_photo(chat.id, case.m.terms_photo, caption=caption)


async def listing(update: Update, context: MinhuContext) -> None:
    """/mediations: one's cases; staff also their work; overseers the statistics."""
    user = update.effective_user
    assert user is not None
    if await kit.registered(update, context) is None:
        return
    services = context.services
    own, work = await mediation.mine(services, user.id)
    roles = await role_names(services, user.id)
    table = None
    if rules.OVERSEERS & set(roles):
        now = services.clock.now().astimezone(services.settings.tz)
        start = now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        table = await stats.table(services.db, start.astimezone(UTC), now.astimezone(UTC))
    rows = [[(m.number, b.VIEW.pack(m.id))] for m in (own + work)[:20]]
    await say(
        update,
        context,
        "mediation.list",
        markup=keyboard(rows) if rows else None,
        own=own,
        work=work,
        table=table,
    )


async def invited(update: Update, context: MinhuContext, code: str) -> None:
    """/start tj_CODE: the invitation, with agree / decline (registered residents)."""
    user = update.effective_user
    assert user is not None
    try:
        m, _ = await mediation.invitation(context.services, user.id, code)
    except Refusal as refused:
        await kit.refuse(update, context, refused)
        return
    lang = await language_of(update, context)
    rows = [
        [(t(context, lang, "mediation.btn_accept"), b.ACCEPT.pack(code, 1))],
        [(t(context, lang, "mediation.btn_decline"), b.ACCEPT.pack(code, 0))],
    ]
    await say(update, context, "mediation.invitation", markup=keyboard(rows), m=m)


async def accept(update: Update, context: MinhuContext) -> None:
    """The invited side answers (once)."""
    user = update.effective_user
    assert user is not None
    found = b.ACCEPT.parse(pressed(update))
    if found is None or await kit.registered(update, context) is None:
        await answer(update, context, "common.invalid_button")
        return
    code, agree = found
    try:
        m = await mediation.consent(context.services, user.id, None, agree, code)
    except Refusal as refused:
        await kit.refuse_pressed(update, context, refused)
        return
    await answer(update, context)
    await say(update, context, "mediation.you_answered", edit=True, m=m, agree=agree)


async def _card_press(
    update: Update,
    context: MinhuContext,
    family: Family,
    act: Callable[[int, tuple[Any, ...]], Awaitable[int]],
) -> None:
    """A button of the case card: `act(user, fields)` does it (on the server, checking who may)
    and gives the case's id; the card is shown again as it now is. A forged press, or one
    refused, changes nothing and is answered."""
    user = update.effective_user
    assert user is not None
    found = family.parse(pressed(update))
    if found is None:
        await answer(update, context, "common.invalid_button")
        return
    try:
        case = await mediation.read(context.services, user.id, await act(user.id, found))
    except Refusal as refused:
        await kit.refuse_pressed(update, context, refused)
        return
    await answer(update, context)
    await show(update, context, case, edit=True)


async def consent(update: Update, context: MinhuContext) -> None:
    """The mediator records the named side's answer."""

    async def act(user_id: int, found: tuple[Any, ...]) -> int:
        await mediation.consent(context.services, user_id, found[0], found[1], None)
        return int(found[0])

    await _card_press(update, context, b.CONSENT, act)


async def came(update: Update, context: MinhuContext) -> None:
    """The mediator records who came to the latest session."""

    async def act(user_id: int, found: tuple[Any, ...]) -> int:
        s = await mediation_work.attended(context.services, user_id, *found)
        return s.mediation_id

    await _card_press(update, context, b.CAME, act)


async def assign(update: Update, context: MinhuContext) -> None:
    """The dispatch centre gives the case to a mediator."""

    async def act(user_id: int, found: tuple[Any, ...]) -> int:
        await mediation.assign(context.services, user_id, found[0], found[1])
        return int(found[0])

    await _card_press(update, context, b.ASSIGN, act)


async def kept(update: Update, context: MinhuContext) -> None:
    """A party answers the follow-up (回访)."""
    user = update.effective_user
    assert user is not None
    found = b.KEPT.parse(pressed(update))
    if found is None:
        await answer(update, context, "common.invalid_button")
        return
    try:
        m = await mediation_work.answer_followup(context.services, user.id, found[0], found[1])
    except Refusal as refused:
        await kit.refuse_pressed(update, context, refused)
        return
    await answer(update, context)
    await say(update, context, "mediation.followup_thanks", edit=True, m=m, kept=found[1])


def handlers() -> list[BaseHandler]:
    """/mediations and the card's buttons."""
    return [
        CommandHandler("mediations", listing),
        CallbackQueryHandler(view, pattern=b.VIEW.pattern),
        CallbackQueryHandler(accept, pattern=b.ACCEPT.pattern),
        CallbackQueryHandler(consent, pattern=b.CONSENT.pattern),
        CallbackQueryHandler(came, pattern=b.CAME.pattern),
        CallbackQueryHandler(kept, pattern=b.KEPT.pattern),
        CallbackQueryHandler(assign, pattern=b.ASSIGN.pattern),
        CallbackQueryHandler(agreement_photo, pattern=b.PHOTO.pattern),
    ]
