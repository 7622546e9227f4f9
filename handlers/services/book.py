"""Booking a slot from a point's card: a day → a time → a topic (typed, or none) → booked (with
reminders); cancelling; /appointments — one's own bookings, and for a point's staff its
bookings with ✅ came / ❌ did not come once their time has come."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import IntEnum

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.core.refusals import Refusal
from bot.runtime.services import MinhuContext
from bot.services import bookings, buttons
from bot.services.rules import TOPIC, ServicesGone
from handlers.kit.common import MAX_BUTTONS, Row, answer, keyboard, language_of, pressed, say, t
from handlers.kit.conversation import (
    cancelled,
    conversation,
    refuse,
    refuse_pressed,
    typed_step,
)
from storage import services as store
from storage.services import BOOKED

FORM = "services_booking"  # user_data: {"point": id, "at": minute} while the topic is asked


class State(IntEnum):
    DAY = 762
    TIME = 763
    TOPIC = 764


def _minute(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


def _moment(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, tz=UTC)


async def start(update: Update, context: MinhuContext) -> int | None:
    """📅 预约 on a card: the days with a free slot."""
    assert update.effective_user is not None
    point_id = buttons.BOOK.one(pressed(update))
    try:
        if point_id is None:
            raise ServicesGone("gone")
        point, days = await bookings.days(context.services, point_id, update.effective_user.id)
    except Refusal as refusal:
        await refuse_pressed(update, context, refusal)
        return ConversationHandler.END
    await answer(update, context)
    lang = await language_of(update, context)
    rows: list[Row] = [
        [(t(context, lang, "services.btn_day", day=d), buttons.DAY.pack(point.id, _day(d)))]
        for d in days
    ]
    rows.append([(t(context, lang, "common.btn_cancel"), buttons.LEAVE.pack())])
    await say(update, context, "services.ask_day", markup=keyboard(rows), name=point.name)
    return State.DAY


def _day(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


async def day(update: Update, context: MinhuContext) -> int | None:
    """A day: its free times."""
    point_id, number = buttons.DAY.parse(pressed(update)) or (0, 0)
    try:
        picked = date(number // 10000, number // 100 % 100, number % 100)
        point, free = await bookings.times(context.services, point_id, picked)
    except (ValueError, Refusal) as problem:
        refusal = problem if isinstance(problem, Refusal) else ServicesGone("gone")
        await refuse_pressed(update, context, refusal)
        return None
    await answer(update, context)
    lang = await language_of(update, context)
    pairs = [
        (t(context, lang, "services.btn_time", at=s), buttons.TIME.pack(point.id, _minute(s)))
        for s in free
    ]
    rows: list[Row] = [pairs[i : i + 4] for i in range(0, len(pairs), 4)]
    rows.append([(t(context, lang, "common.btn_cancel"), buttons.LEAVE.pack())])
    await say(
        update,
        context,
        "services.ask_time",
        edit=True,
        markup=keyboard(rows),
        name=point.name,
        day=picked,
    )
    return State.TIME


async def time(update: Update, context: MinhuContext) -> int | None:
    """A time: the topic is asked (or none)."""
    assert context.user_data is not None
    point_id, minute = buttons.TIME.parse(pressed(update)) or (0, 0)
    await answer(update, context)
    context.user_data[FORM] = {"point": point_id, "at": minute}
    lang = await language_of(update, context)
    rows: list[Row] = [
        [(t(context, lang, "services.btn_no_topic"), buttons.NO_TOPIC.pack())],
        [(t(context, lang, "common.btn_cancel"), buttons.LEAVE.pack())],
    ]
    point = await store.point(context.services.db, point_id)
    await say(
        update,
        context,
        "services.ask_topic",
        edit=True,
        markup=keyboard(rows),
        name=point.name if point else "",
        private=bool(point and point.private),
        at=_moment(minute),
        max=TOPIC[1],
    )
    return State.TOPIC


async def topic(update: Update, context: MinhuContext) -> int | None:
    """The topic typed: booked."""
    assert update.message is not None
    text = (update.message.text or "").strip()
    if len(text) > TOPIC[1]:
        await say(update, context, "services.refused", reason="bad_topic", max=TOPIC[1])
        return None
    return await _book(update, context, text)


async def no_topic(update: Update, context: MinhuContext) -> int | None:
    """No topic: booked."""
    await answer(update, context)
    return await _book(update, context, "")


async def _book(update: Update, context: MinhuContext, text: str) -> int:
    assert context.user_data is not None and update.effective_user is not None
    form = context.user_data.pop(FORM, None)
    if not isinstance(form, dict):
        await say(update, context, "services.form_gone")
        return ConversationHandler.END
    starts_at = _moment(int(form["at"]))
    try:
        point, booking_id = await bookings.book(
            context.services, int(form["point"]), update.effective_user.id, starts_at, text
        )
    except Refusal as refusal:
        await refuse(update, context, refusal)
        return ConversationHandler.END
    context.services.commits.mark(update.update_id, f"{point.name} #{booking_id}")
    lang = await language_of(update, context)
    rows = [[(t(context, lang, "services.btn_cancel_booking"), buttons.CANCEL.pack(booking_id))]]
    now = context.services.clock.now()
    reminders = [int(r.total_seconds() // 3600) for r in bookings.REMINDERS if starts_at - r > now]
    await say(
        update,
        context,
        "services.booked",
        edit=update.callback_query is not None,
        markup=keyboard(rows),
        name=point.name,
        address=point.address,
        at=starts_at,
        reminders=reminders,
    )
    return ConversationHandler.END


async def cancel_booking(update: Update, context: MinhuContext) -> None:
    """✖ 取消预约: the resident's own booking, before it starts."""
    assert update.effective_user is not None
    booking_id = buttons.CANCEL.one(pressed(update))
    try:
        found = await bookings.cancel(context.services, booking_id or 0, update.effective_user.id)
    except Refusal as refusal:
        await refuse_pressed(update, context, refusal)
        return
    await answer(update, context)
    await say(
        update, context, "services.cancelled", edit=True, name=found.point_name, at=found.starts_at
    )


