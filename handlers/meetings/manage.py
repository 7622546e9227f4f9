"""Admins and a meeting after it is published: /meeting [ID] (bookings, waiting list, proposed
topics, the result), moving it or changing its place (a small persistent conversation),
cancelling it, and /checkin CODE at the door.

Buttons: me:v:<id> view, me:mv:<id> move, me:pl:<id> place, me:x:<id> / me:xy:<id> cancel and
confirm. The role is checked on the server for every command and button, and again by
`bot.meetings.service` for every change.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.meetings import service
from bot.meetings.notices import context_of
from bot.meetings.rules import PLACE, Invalid, Seats, parse_time
from bot.people.roles import has_role
from bot.runtime.services import MinhuContext
from handlers.kit.common import answer, hint, keyboard, language_of, parse_int, say, t
from handlers.meetings.resident import plain
from storage import meeting_bookings as bookings
from storage import meetings as store
from storage.meeting_bookings import Booking
from storage.meetings import Meeting

PREFIX = "me"
RESULT_PREFIX = "mr"  # handlers.meetings.result starts from mr:s:<id>
EDIT = "meeting_edit"  # user_data: {"id", "what"}
NAMES_SHOWN = 30
TOPICS_SHOWN = 8


class State(IntEnum):
    NEW_TIME = 72
    NEW_PLACE = 73


async def meeting_rows(
    update: Update, context: MinhuContext, items: list[Meeting], data: str
) -> list[list[tuple[str, str]]]:
    """One button per meeting for admins (title and time), pressing `<data>:<id>`."""
    lang = await language_of(update, context)
    return [
        [
            (
                plain(
                    context,
                    lang,
                    "meetings.btn_admin_item",
                    id=m.id,
                    title=m.title,
                    starts_at=m.starts_at,
                ),
                f"{data}:{m.id}",
            )
        ]
        for m in items
    ]


async def is_admin(update: Update, context: MinhuContext) -> bool:
    """The user is an admin (a polite refusal otherwise)."""
    user = update.effective_user
    if user is not None and await has_role(context.services, user.id, "admin"):
        return True
    await answer(update, context)
    await say(update, context, "common.not_allowed")
    return False


def _pressed(update: Update) -> int | None:
    assert update.callback_query is not None
    return parse_int((update.callback_query.data or "").rsplit(":", 1)[-1])


def _people(items: list[Booking]) -> list[dict[str, Any]]:
    return [
        {"name": b.name or str(b.person_id or "—"), "present": b.checked_in_at is not None}
        for b in items[:NAMES_SHOWN]
    ]


async def show(update: Update, context: MinhuContext, m: Meeting) -> None:
    """A meeting as admins see it, with the buttons its state allows."""
    services = context.services
    db, now = services.db, services.clock.now()
    booked = await bookings.of_status(db, m.id, "booked")
    waiting = await bookings.of_status(db, m.id, "waitlisted")
    topics, topic_count = await store.topics(db, m.id, TOPICS_SHOWN)
    seats = Seats(m.capacity, m.reserved_seats, *await bookings.seats_now(db, m.id))
    present = sum(1 for b in booked if b.checked_in_at is not None)
    lang = await language_of(update, context)
    rows: list[list[tuple[str, str]]] = []
    if m.status == "open" and now < m.starts_at:
        rows.append(
            [
                (t(context, lang, "meetings.btn_move"), f"{PREFIX}:mv:{m.id}"),
                (t(context, lang, "meetings.btn_place"), f"{PREFIX}:pl:{m.id}"),
            ]
        )
    if m.status == "open" and now >= m.starts_at:
        rows.append([(t(context, lang, "meetings.btn_result"), f"{RESULT_PREFIX}:s:{m.id}")])
    if m.status == "open":
        rows.append([(t(context, lang, "meetings.btn_cancel_meeting"), f"{PREFIX}:x:{m.id}")])
    await say(
        update,
        context,
        "meetings.admin_view",
        markup=keyboard(rows) if rows else None,
        **await context_of(services, m),
        status=m.status,
        started=now >= m.starts_at,
        reserved=m.reserved_seats,
        booked_count=seats.booked,
        representatives=seats.representatives,
        booked=_people(booked),
        waiting=_people(waiting),
        waiting_count=len(waiting),
        present=present,
        no_shows=len(booked) - present,
        topics=[{"name": x.name, "text": x.text} for x in topics],
        topic_count=topic_count,
        summary=m.result_summary,
        attendance=m.attendance,
        decisions=[d.text for d in await store.decisions(db, m.id)],
    )


async def meeting_command(update: Update, context: MinhuContext) -> None:
    """/meeting ID: one meeting; /meeting alone: the open ones, a button each."""
    if not await is_admin(update, context):
        return
    db = context.services.db
    args = context.args or []
    if args:
        meeting_id = parse_int(args[0].lstrip("#"))
        m = await store.get(db, meeting_id) if meeting_id else None
        if m is None:
            await say(update, context, "meetings.refused", reason="not_found")
            return
        await show(update, context, m)
        return
    items = await store.for_admins(db, context.services.clock.now())
    rows = await meeting_rows(update, context, items, f"{PREFIX}:v")
    await say(
        update,
        context,
        "meetings.admin_list",
        markup=keyboard(rows) if rows else None,
        count=len(items),
    )


async def view(update: Update, context: MinhuContext) -> None:
    """A meeting from the admin list."""
    if not await is_admin(update, context):
        return
    meeting_id = _pressed(update)
    m = await store.get(context.services.db, meeting_id) if meeting_id else None
    if m is None:
        await answer(update, context, "common.invalid_button")
        return
    await answer(update, context)
    await show(update, context, m)


# Cancelling a meeting ---------------------------------------------------------------------


async def ask_cancel(update: Update, context: MinhuContext) -> None:
    """取消议事会: confirm first."""
    if not await is_admin(update, context):
        return
    meeting_id = _pressed(update)
    m = await store.get(context.services.db, meeting_id) if meeting_id else None
    if m is None:
        await answer(update, context, "common.invalid_button")
        return
    await answer(update, context)
    lang = await language_of(update, context)
    markup = keyboard(
        [[(t(context, lang, "meetings.btn_confirm_cancel_meeting"), f"{PREFIX}:xy:{m.id}")]]
    )
    await say(
        update,
        context,
        "meetings.confirm_cancel_meeting",
        markup=markup,
        **await context_of(context.services, m),
    )


async def cancel_meeting(update: Update, context: MinhuContext) -> None:
    """Cancelled: pending reminders dropped, registrants told."""
    user = update.effective_user
    assert user is not None
    if not await is_admin(update, context):
        return
    meeting_id = _pressed(update)
    try:
        if meeting_id is None:
            raise service.Refused("not_found")
        told = await service.cancel_meeting(context.services, meeting_id, user.id)
    except service.Refused as refused:
        await answer(update, context)
        await say(update, context, "meetings.refused", reason=refused.reason, **refused.values)
        return
    m = await store.get(context.services.db, meeting_id)
    assert m is not None
    await answer(update, context)
    values = await context_of(context.services, m)
    await say(update, context, "meetings.meeting_cancelled", edit=True, **values, told=len(told))


# Moving a meeting or changing its place ---------------------------------------------------


async def _start_edit(update: Update, context: MinhuContext, what: str) -> int | None:
    assert context.user_data is not None
    if not await is_admin(update, context):
        return ConversationHandler.END
    meeting_id = _pressed(update)
    m = await store.get(context.services.db, meeting_id) if meeting_id else None
    now = context.services.clock.now()
    if m is None or m.status != "open" or now >= m.starts_at:
        await answer(update, context)
        await say(update, context, "meetings.refused", reason="started" if m else "not_found")
        return ConversationHandler.END
    await answer(update, context)
    context.user_data[EDIT] = {"id": m.id}
    lang = await language_of(update, context)
    markup = keyboard([[(t(context, lang, "common.btn_cancel"), f"{PREFIX}:cancel")]])
    values = await context_of(context.services, m)
    await say(update, context, f"meetings.ask_new_{what}", markup=markup, **values, max=PLACE[1])
    return State.NEW_TIME if what == "time" else State.NEW_PLACE


async def start_move(update: Update, context: MinhuContext) -> int | None:
    """改时间: ask for the new start."""
    return await _start_edit(update, context, "time")


async def start_place(update: Update, context: MinhuContext) -> int | None:
    """改地点: ask for the new place."""
    return await _start_edit(update, context, "place")


async def _edit(update: Update, context: MinhuContext, what: str) -> int | None:
    user, message = update.effective_user, update.message
    assert user is not None and message is not None and context.user_data is not None
    task = context.user_data.get(EDIT)
    if not isinstance(task, dict):
        await say(update, context, "meetings.refused", reason="expired")
        return ConversationHandler.END
    services = context.services
    typed = message.text or ""
    try:
        if what == "time":
            when = parse_time(typed, services.settings.tz, services.clock.now())
            m = await service.move(services, int(task["id"]), user.id, when)
        else:
            m = await service.change_place(services, int(task["id"]), user.id, typed)
    except Invalid as bad:
        await say(update, context, "meetings.invalid", reason=bad.reason, **bad.values)
        return None
    except service.Refused as refused:
        context.user_data.pop(EDIT, None)
        await say(update, context, "meetings.refused", reason=refused.reason, **refused.values)
        return ConversationHandler.END
    context.user_data.pop(EDIT, None)
    booked = len(await bookings.of_status(services.db, m.id, "booked"))
    waiting = len(await bookings.of_status(services.db, m.id, "waitlisted"))
    values = await context_of(services, m)
    await say(update, context, "meetings.changed_done", **values, what=what, told=booked + waiting)
    return ConversationHandler.END


async def new_time(update: Update, context: MinhuContext) -> int | None:
    """The new start: reminders follow it, registrants are told."""
    return await _edit(update, context, "time")


async def new_place(update: Update, context: MinhuContext) -> int | None:
    """The new place: registrants are told."""
    return await _edit(update, context, "place")


async def cancel_edit(update: Update, context: MinhuContext) -> int:
    """Leave without changing anything."""
    if context.user_data is not None:
        context.user_data.pop(EDIT, None)
    await answer(update, context)
    await say(update, context, "meetings.form_cancelled", edit=update.callback_query is not None)
    return ConversationHandler.END


# Check-in ---------------------------------------------------------------------------------


async def checkin(update: Update, context: MinhuContext) -> None:
    """/checkin CODE: the holder of the code is marked present."""
    user = update.effective_user
    assert user is not None
    if not await is_admin(update, context):
        return
    args = context.args or []
    if not args:
        await say(update, context, "meetings.checkin_usage")
        return
    try:
        done = await service.check_in(context.services, "".join(args), user.id)
    except service.Refused as refused:
        await say(update, context, "meetings.refused", reason=refused.reason, **refused.values)
        return
    values = await context_of(context.services, done.meeting)
    booked = len(await bookings.of_status(context.services.db, done.meeting.id, "booked"))
    await say(
        update,
        context,
        "meetings.checked_in",
        **values,
        name=done.booking.name,
        present=done.present,
        booked=booked,
    )


def handlers() -> list[BaseHandler]:
    """/meeting, /checkin, the admin buttons, and the edit conversation ("meeting_edit")."""
    typed = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND
    return [
        ConversationHandler(
            entry_points=[
                CallbackQueryHandler(start_move, pattern=rf"^{PREFIX}:mv:\d+$"),
                CallbackQueryHandler(start_place, pattern=rf"^{PREFIX}:pl:\d+$"),
            ],
            states={
                State.NEW_TIME: [
                    MessageHandler(typed, new_time),
                    MessageHandler(other, hint("meetings.expect_text")),
                ],
                State.NEW_PLACE: [
                    MessageHandler(typed, new_place),
                    MessageHandler(other, hint("meetings.expect_text")),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancel_edit),
                CallbackQueryHandler(cancel_edit, pattern=f"^{PREFIX}:cancel$"),
            ],
            name="meeting_edit",
            persistent=True,
            allow_reentry=True,
        ),
        CommandHandler("meeting", meeting_command),
        CommandHandler("checkin", checkin),
        CallbackQueryHandler(view, pattern=f"^{PREFIX}:v:"),
        CallbackQueryHandler(ask_cancel, pattern=f"^{PREFIX}:x:"),
        CallbackQueryHandler(cancel_meeting, pattern=f"^{PREFIX}:xy:"),
    ]
