"""After a reception day (接待日): the representative's sessions and who booked, what came of
each booking (a short persistent conversation), and one action that turns an outcome into a
suggestion (意见建议) for a department. `bot.reception.service` checks again that the session is the
representative's own and has started."""

from __future__ import annotations

from datetime import timedelta
from enum import IntEnum

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.reception import buttons, service
from bot.reception.rules import NotFound, Refused
from bot.runtime.services import MinhuContext
from handlers.kit.common import Row, answer, keyboard, language_of, pressed, say, t
from handlers.kit.conversation import (
    ask,
    cancelled,
    conversation,
    refuse,
    renumbered,
    typed_step,
    typed_within,
)
from handlers.reception.steps import representative, taken
from storage import geo
from storage import reception as store

NOTING = "reception_noting"  # user_data: the booking whose outcome is being typed
PAST_SHOWN = timedelta(days=30)  # the sessions listed reach a month back


# The step, numbered 420 (124 before this version: see `kit.renumbered`).
class State(IntEnum):
    OUTCOME = 420


async def mine(update: Update, context: MinhuContext) -> None:
    """The representative's sessions, a button each."""
    if not await representative(update, context):
        return
    await answer(update, context)
    user = update.effective_user
    assert user is not None
    services = context.services
    since = services.clock.now() - PAST_SHOWN
    sessions = await store.of_representative(services.db, user.id, since)
    lang = await language_of(update, context)
    rows: list[Row] = [
        [
            (
                t(
                    context,
                    lang,
                    "reception.btn_session",
                    station=s.station_name,
                    starts_at=s.starts_at,
                ),
                buttons.SESSION.pack(s.id),
            )
        ]
        for s in sessions
    ]
    items = [
        {"station": s.station_name, "starts_at": s.starts_at, "slots": s.slots, "booked": s.booked}
        for s in sessions
    ]
    await say(
        update, context, "reception.mine", markup=keyboard(rows) if rows else None, items=items
    )


async def show_session(update: Update, context: MinhuContext, session_id: int | None) -> None:
    """A session with its bookings: record an outcome, or turn one into a suggestion."""
    user = update.effective_user
    assert user is not None
    services = context.services
    found = await store.session(services.db, session_id) if session_id else None
    if found is None or found.representative_id != user.id:
        await answer(update, context, "common.not_allowed")
        return
    await answer(update, context)
    lang = await language_of(update, context)
    started = found.starts_at <= services.clock.now()
    bookings = await store.bookings(services.db, found.id)
    rows: list[Row] = []
    for n, b in enumerate(bookings, start=1):
        if started and b.complaint_id is None:
            row = [(t(context, lang, "reception.btn_outcome", n=n), buttons.OUTCOME.pack(b.id))]
            if b.outcome:
                row.append(
                    (
                        t(context, lang, "reception.btn_to_suggestion", n=n),
                        buttons.TO_SUGGESTION.pack(b.id),
                    )
                )
            rows.append(row)
    await say(
        update,
        context,
        "reception.session",
        markup=keyboard(rows) if rows else None,
        station=found.station_name,
        starts_at=found.starts_at,
        slots=found.slots,
        started=started,
        bookings=[
            {
                "name": b.first_name,
                "topic": b.topic,
                "outcome": b.outcome,
                "number": b.complaint_number,
            }
            for b in bookings
        ],
    )


async def session_pressed(update: Update, context: MinhuContext) -> None:
    """rv:m:<session> (from the list, or the prompt after the session)."""
    if not await representative(update, context):
        return
    session_id = buttons.SESSION.one(pressed(update))
    await show_session(update, context, session_id)


async def _own(
    update: Update, context: MinhuContext, booking_id: int | None
) -> store.Booking | None:
    """A booking of the presser's own session that has started (the press is answered); a
    refusal is said on the button."""
    user = update.effective_user
    assert user is not None
    try:
        if booking_id is None:
            raise NotFound("not_found")
        found, _ = await service.own_booking(context.services, booking_id, user.id)
    except Refused as refused:
        await answer(update, context, "reception.refused_toast", reason=refused.reason)
        return None
    await answer(update, context)
    return found


async def start_outcome(update: Update, context: MinhuContext) -> int | None:
    """记录结果: what came of this booking?"""
    assert update.callback_query is not None and context.user_data is not None
    found = await _own(update, context, buttons.OUTCOME.one(pressed(update)))
    if found is None:
        return None
    context.user_data[NOTING] = found.id
    low, high = service.OUTCOME
    await ask(
        update,
        context,
        "reception.ask_outcome",
        [],
        buttons.OUTCOME_CANCEL,
        name=found.first_name,
        topic=found.topic,
        min=low,
        max=high,
    )
    return State.OUTCOME


async def outcome(update: Update, context: MinhuContext) -> int | None:
    """The outcome: recorded, then the session is shown again."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    text = await typed_within(update, context, service.OUTCOME, "reception.bad_length")
    if text is None:
        return None
    try:
        booking_id = taken(context, NOTING, "expired")
        noted = await service.record_outcome(context.services, booking_id, user.id, text)
    except Refused as refused:
        await refuse(update, context, refused)
        return ConversationHandler.END
    await say(update, context, "reception.outcome_saved", name=noted.first_name)
    await show_session(update, context, noted.session_id)
    return ConversationHandler.END


async def ask_department(update: Update, context: MinhuContext) -> None:
    """转为意见建议: to which department? (pressing one files it)"""
    found = await _own(update, context, buttons.TO_SUGGESTION.one(pressed(update)))
    if found is None:
        return
    departments = await geo.departments(context.services.db)
    labels = [(d.name, buttons.DEPARTMENT.pack(found.id, d.id)) for d in departments]
    rows: list[Row] = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    await say(update, context, "reception.ask_department", markup=keyboard(rows), topic=found.topic)


async def to_suggestion(update: Update, context: MinhuContext) -> None:
    """A department was chosen: the outcome becomes a suggestion in the complaint lifecycle."""
    user, query = update.effective_user, update.callback_query
    assert user is not None and query is not None
    booking_id, department_id = buttons.DEPARTMENT.parse(query.data) or (None, None)
    try:
        if booking_id is None or department_id is None:
            raise NotFound("not_found")
        filed = await service.to_suggestion(context.services, booking_id, user.id, department_id)
    except Refused as refused:
        await answer(update, context, "reception.refused_toast", reason=refused.reason)
        return
    await answer(update, context)
    name = next(
        (d.name for d in await geo.departments(context.services.db) if d.id == department_id), ""
    )
    await say(
        update,
        context,
        "reception.suggested",
        edit=True,
        number=filed.number,
        department=name,
        resolve_due=filed.resolve_due,
        told=filed.told,
    )


def handlers() -> list[BaseHandler]:
    """The outcome conversation (persistent), the sessions and the suggestion buttons."""
    noting = conversation(
        "reception_outcome",
        entry_points=[CallbackQueryHandler(start_outcome, pattern=buttons.OUTCOME.pattern)],
        states={State.OUTCOME: typed_step(outcome, "reception.expect_text")},
        cancel=cancelled("reception.cancelled", NOTING),
        cancel_button=buttons.OUTCOME_CANCEL,
    )
    return [
        renumbered(noting, State, was=124),
        CallbackQueryHandler(mine, pattern=buttons.MINE.pattern),
        CallbackQueryHandler(session_pressed, pattern=buttons.SESSION.pattern),
        CallbackQueryHandler(ask_department, pattern=buttons.TO_SUGGESTION.pattern),
        CallbackQueryHandler(to_suggestion, pattern=buttons.DEPARTMENT.pattern),
    ]
