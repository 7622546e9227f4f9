"""/newmeeting (admins): title → topic → audience (a zone, or one of its communities) → place →
start time → duration → capacity → seats reserved for representatives → registration
deadline → summary → publish.

The typed steps are rows of `handlers.meetings.create_form.FORM`; a wrong answer is explained
and the step stays. The draft lives in the admin's persisted data, and every step checks the
admin role again (`draft_step`). Publishing calls `bot.meetings.service.create`, which checks
the role and every rule again and announces the meeting through the outbox.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.meetings import service
from bot.meetings.buttons import (
    COMMUNITY,
    FORM_CANCEL,
    NO_RESERVED,
    PUBLISH,
    WHOLE_ZONE,
    ZONE,
    ZONES,
)
from bot.meetings.rules import Invalid
from bot.people.roles import Role
from bot.runtime.services import MinhuContext
from handlers.kit.common import answer, button_row, keyboard, language_of, pressed, say
from handlers.kit.conversation import (
    Handlers,
    ask,
    buttons_step,
    cancelled,
    chosen,
    conversation,
    draft_step,
    form_start,
    refusal_ends,
    refuse,
    renumbered,
    typed_step,
)
from handlers.kit.submitted import end_if_open, outside, retire_buttons, toast
from handlers.meetings.common import plain, say_about
from handlers.meetings.create_form import (
    DRAFT,
    FORM,
    LIMITS,
    QUESTIONS,
    MeetingDraft,
    State,
    new_meeting,
    take,
)
from storage import geo, submissions
from storage import meetings as store
from storage.meetings import Meeting

# A step of the form: the admin role checked again (it may have been revoked meanwhile) and
# the draft given (an admin who never registered loses it in a restart: only people's data
# is persisted; they are asked to start again).
form_step = draft_step(DRAFT, role=Role.ADMIN, expired="meetings.draft_expired")


def _example(context: MinhuContext) -> str:
    """A valid example a week from now, in local time."""
    later = context.services.clock.now() + timedelta(days=7)
    return later.astimezone(context.services.settings.tz).strftime("%Y-%m-%d 09:30")


async def _ask(update: Update, context: MinhuContext, draft: MeetingDraft, state: State) -> int:
    """Ask the question of `state` (the zone buttons, or the summary at the end)."""
    if state is State.ZONE:
        return await _ask_zone(update, context, edit=False)
    if state is State.CONFIRM:
        return await _summary(update, context, draft)
    lang = await language_of(update, context)
    rows = []
    low, high = LIMITS.get(state, (0, 0))
    if state is State.RESERVED:
        rows.append(button_row(context, lang, "meetings.btn_no_reserved", NO_RESERVED))
        high = int(draft["capacity"]) - 1
    values: dict[str, Any] = {"min": low, "max": high, "example": _example(context)}
    await ask(update, context, QUESTIONS[state], rows, FORM_CANCEL, **values)
    return state


async def _take(
    update: Update, context: MinhuContext, draft: MeetingDraft, state: State, text: str
) -> int:
    """Keep one typed answer and ask the next question (Invalid: `form_step` explains)."""
    services = context.services
    following = take(draft, state, text, services.settings.tz, services.clock.now())
    return await _ask(update, context, draft, following)


def answer_to(state: State) -> Callable[[Update, MinhuContext], Coroutine[Any, Any, int | None]]:
    """The callback for a typed answer at `state`."""

    @form_step
    async def typed(update: Update, context: MinhuContext, draft: MeetingDraft) -> int | None:
        assert update.message is not None
        return await _take(update, context, draft, state, update.message.text or "")

    typed.__doc__ = f"The answer to {QUESTIONS[state]}."
    return typed


@form_start(DRAFT, Role.ADMIN)
async def start(update: Update, context: MinhuContext, draft: MeetingDraft) -> int:
    """/newmeeting: admins only (checked on the server); a new draft with the form's key."""
    return await _ask(update, context, draft, State.TITLE)


@form_step
async def no_reserved(update: Update, context: MinhuContext, draft: MeetingDraft) -> int | None:
    """The "none" button of the reserved seats."""
    await answer(update, context)
    return await _take(update, context, draft, State.RESERVED, "0")


async def _ask_zone(update: Update, context: MinhuContext, *, edit: bool) -> int:
    zones = await geo.zones(context.services.db)
    rows = [[(z.name, ZONE.pack(z.id))] for z in zones]
    await ask(update, context, "meetings.ask_zone", rows, FORM_CANCEL, edit=edit)
    return State.ZONE


