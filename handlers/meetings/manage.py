"""Admins and a meeting after it is published: /meeting [ID] (bookings, waiting list, proposed
topics, the result), moving it or changing its place (a small persistent conversation),
cancelling it, and /checkin CODE at the door.

Buttons: the `me` families of `bot.meetings.buttons`. The role is checked on the server for
every command and button, and again by `bot.meetings.manage` for every change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from enum import IntEnum
from typing import Any, TypedDict

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.core.buttons import Family
from bot.meetings import manage, service
from bot.meetings.buttons import (
    ADMIN_VIEW,
    CANCEL_MEETING,
    CANCEL_MEETING_YES,
    EDIT_CANCEL,
    MOVE,
    PLACE,
    RESULT,
)
from bot.meetings.rules import PLACE as PLACE_LENGTH
from bot.meetings.rules import BookingStatus, MeetingStatus, Seats, parse_time
from bot.people.roles import Role
from bot.runtime.services import MinhuContext
from handlers.kit.common import answer, button_row, keyboard, language_of, pressed, say, t
from handlers.kit.conversation import (
    cancelled,
    chosen,
    conversation,
    draft_step,
    holds_role,
    refusal_ends,
    refusals_answered,
    renumbered,
    typed_step,
)
from handlers.meetings.common import plain, say_about, typed_meeting
from storage import meeting_bookings as bookings
from storage import meetings as store
from storage.meeting_bookings import Booking
from storage.meetings import Meeting

EDIT = "meeting_edit"  # user_data: an EditDraft
NAMES_SHOWN = 30
TOPICS_SHOWN = 8


class State(IntEnum):
    # 72-73 before this version: see `kit.renumbered`.
    NEW_TIME = 230
    NEW_PLACE = 231


class EditDraft(TypedDict):
    """The meeting being moved or given a new place."""

    id: int


async def say_meetings(
    update: Update, context: MinhuContext, key: str, items: list[Meeting], family: Family
) -> None:
    """A list of meetings for admins (template `key`, given their `count`), a button each
    showing its number, title and time that presses `family` with its id."""
    lang = await language_of(update, context)
    rows = [
        [(plain(context, lang, "meetings.btn_admin_item", **_item(m)), family.pack(m.id))]
        for m in items
    ]
    markup = keyboard(rows) if rows else None
    await say(update, context, key, markup=markup, count=len(items))


def _item(m: Meeting) -> dict[str, Any]:
    return {"id": m.id, "title": m.title, "starts_at": m.starts_at}


def admins_only(step: Callable[..., Coroutine[Any, Any, Any]]) -> Any:
    """A command or button for admins (checked on the server): anyone else is told "not
    allowed" (the press answered), and no conversation starts."""

    @functools.wraps(step)
    async def run(update: Update, context: MinhuContext, *args: Any) -> Any:
        if not await holds_role(update, context, Role.ADMIN):
            await answer(update, context)
            await say(update, context, "common.not_allowed")
            return ConversationHandler.END
        return await step(update, context, *args)

    return run


def _people(items: list[Booking]) -> list[dict[str, Any]]:
    return [
        {"name": b.name or str(b.person_id or "—"), "present": b.checked_in_at is not None}
        for b in items[:NAMES_SHOWN]
    ]