async def appointments(update: Update, context: MinhuContext, *, edit: bool = False) -> None:
    """/appointments (also 📋 我的预约): one's bookings ahead; a point's staff, its bookings."""
    assert update.effective_user is not None
    mine, staffed = await bookings.appointments(context.services, update.effective_user.id)
    lang = await language_of(update, context)
    now = context.services.clock.now()
    rows: list[Row] = [
        [
            (
                t(context, lang, "services.btn_cancel_one", name=b.point_name, at=b.starts_at),
                buttons.CANCEL.pack(b.id),
            )
        ]
        for b in mine
    ]
    marks: list[Row] = [
        [
            (
                t(context, lang, "services.btn_came", name=b.first_name, at=b.starts_at),
                buttons.MARK.pack(b.id, 1),
            ),
            (t(context, lang, "services.btn_absent"), buttons.MARK.pack(b.id, 0)),
        ]
        for b in staffed
        if b.status == BOOKED and b.starts_at <= now
    ]
    rows = rows[:MAX_BUTTONS]
    room = (MAX_BUTTONS - len(rows)) // 2  # the oldest to mark first; the rest once they are
    rows += marks[:room]
    await say(
        update,
        context,
        "services.appointments",
        edit=edit,
        markup=keyboard(rows) if rows else None,
        mine=mine,
        staffed=staffed,
        unmarked=max(0, len(marks) - room),
    )


async def show_mine(update: Update, context: MinhuContext) -> int:
    """📋 我的预约 under the need question."""
    await answer(update, context)
    await appointments(update, context)
    return ConversationHandler.END


async def appointments_command(update: Update, context: MinhuContext) -> None:
    """/appointments."""
    await appointments(update, context)


async def mark(update: Update, context: MinhuContext) -> None:
    """✅ came / ❌ did not come: the point's staff only, once."""
    assert update.effective_user is not None
    booking_id, came = buttons.MARK.parse(pressed(update)) or (0, False)
    try:
        found = await bookings.mark(context.services, booking_id, update.effective_user.id, came)
    except Refusal as refusal:
        await refuse_pressed(update, context, refusal)
        return
    await answer(update, context, "services.marked", came=came, name=found.first_name)
    await appointments(update, context, edit=True)


def handlers() -> list[BaseHandler]:
    """The booking conversation, cancelling, /appointments and the staff's marks."""
    booking = conversation(
        "services_book",
        entry_points=[CallbackQueryHandler(start, pattern=buttons.BOOK.pattern)],
        states={
            State.DAY: [CallbackQueryHandler(day, pattern=buttons.DAY.pattern)],
            State.TIME: [
                CallbackQueryHandler(time, pattern=buttons.TIME.pattern),
                CallbackQueryHandler(day, pattern=buttons.DAY.pattern),
            ],
            State.TOPIC: [
                CallbackQueryHandler(no_topic, pattern=buttons.NO_TOPIC.pattern),
                *typed_step(topic, "services.expect_topic"),
            ],
        },
        cancel=cancelled("services.left", FORM),
        cancel_button=buttons.LEAVE,
    )
    return [
        booking,
        CallbackQueryHandler(cancel_booking, pattern=buttons.CANCEL.pattern),
        CallbackQueryHandler(show_mine, pattern=buttons.MINE.pattern),
        CallbackQueryHandler(mark, pattern=buttons.MARK.pattern),
        CommandHandler("appointments", appointments_command),
    ]