@form_step
async def zone(update: Update, context: MinhuContext, draft: MeetingDraft) -> int:
    """A zone: the whole zone, or one of its communities."""
    found = await chosen(update, context, ZONE, functools.partial(geo.zone, context.services.db))
    if found is None:
        return State.ZONE
    draft["zone_id"] = found.id
    lang = await language_of(update, context)
    whole = plain(context, lang, "meetings.btn_whole_zone", zone=found.name)
    rows = [[(whole, WHOLE_ZONE.pack())]]
    for c in await geo.communities(context.services.db, found.id):
        rows.append([(c.name, COMMUNITY.pack(c.id))])
    rows.append(button_row(context, lang, "common.btn_back", ZONES))
    markup = keyboard(rows)
    await say(update, context, "meetings.ask_community", edit=True, markup=markup, zone=found.name)
    return State.COMMUNITY


@form_step
async def community(update: Update, context: MinhuContext, draft: MeetingDraft) -> int:
    """The whole zone (`WHOLE_ZONE`), or a community of it; then the place."""
    community_id = COMMUNITY.one(pressed(update))
    if community_id is not None:
        found = await geo.community(context.services.db, community_id)
        if found is None or found.zone_id != draft.get("zone_id"):
            await answer(update, context, "common.invalid_button")
            return State.COMMUNITY
    draft["community_id"] = community_id
    await answer(update, context)
    audience = await _audience(context, draft)
    await say(update, context, "meetings.audience_chosen", edit=True, audience=audience)
    return await _ask(update, context, draft, State.PLACE)


@form_step
async def back(update: Update, context: MinhuContext, draft: MeetingDraft) -> int:
    """Back to the zones."""
    await answer(update, context)
    return await _ask_zone(update, context, edit=True)


async def _audience(context: MinhuContext, draft: MeetingDraft) -> str:
    db = context.services.db
    found = await geo.zone(db, int(draft["zone_id"]))
    names = [found.name if found else "?"]
    if draft.get("community_id"):
        c = await geo.community(db, int(draft["community_id"] or 0))
        names.append(c.name if c else "?")
    return " · ".join(names)


async def _summary(update: Update, context: MinhuContext, draft: MeetingDraft) -> int:
    lang = await language_of(update, context)
    new = new_meeting(draft)
    key = draft.setdefault("id", submissions.new_key())
    publish_row = button_row(context, lang, "meetings.btn_publish", PUBLISH, key)
    await ask(
        update,
        context,
        "meetings.new_summary",
        [publish_row],
        FORM_CANCEL,
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
    assert context.user_data is not None and update.callback_query is not None
    key = PUBLISH.one(update.callback_query.data)
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
        await retire_buttons(update, context)
        await say(update, context, "meetings.draft_expired")
        return end_if_open(context, DRAFT, key)
    return await _publish(update, context)


@form_step
@refusal_ends(DRAFT)
async def _publish(update: Update, context: MinhuContext, draft: MeetingDraft) -> int | None:
    """Create and announce the meeting (the role and every rule are checked again)."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    new = new_meeting(draft)
    try:
        m = await service.create(context.services, user.id, new, key=draft.get("id"))
    except Invalid as bad:  # the times passed while the form was open: ask them again
        await refuse(update, context, bad)
        return await _ask(update, context, draft, State.START)
    await answer(update, context)
    context.services.commits.mark(update.update_id, f"#{m.id}")
    context.user_data.pop(DRAFT, None)
    await _show_created(update, context, m)
    return ConversationHandler.END


async def _show_created(update: Update, context: MinhuContext, m: Meeting) -> None:
    """The summary becomes the confirmation: published, and how many are told."""
    reach = len(await store.audience(context.services.db, m, include_muted=False))
    await say_about(update, context, "meetings.created", m, edit=True, reach=reach)


def handlers() -> list[BaseHandler]:
    """The /newmeeting conversation (persistent: it survives a restart)."""
    button = "meetings.expect_button"
    states: dict[object, Handlers] = {
        state: typed_step(answer_to(state), "meetings.expect_text") for state in FORM
    }
    states[State.RESERVED].insert(0, CallbackQueryHandler(no_reserved, pattern=NO_RESERVED.pattern))
    states[State.ZONE] = buttons_step(button, (ZONE, zone))
    states[State.COMMUNITY] = buttons_step(
        button, (WHOLE_ZONE, community), (COMMUNITY, community), (ZONES, back)
    )
    states[State.CONFIRM] = buttons_step(button, (PUBLISH, publish))
    return [
        renumbered(
            conversation(
                "newmeeting",
                entry_points=[CommandHandler("newmeeting", start)],
                states=states,
                cancel=cancelled("meetings.form_cancelled", DRAFT),
                cancel_button=FORM_CANCEL,
            ),
            State,
            was=61,
        ),
        CallbackQueryHandler(outside(publish), pattern=PUBLISH.pattern),
    ]
