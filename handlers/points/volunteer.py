"""Volunteers in the chat: /volunteer lists the coming activities of their zone; a card each
(from the list or from the announcement) signs up, joins the waiting list or cancels;
/clock CODE checks in or out with the code the organiser gives at the start and at the end.

Buttons: the `va` families of `bot.points.buttons`; a refused press is answered with a toast
and changes nothing (a double press, an old card, a forged id)."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core.refusals import Refusal
from bot.points import activities as service
from bot.points.buttons import CANCEL, SIGN_UP, VIEW
from bot.points.notices import context_of
from bot.points.rules import ActivityStatus, SignupStatus
from bot.runtime.services import MinhuContext
from handlers.kit import conversation as kit
from handlers.kit.common import answer, keyboard, language_of, say, t
from handlers.kit.refusals import refuse_pressed
from storage import activities as store
from storage.activities import Activity


async def list_coming(update: Update, context: MinhuContext) -> None:
    """/volunteer: the coming activities for this resident, a button each."""
    person = await kit.registered(update, context)
    if person is None:
        return
    found = await store.coming(context.services.db, person.id, context.services.clock.now())
    items = [await context_of(context.services, a) for a in found]
    rows = [[(f"{a.title}", VIEW.pack(a.id))] for a in found]
    await say(
        update, context, "points.coming", items=items, markup=keyboard(rows) if rows else None
    )


async def _card(
    context: MinhuContext, a: Activity, user_id: int, lang: str
) -> tuple[dict[str, Any], InlineKeyboardMarkup]:
    """What the card of an activity shows this person, and its buttons."""
    services = context.services
    mine = await store.my_signup(services.db, a.id, user_id)
    listed = await store.signups(services.db, a.id)
    booked = sum(1 for s in listed if s.status == SignupStatus.BOOKED)
    waiting = [s.id for s in listed if s.status == SignupStatus.WAITLISTED]
    status = mine.status if mine is not None else ""
    position = waiting.index(mine.id) + 1 if mine is not None and mine.id in waiting else 0
    live = status in (SignupStatus.BOOKED, SignupStatus.WAITLISTED)
    open_ = a.status == ActivityStatus.OPEN and services.clock.now() < a.starts_at
    if not open_:
        rows: list[list[tuple[str, str]]] = []
    elif live:
        rows = [[(t(context, lang, "points.btn_cancel"), CANCEL.pack(a.id))]]
    else:
        label = "points.btn_sign_up" if booked < a.places else "points.btn_wait"
        rows = [[(t(context, lang, label), SIGN_UP.pack(a.id))]]
    ctx = await context_of(services, a) | {
        "status": status,
        "code": mine.code if mine is not None and live else "",
        "position": position,
        "booked": booked,
        "waiting": len(waiting),
        "is_open": open_,
        "cancelled": a.status == ActivityStatus.CANCELLED,
    }
    return ctx, keyboard(rows)


async def view(update: Update, context: MinhuContext) -> None:
    """An activity's card, as a new message (the announcement stays as it was)."""
    assert update.callback_query is not None and update.effective_user is not None
    activity_id = VIEW.one(update.callback_query.data)
    a = await store.get(context.services.db, activity_id) if activity_id else None
    if a is None or await kit.registered(update, context) is None:
        await answer(update, context, "points.toast_gone")
        return
    await answer(update, context)
    ctx, markup = await _card(
        context, a, update.effective_user.id, await language_of(update, context)
    )
    await say(update, context, "points.card", markup=markup, **ctx)


async def _change(update: Update, context: MinhuContext, sign_up: bool) -> None:
    assert update.callback_query is not None and update.effective_user is not None
    family = SIGN_UP if sign_up else CANCEL
    activity_id = family.one(update.callback_query.data)
    user_id = update.effective_user.id
    try:
        if activity_id is None:
            raise service.NotFound("not_found")
        if sign_up:
            placed = await service.sign_up(context.services, activity_id, user_id)
            a = placed.activity
            toast = "points.toast_booked" if not placed.position else "points.toast_waiting"
        else:
            await service.cancel(context.services, activity_id, user_id)
            found = await store.get(context.services.db, activity_id)
            assert found is not None
            a, toast = found, "points.toast_cancelled"
    except Refusal as refused:
        await refuse_pressed(update, context, refused)
        return
    await answer(update, context, toast)
    ctx, markup = await _card(context, a, user_id, await language_of(update, context))
    await say(update, context, "points.card", markup=markup, edit=True, **ctx)


async def sign_up(update: Update, context: MinhuContext) -> None:
    """A place, or the waiting list when the places are taken."""
    await _change(update, context, True)


async def cancel(update: Update, context: MinhuContext) -> None:
    """Give up one's place (the first waiting takes it)."""
    await _change(update, context, False)


@kit.refusals_answered
async def clock(update: Update, context: MinhuContext) -> None:
    """/clock CODE: checked in (the start's code) or out (the end's code)."""
    assert update.effective_user is not None
    if await kit.registered(update, context) is None:
        return
    code = "".join(context.args or [])
    if not code:
        await say(update, context, "points.clock_usage")
        return
    a, which = await service.check(context.services, update.effective_user.id, code)
    ctx = await context_of(context.services, a)
    await say(
        update, context, "points.clocked_in" if which == "in" else "points.clocked_out", **ctx
    )


def handlers() -> list[BaseHandler]:
    """/volunteer, /clock and the activity card's buttons."""
    return [
        CommandHandler("volunteer", list_coming),
        CommandHandler("clock", clock),
        CallbackQueryHandler(view, pattern=VIEW.pattern),
        CallbackQueryHandler(sign_up, pattern=SIGN_UP.pattern),
        CallbackQueryHandler(cancel, pattern=CANCEL.pattern),
    ]
