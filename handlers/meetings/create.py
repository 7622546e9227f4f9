"""/newmeeting (admins): title → topic → audience (a zone, or one of its communities) → place →
start time → duration → capacity → seats reserved for representatives → registration
deadline → summary → publish.

Each typed step is one row of `FORM`: where the answer goes, how it is read and checked
(`bot.meetings.rules`), and which step follows; a wrong answer is explained and the step stays.
The draft lives in the admin's persisted data. Publishing calls `bot.meetings.service.create`, which
checks the role and every rule again and announces the meeting through the outbox.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any
from zoneinfo import ZoneInfo

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
from bot.meetings.rules import (
    CAPACITY,
    PLACE,
    TITLE,
    TOPIC,
    Invalid,
    check_deadline,
    check_reserved,
    check_start,
    parse_count,
    parse_deadline,
    parse_duration,
    parse_time,
    text_within,
)
from bot.people.roles import has_role
from bot.runtime.services import MinhuContext
from handlers.kit.common import answer, hint, keyboard, language_of, parse_int, say, t
from handlers.kit.submitted import end_if_open, key_in, outside, retire_buttons, toast
from handlers.meetings.resident import plain
from storage import geo, submissions
from storage import meetings as store
from storage.meetings import Meeting, NewMeeting

PREFIX = "mn"
DRAFT = "meeting_draft"


class State(IntEnum):
    TITLE = 61
    TOPIC = 62
    ZONE = 63
    COMMUNITY = 64
    PLACE = 65
    START = 66
    DURATION = 67
    CAPACITY = 68
    RESERVED = 69
    DEADLINE = 70
    CONFIRM = 71


Draft = dict[str, Any]
# A typed answer: the text, the time zone, now, the draft so far → the value to keep.
Reader = Callable[[str, ZoneInfo, datetime, Draft], Any]


def _start(text: str, tz: ZoneInfo, now: datetime, draft: Draft) -> str:
    return check_start(parse_time(text, tz, now), now).isoformat()


def _reserved(text: str, tz: ZoneInfo, now: datetime, draft: Draft) -> int:
    capacity = int(draft["capacity"])
    try:
        return check_reserved(parse_count(text, (0, CAPACITY[1]), "bad_reserved"), capacity)
    except Invalid as bad:
        raise Invalid("bad_reserved", max=capacity - 1) from bad


def _deadline(text: str, tz: ZoneInfo, now: datetime, draft: Draft) -> str:
    starts_at = datetime.fromisoformat(draft["starts_at"])
    return check_deadline(parse_deadline(text, tz, now), starts_at, now).isoformat()


# state: (draft field, reader, the step that follows)
FORM: dict[State, tuple[str, Reader, State]] = {
    State.TITLE: ("title", lambda text, *_: text_within(text, TITLE), State.TOPIC),
    State.TOPIC: ("topic", lambda text, *_: text_within(text, TOPIC), State.ZONE),
    State.PLACE: ("place", lambda text, *_: text_within(text, PLACE), State.START),
    State.START: ("starts_at", _start, State.DURATION),
    State.DURATION: ("duration", lambda text, *_: parse_duration(text), State.CAPACITY),
    State.CAPACITY: (
        "capacity",
        lambda text, *_: parse_count(text, CAPACITY, "bad_capacity"),
        State.RESERVED,
    ),
    State.RESERVED: ("reserved", _reserved, State.DEADLINE),
    State.DEADLINE: ("deadline", _deadline, State.CONFIRM),
}
QUESTIONS = {
    State.TITLE: "meetings.ask_title",
    State.TOPIC: "meetings.ask_topic_admin",
    State.PLACE: "meetings.ask_place",
    State.START: "meetings.ask_start",
    State.DURATION: "meetings.ask_duration",
    State.CAPACITY: "meetings.ask_capacity",
    State.RESERVED: "meetings.ask_reserved",
    State.DEADLINE: "meetings.ask_deadline",
}
LIMITS = {State.TITLE: TITLE, State.TOPIC: TOPIC, State.PLACE: PLACE, State.CAPACITY: CAPACITY}

Step = Callable[[Update, MinhuContext, Draft], Coroutine[Any, Any, int | None]]


def _with_draft(step: Step) -> Callable[[Update, MinhuContext], Coroutine[Any, Any, int | None]]:
    """Check the admin role again (it may have been revoked meanwhile) and give a step the
    draft (an admin who never registered loses it in a restart: only people's data is
    persisted; they are asked to start again)."""

    @functools.wraps(step)
    async def run(update: Update, context: MinhuContext) -> int | None:
        user = update.effective_user
        if user is None or not await has_role(context.services, user.id, "admin"):
            if context.user_data is not None:
                context.user_data.pop(DRAFT, None)
            await answer(update, context)
            await say(update, context, "common.not_allowed")
            return ConversationHandler.END
        draft = context.user_data.get(DRAFT) if context.user_data is not None else None
        if not isinstance(draft, dict):
            await answer(update, context)
            await say(update, context, "meetings.draft_expired")
            return ConversationHandler.END
        return await step(update, context, draft)

    return run


def _cancel_row(context: MinhuContext, lang: str) -> list[tuple[str, str]]:
    return [(t(context, lang, "common.btn_cancel"), f"{PREFIX}:cancel")]


def _example(context: MinhuContext) -> str:
    """A valid example a week from now, in local time."""
    later = context.services.clock.now() + timedelta(days=7)
    return later.astimezone(context.services.settings.tz).strftime("%Y-%m-%d 09:30")


async def _ask(update: Update, context: MinhuContext, draft: Draft, state: State) -> int:
    """Ask the question of `state` (the zone buttons, or the summary at the end)."""
    if state is State.ZONE:
        return await _ask_zone(update, context, edit=False)
    if state is State.CONFIRM:
        return await _summary(update, context, draft)
    lang = await language_of(update, context)
    rows = [_cancel_row(context, lang)]
    if state is State.RESERVED:
        rows.insert(0, [(t(context, lang, "meetings.btn_no_reserved"), f"{PREFIX}:r0")])
    low, high = LIMITS.get(state, (0, 0))
    if state is State.RESERVED:
        high = int(draft["capacity"]) - 1
    values: dict[str, Any] = {"min": low, "max": high, "example": _example(context)}
    await say(update, context, QUESTIONS[state], markup=keyboard(rows), **values)
    return state


async def _take(
    update: Update, context: MinhuContext, draft: Draft, state: State, text: str
) -> int | None:
    """Read and check one typed answer: keep it and ask the next question, or explain."""
    field, read, following = FORM[state]
    services = context.services
    try:
        draft[field] = read(text, services.settings.tz, services.clock.now(), draft)
    except Invalid as bad:
        await say(update, context, "meetings.invalid", reason=bad.reason, **bad.values)
        return None
    return await _ask(update, context, draft, following)


def typed_step(state: State) -> Callable[[Update, MinhuContext], Coroutine[Any, Any, int | None]]:
    """The callback for a typed answer at `state`."""

    @_with_draft
    async def typed(update: Update, context: MinhuContext, draft: Draft) -> int | None:
        assert update.message is not None
        return await _take(update, context, draft, state, update.message.text or "")

    typed.__doc__ = f"The answer to {QUESTIONS[state]}."
    return typed


async def start(update: Update, context: MinhuContext) -> int:
    """/newmeeting: admins only (checked on the server)."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    if not await has_role(context.services, user.id, "admin"):
        await say(update, context, "common.not_allowed")
        return ConversationHandler.END
    context.user_data[DRAFT] = {"id": submissions.new_key()}
    return await _ask(update, context, {}, State.TITLE)


