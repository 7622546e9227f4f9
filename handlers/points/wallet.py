"""Points in the chat: /points (balance, history, vouchers, what can be redeemed, the honour
roll and the opt-in to be named), an item's card with a redeem button for oneself and each
linked family member, /family (invite, accept a code, give points), and for providers and
admins /redeem CODE; admins /catalogue and /correct."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core.refusals import Refusal
from bot.people.roles import Role
from bot.points import family as family_service
from bot.points import honour as honour_roll
from bot.points import redeem as service
from bot.points.buttons import GIVE, HONOUR, ITEM, NAMED, REDEEM
from bot.points.rules import GIFT
from bot.runtime.services import MinhuContext
from handlers.kit import conversation as kit
from handlers.kit import menu
from handlers.kit.common import MAX_BUTTONS, answer, keyboard, language_of, parse_int, say, t
from handlers.kit.refusals import refuse_pressed
from storage import points as store


async def show(update: Update, context: MinhuContext) -> None:
    """/points: balance, the latest rows, vouchers, and the catalogue a button each."""
    person = await kit.registered(update, context)
    if person is None:
        return
    services, lang = context.services, await language_of(update, context)
    have = await store.balance(services.db, person.id)
    items = await store.items_for(services.db, await service.zone_of(services, person.id))
    named = await store.is_named(services.db, person.id)
    rows = [
        [(t(context, lang, "points.btn_item", title=i.title, points=i.points), ITEM.pack(i.id))]
        for i in items
        if i.stock > 0
    ][: MAX_BUTTONS - 2]  # the cheapest that fit beside the honour roll's two
    rows.append(
        [
            (t(context, lang, "points.btn_honour"), HONOUR.pack()),
            (t(context, lang, "points.btn_named", named=named), NAMED.pack(not named)),
        ]
    )
    await say(
        update,
        context,
        "points.summary",
        markup=keyboard(rows),
        balance=have,
        history=[
            {"amount": e.amount, "cause": e.cause, "note": e.note, "at": e.at.isoformat()}
            for e in await store.history(services.db, person.id)
        ],
        vouchers=[
            {"title": v.title, "code": v.code, "status": v.status, "mine": v.person_id == person.id}
            for v in await store.vouchers(services.db, person.id)
        ],
        items=[{"title": i.title, "points": i.points, "stock": i.stock} for i in items],
    )


async def item(update: Update, context: MinhuContext) -> None:
    """An item's card: redeem for oneself or a linked family member (a new message, with its
    own key, so a second press of one of its buttons reserves nothing more)."""
    assert update.callback_query is not None and update.effective_user is not None
    item_id = ITEM.one(update.callback_query.data)
    found = await store.item(context.services.db, item_id) if item_id else None
    if found is None or not found.active or await kit.registered(update, context) is None:
        await answer(update, context, "points.toast_gone")
        return
    await answer(update, context)
    user_id, lang = update.effective_user.id, await language_of(update, context)
    key = service.card_key()
    members = await store.family(context.services.db, user_id)
    rows = [[(t(context, lang, "points.btn_for_me"), REDEEM.pack(found.id, user_id, key))]]
    rows += [
        [(t(context, lang, "points.btn_for", name=name), REDEEM.pack(found.id, member, key))]
        for member, name in members
    ]
    have = await store.balance(context.services.db, user_id)
    await say(
        update,
        context,
        "points.item_card",
        markup=keyboard(rows),
        title=found.title,
        points=found.points,
        stock=found.stock,
        balance=have,
    )


async def redeem(update: Update, context: MinhuContext) -> None:
    """Redeem: stock and points reserved together, the voucher code shown in the card."""
    assert update.callback_query is not None and update.effective_user is not None
    parsed = REDEEM.parse(update.callback_query.data)
    try:
        if parsed is None:
            raise service.NotFound("not_found")
        item_id, beneficiary, key = parsed
        done = await service.redeem(
            context.services, update.effective_user.id, item_id, beneficiary, key
        )
    except Refusal as refused:
        await refuse_pressed(update, context, refused)
        return
    r = done.redemption
    if done.again:
        await answer(update, context, "points.toast_redeemed_again", code=r.code)
        return
    await answer(update, context)
    name = ""
    if r.beneficiary_id != r.person_id:
        members = dict(await store.family(context.services.db, update.effective_user.id))
        name = members.get(r.beneficiary_id or 0, "")
    await say(
        update,
        context,
        "points.redeemed",
        edit=True,
        title=r.title,
        code=r.code,
        points=r.points,
        balance=done.balance,
        name=name,
    )


async def honour(update: Update, context: MinhuContext) -> None:
    """The honour roll of the last month: hours per community, the named top volunteers."""
    await answer(update, context)
    start, rows = await honour_roll.roll(context.services)
    communities: list[dict[str, Any]] = [
        {
            "name": h.community,
            "volunteers": h.volunteers,
            "hours": round(h.minutes / 60, 1),
            "top": [{"name": n, "hours": round(m / 60, 1)} for n, m in h.top],
        }
        for h in rows
    ]
    await say(update, context, "points.honour", month=start.isoformat(), communities=communities)


async def named(update: Update, context: MinhuContext) -> None:
    """The opt-in to be named among the top volunteers (otherwise counted only)."""
    assert update.callback_query is not None and update.effective_user is not None
    choice = NAMED.one(update.callback_query.data)
    if choice is None or await kit.registered(update, context) is None:
        await answer(update, context, "points.toast_gone")
        return
    await honour_roll.set_named(context.services, update.effective_user.id, choice)
    await answer(update, context, "points.toast_named", named=choice)


@kit.refusals_answered
async def family(update: Update, context: MinhuContext) -> None:
    """/family: members and a new invitation code; /family CODE accepts one;
    /family give N offers a button per member."""
    assert update.effective_user is not None
    if await kit.registered(update, context) is None:
        return
    services, user_id = context.services, update.effective_user.id
    args = context.args or []
    if len(args) == 2 and args[0] == "give":
        amount = parse_int(args[1])
        members = await store.family(services.db, user_id)
        if amount is None or not GIFT[0] <= amount <= GIFT[1] or not members:
            await say(update, context, "points.give_usage", members=len(members))
            return
        lang, key = await language_of(update, context), service.card_key()
        rows = [
            [
                (
                    t(context, lang, "points.btn_give", name=name, points=amount),
                    GIVE.pack(member, amount, key),
                )
            ]
            for member, name in members
        ]
        await say(update, context, "points.give_choose", markup=keyboard(rows), points=amount)
        return
    if len(args) == 1:
        inviter = await family_service.accept(services, user_id, args[0])
        names = dict(await store.family(services.db, user_id))
        await say(update, context, "points.family_accepted", name=names.get(inviter, ""))
        return
    code = await family_service.invite(services, user_id)
    linked = [name for _, name in await store.family(services.db, user_id)]
    await say(update, context, "points.family", code=code, members=linked)


async def give(update: Update, context: MinhuContext) -> None:
    """Points given to a linked member (a second press gives nothing more)."""
    assert update.callback_query is not None and update.effective_user is not None
    parsed = GIVE.parse(update.callback_query.data)
    try:
        if parsed is None:
            raise service.NotFound("not_found")
        member, amount, key = parsed
        left = await family_service.give(
            context.services, update.effective_user.id, member, amount, key
        )
    except Refusal as refused:
        await refuse_pressed(update, context, refused)
        return
    await answer(update, context)
    await say(update, context, "points.given", edit=True, points=amount, balance=left)


@kit.refusals_answered
async def check_voucher(update: Update, context: MinhuContext) -> None:
    """/redeem CODE: the provider (or an admin) takes a voucher, once."""
    assert update.effective_user is not None
    code = "".join(context.args or [])
    if not code:
        await say(update, context, "points.redeem_usage")
        return
    r = await service.check_voucher(context.services, update.effective_user.id, code)
    await say(update, context, "points.voucher_ok", title=r.title, code=r.code)


@kit.refusals_answered
async def catalogue(update: Update, context: MinhuContext) -> None:
    """/catalogue add POINTS STOCK ZONE|- PROVIDER_ID|- TITLE (admins); /catalogue lists."""
    assert update.effective_user is not None
    if not await kit.holds_role(update, context, Role.ADMIN):
        await say(update, context, "points.not_admin")
        return
    args = context.args or []
    if len(args) >= 6 and args[0] == "add":
        points, stock = parse_int(args[1]), parse_int(args[2])
        provider = None if args[4] == "-" else parse_int(args[4])
        if points is None or stock is None or (args[4] != "-" and provider is None):
            await say(update, context, "points.catalogue_usage")
            return
        await service.add_item(
            context.services,
            update.effective_user.id,
            title=" ".join(args[5:]),
            points=points,
            stock=stock,
            zone_code=None if args[3] == "-" else args[3],
            provider_id=provider,
        )
    elif args:
        await say(update, context, "points.catalogue_usage")
        return
    items = await store.catalogue(context.services.db)
    await say(
        update,
        context,
        "points.catalogue",
        items=[{"id": i.id, "title": i.title, "points": i.points, "stock": i.stock} for i in items],
    )


@kit.refusals_answered
async def correct(update: Update, context: MinhuContext) -> None:
    """/correct USER_ID AMOUNT REASON (admins): a correction as a new ledger row."""
    assert update.effective_user is not None
    if not await kit.holds_role(update, context, Role.ADMIN):
        await say(update, context, "points.not_admin")
        return
    args = context.args or []
    person = parse_int(args[0]) if args else None
    amount = _signed(args[1]) if len(args) > 1 else None
    if person is None or amount is None or len(args) < 3:
        await say(update, context, "points.correct_usage")
        return
    left = await service.correct(
        context.services, update.effective_user.id, person, amount, " ".join(args[2:])
    )
    await say(update, context, "points.corrected", person=person, amount=amount, balance=left)


def _signed(text: str) -> int | None:
    body = text[1:] if text[:1] in "+-" else text
    if not body.isdigit() or len(body) > 7:
        return None
    return -int(body) if text.startswith("-") else int(body)


def handlers() -> list[BaseHandler]:
    """/points, /family, /redeem, /catalogue, /correct and their buttons."""
    return [
        *menu.command("points", show),
        CommandHandler("family", family),
        CommandHandler("redeem", check_voucher),
        CommandHandler("catalogue", catalogue),
        CommandHandler("correct", correct),
        CallbackQueryHandler(item, pattern=ITEM.pattern),
        CallbackQueryHandler(redeem, pattern=REDEEM.pattern),
        CallbackQueryHandler(honour, pattern=HONOUR.pattern),
        CallbackQueryHandler(named, pattern=NAMED.pattern),
        CallbackQueryHandler(give, pattern=GIVE.pattern),
    ]