async def show(update: Update, context: MinhuContext, m: Meeting) -> None:
    """A meeting as admins see it, with the buttons its state allows."""
    services = context.services
    db, now = services.db, services.clock.now()
    booked = await bookings.of_status(db, m.id, BookingStatus.BOOKED)
    waiting = await bookings.of_status(db, m.id, BookingStatus.WAITLISTED)
    topics, topic_count = await store.topics(db, m.id, TOPICS_SHOWN)
    seats = Seats(m.capacity, m.reserved_seats, *await bookings.seats_now(db, m.id))
    present = sum(1 for b in booked if b.checked_in_at is not None)
    lang = await language_of(update, context)
    is_open, ahead = m.status == MeetingStatus.OPEN, now < m.starts_at
    offered = [  # (shown, the row's buttons: label, family of the meeting's id)
        (is_open and ahead, [("meetings.btn_move", MOVE), ("meetings.btn_place", PLACE)]),
        (is_open and not ahead, [("meetings.btn_result", RESULT)]),
        (is_open, [("meetings.btn_cancel_meeting", CANCEL_MEETING)]),
    ]
    rows = [
        [(t(context, lang, k), f.pack(m.id)) for k, f in row] for shown, row in offered if shown
    ]
    await say_about(
        update,
        context,
        "meetings.admin_view",
        m,
        rows,
        status=m.status,
        started=not ahead,
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


@admins_only
@refusals_answered
async def meeting_command(update: Update, context: MinhuContext) -> None:
    """/meeting ID: one meeting; /meeting alone: the open ones, a button each."""
    db = context.services.db
    if context.args:
        meeting_id = typed_meeting(context)
        m = await store.get(db, meeting_id) if meeting_id else None
        if m is None:
            raise service.NotFound("not_found")
        await show(update, context, m)
        return
    items = await store.for_admins(db, context.services.clock.now())
    await say_meetings(update, context, "meetings.admin_list", items, ADMIN_VIEW)


async def _pressed_meeting(update: Update, context: MinhuContext, family: Family) -> Meeting | None:
    """The meeting an admin's button of `family` names, the press answered; None (and said
    why) for a meeting that is gone."""
    return await chosen(update, context, family, functools.partial(store.get, context.services.db))


@admins_only
async def view(update: Update, context: MinhuContext) -> None:
    """A meeting from the admin list."""
    m = await _pressed_meeting(update, context, ADMIN_VIEW)
    if m is not None:
        await show(update, context, m)


# Cancelling a meeting ---------------------------------------------------------------------


@admins_only
async def ask_cancel(update: Update, context: MinhuContext) -> None:
    """取消议事会: confirm first."""
    m = await _pressed_meeting(update, context, CANCEL_MEETING)
    if m is None:
        return
    lang = await language_of(update, context)
    yes = button_row(context, lang, "meetings.btn_confirm_cancel_meeting", CANCEL_MEETING_YES, m.id)
    await say_about(update, context, "meetings.confirm_cancel_meeting", m, [yes])


@admins_only
@refusals_answered
async def cancel_meeting(update: Update, context: MinhuContext) -> None:
    """Cancelled: pending reminders dropped, registrants told."""
    user = update.effective_user
    meeting_id = CANCEL_MEETING_YES.one(pressed(update))  # the pattern let only an id through
    assert user is not None and meeting_id is not None
    told = await manage.cancel_meeting(context.services, meeting_id, user.id)
    m = await store.get(context.services.db, meeting_id)
    assert m is not None
    await answer(update, context)
    await say_about(update, context, "meetings.meeting_cancelled", m, edit=True, told=len(told))


# Moving a meeting or changing its place ---------------------------------------------------


@admins_only
@refusal_ends()
async def _start_edit(update: Update, context: MinhuContext, what: str) -> int | None:
    assert context.user_data is not None
    meeting_id = (MOVE if what == "time" else PLACE).one(pressed(update))
    m = await store.get(context.services.db, meeting_id) if meeting_id else None
    now = context.services.clock.now()
    if m is None:
        raise service.NotFound("not_found")
    if m.status != MeetingStatus.OPEN or now >= m.starts_at:
        raise service.Stale("started")
    await answer(update, context)
    context.user_data[EDIT] = EditDraft(id=m.id)
    lang = await language_of(update, context)
    cancel = button_row(context, lang, "common.btn_cancel", EDIT_CANCEL)
    await say_about(update, context, f"meetings.ask_new_{what}", m, [cancel], max=PLACE_LENGTH[1])
    return State.NEW_TIME if what == "time" else State.NEW_PLACE


async def start_move(update: Update, context: MinhuContext) -> int | None:
    """改时间: ask for the new start."""
    return await _start_edit(update, context, "time")


async def start_place(update: Update, context: MinhuContext) -> int | None:
    """改地点: ask for the new place."""
    return await _start_edit(update, context, "place")


async def _edited(update: Update, context: MinhuContext, m: Meeting, what: str) -> int:
    """Done: the admin is told how many registrants hear of it."""
    assert context.user_data is not None
    context.user_data.pop(EDIT, None)
    db = context.services.db
    booked = len(await bookings.of_status(db, m.id, BookingStatus.BOOKED))
    waiting = len(await bookings.of_status(db, m.id, BookingStatus.WAITLISTED))
    await say_about(update, context, "meetings.changed_done", m, what=what, told=booked + waiting)
    return ConversationHandler.END


@draft_step(EDIT, role=Role.ADMIN, expired="meetings.draft_expired")
@refusal_ends(EDIT)
async def new_time(update: Update, context: MinhuContext, task: EditDraft) -> int | None:
    """The new start: reminders follow it, registrants are told."""
    user, message, services = update.effective_user, update.message, context.services
    assert user is not None and message is not None
    when = parse_time(message.text or "", services.settings.tz, services.clock.now())
    m = await manage.move(services, int(task["id"]), user.id, when)
    return await _edited(update, context, m, "time")


@draft_step(EDIT, role=Role.ADMIN, expired="meetings.draft_expired")
@refusal_ends(EDIT)
async def new_place(update: Update, context: MinhuContext, task: EditDraft) -> int | None:
    """The new place: registrants are told."""
    user, message = update.effective_user, update.message
    assert user is not None and message is not None
    m = await manage.change_place(context.services, int(task["id"]), user.id, message.text or "")
    return await _edited(update, context, m, "place")


# Check-in ---------------------------------------------------------------------------------


@admins_only
@refusals_answered
async def checkin(update: Update, context: MinhuContext) -> None:
    """/checkin CODE: the holder of the code is marked present."""
    user = update.effective_user
    assert user is not None
    args = context.args or []
    if not args:
        await say(update, context, "meetings.checkin_usage")
        return
    done = await manage.check_in(context.services, "".join(args), user.id)
    m, db = done.meeting, context.services.db
    booked = len(await bookings.of_status(db, m.id, BookingStatus.BOOKED))
    name, present = done.booking.name, done.present
    await say_about(
        update, context, "meetings.checked_in", m, name=name, present=present, booked=booked
    )


def handlers() -> list[BaseHandler]:
    """/meeting, /checkin, the admin buttons, and the edit conversation ("meeting_edit")."""
    return [
        renumbered(
            conversation(
                "meeting_edit",
                entry_points=[
                    CallbackQueryHandler(start_move, pattern=MOVE.pattern),
                    CallbackQueryHandler(start_place, pattern=PLACE.pattern),
                ],
                states={
                    State.NEW_TIME: typed_step(new_time, "meetings.expect_text"),
                    State.NEW_PLACE: typed_step(new_place, "meetings.expect_text"),
                },
                cancel=cancelled("meetings.form_cancelled", EDIT),
                cancel_button=EDIT_CANCEL,
            ),
            State,
            was=72,
        ),
        CommandHandler("meeting", meeting_command),
        CommandHandler("checkin", checkin),
        CallbackQueryHandler(view, pattern=ADMIN_VIEW.pattern),
        CallbackQueryHandler(ask_cancel, pattern=CANCEL_MEETING.pattern),
        CallbackQueryHandler(cancel_meeting, pattern=CANCEL_MEETING_YES.pattern),
    ]