@_with_draft
async def no_reserved(update: Update, context: MinhuContext, draft: Draft) -> int | None:
    """The "none" button of the reserved seats."""
    await answer(update, context)
    return await _take(update, context, draft, State.RESERVED, "0")


async def _ask_zone(update: Update, context: MinhuContext, *, edit: bool) -> int:
    lang = await language_of(update, context)
    zones = await geo.zones(context.services.db)
    rows = [[(z.name, f"{PREFIX}:z:{z.id}")] for z in zones]
    rows.append(_cancel_row(context, lang))
    await say(update, context, "meetings.ask_zone", edit=edit, markup=keyboard(rows))
    return State.ZONE


@_with_draft
async def zone(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A zone: the whole zone, or one of its communities."""
    assert update.callback_query is not None
    zone_id = parse_int((update.callback_query.data or "").rsplit(":", 1)[-1])
    found = await geo.zone(context.services.db, zone_id) if zone_id else None
    if found is None:
        await answer(update, context, "common.invalid_button")
        return State.ZONE
    await answer(update, context)
    draft["zone_id"] = found.id
    lang = await language_of(update, context)
    whole = plain(context, lang, "meetings.btn_whole_zone", zone=found.name)
    rows = [[(whole, f"{PREFIX}:all")]]
    for c in await geo.communities(context.services.db, found.id):
        rows.append([(c.name, f"{PREFIX}:c:{c.id}")])
    rows.append([(t(context, lang, "common.btn_back"), f"{PREFIX}:back")])
    markup = keyboard(rows)
    await say(update, context, "meetings.ask_community", edit=True, markup=markup, zone=found.name)
    return State.COMMUNITY


@_with_draft
async def community(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The whole zone, or a community of it; then the place."""
    assert update.callback_query is not None
    data = update.callback_query.data or ""
    community_id = None
    if data != f"{PREFIX}:all":
        community_id = parse_int(data.rsplit(":", 1)[-1])
        found = await geo.community(context.services.db, community_id) if community_id else None
        if found is None or found.zone_id != draft.get("zone_id"):
            await answer(update, context, "common.invalid_button")
            return State.COMMUNITY
    draft["community_id"] = community_id
    await answer(update, context)
    audience = await _audience(context, draft)
    await say(update, context, "meetings.audience_chosen", edit=True, audience=audience)
    return await _ask(update, context, draft, State.PLACE)


@_with_draft
async def back(update: Update, context: MinhuContext, draft: Draft) -> int:
    """Back to the zones."""
    await answer(update, context)
    return await _ask_zone(update, context, edit=True)


async def _audience(context: MinhuContext, draft: Draft) -> str:
    db = context.services.db
    found = await geo.zone(db, int(draft["zone_id"]))
    names = [found.name if found else "?"]
    if draft.get("community_id"):
        c = await geo.community(db, int(draft["community_id"]))
        names.append(c.name if c else "?")
    return " · ".join(names)


def _new(draft: Draft) -> NewMeeting:
    return NewMeeting(
        title=draft["title"],
        topic=draft["topic"],
        zone_id=int(draft["zone_id"]),
        community_id=draft.get("community_id"),
        place=draft["place"],
        starts_at=datetime.fromisoformat(draft["starts_at"]),
        duration_minutes=int(draft["duration"]),
        capacity=int(draft["capacity"]),
        reserved_seats=int(draft["reserved"]),
        registration_until=datetime.fromisoformat(draft["deadline"]),
    )


async def _summary(update: Update, context: MinhuContext, draft: Draft) -> int:
    lang = await language_of(update, context)
    new = _new(draft)
    key = draft.setdefault("id", submissions.new_key())
    publish_row = [(t(context, lang, "meetings.btn_publish"), f"{PREFIX}:ok:{key}")]
    await say(
        update,
        context,
        "meetings.new_summary",
        markup=keyboard([publish_row, _cancel_row(context, lang)]),
        title=new.title,
        topic=new.topic,
        audience=await _audience(context, draft),
        place=new.place,
        starts_at=new.starts_at,
        duration=new.duration_minutes,
        capacity=new.capacity,
        reserved=new.reserved_seats,
        registration_until=new.registration_until,
    )
    return State.CONFIRM


async def publish(update: Update, context: MinhuContext, *, inside: bool = True) -> int | None:
    """Publish: the meeting once. The button carries the form's key, so pressing it again —
    from any state, after a crash or a restart — shows the meeting it created."""
    assert context.user_data is not None
    key = key_in(update)
    done = await submissions.find(context.services.db, key) if key else None
    if done is not None and done.kind == "meeting":
        m = await store.get(context.services.db, done.record_id)
        assert m is not None
        await toast(update, context, "meetings.already_published", meeting_id=m.id)
        await _show_created(update, context, m)
        return end_if_open(context, DRAFT, key)
    draft = context.user_data.get(DRAFT)
    if not inside or (isinstance(draft, dict) and key and draft.get("id") != key):
        await answer(update, context)
        await retire_buttons(update)
        await say(update, context, "meetings.draft_expired")
        return end_if_open(context, DRAFT, key)
    return await _publish(update, context)


@_with_draft
async def _publish(update: Update, context: MinhuContext, draft: Draft) -> int | None:
    """Create and announce the meeting (the role and every rule are checked again)."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    await answer(update, context)
    try:
        m = await service.create(context.services, user.id, _new(draft), key=draft.get("id"))
    except Invalid as bad:  # the times passed while the form was open: ask them again
        await say(update, context, "meetings.invalid", reason=bad.reason, **bad.values)
        return await _ask(update, context, draft, State.START)
    except service.Refused as refused:
        context.user_data.pop(DRAFT, None)
        await say(update, context, "meetings.refused", reason=refused.reason, **refused.values)
        return ConversationHandler.END
    context.services.commits.mark(update.update_id, f"#{m.id}")
    context.user_data.pop(DRAFT, None)
    await _show_created(update, context, m)
    return ConversationHandler.END


async def _show_created(update: Update, context: MinhuContext, m: Meeting) -> None:
    """The summary becomes the confirmation: published, and how many are told."""
    reach = len(await store.audience(context.services.db, m, include_muted=False))
    values = await context_of(context.services, m)
    await say(update, context, "meetings.created", edit=True, **values, reach=reach)


async def cancel(update: Update, context: MinhuContext) -> int:
    """Leave the form; nothing is created."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await answer(update, context)
    await say(update, context, "meetings.form_cancelled", edit=update.callback_query is not None)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The /newmeeting conversation (persistent: it survives a restart)."""
    typed = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND
    buttons_only = MessageHandler(other, hint("meetings.expect_button"))
    states: dict[object, list[BaseHandler]] = {
        state: [
            MessageHandler(typed, typed_step(state)),
            MessageHandler(other, hint("meetings.expect_text")),
        ]
        for state in FORM
    }
    states[State.RESERVED].insert(0, CallbackQueryHandler(no_reserved, pattern=f"^{PREFIX}:r0$"))
    states[State.ZONE] = [CallbackQueryHandler(zone, pattern=f"^{PREFIX}:z:"), buttons_only]
    states[State.COMMUNITY] = [
        CallbackQueryHandler(community, pattern=f"^{PREFIX}:(all|c:)"),
        CallbackQueryHandler(back, pattern=f"^{PREFIX}:back$"),
        buttons_only,
    ]
    publish_pattern = f"^{PREFIX}:ok(:[0-9a-f]{{1,32}})?$"
    states[State.CONFIRM] = [CallbackQueryHandler(publish, pattern=publish_pattern), buttons_only]
    return [
        ConversationHandler(
            entry_points=[CommandHandler("newmeeting", start)],
            states=states,
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=f"^{PREFIX}:cancel$"),
            ],
            name="newmeeting",
            persistent=True,
            allow_reentry=True,
        ),
        CallbackQueryHandler(outside(publish), pattern=publish_pattern),
    ]
