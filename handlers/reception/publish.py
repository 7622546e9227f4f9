"""A representative publishes a reception day (接待日): station → time → number of slots →
confirm. `bot.reception.service.publish` checks the role again and writes the session with the
representative's reminders; `handlers.reception.outcomes` is what comes after."""

from __future__ import annotations

from datetime import timedelta
from enum import IntEnum
from typing import TypedDict

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.core.clock import from_iso
from bot.reception import buttons, service
from bot.reception.rules import Invalid, Refused, Stale
from bot.runtime.services import MinhuContext
from handlers.kit.common import Row, answer, pressed, say
from handlers.kit.conversation import (
    ask,
    buttons_step,
    cancelled,
    conversation,
    draft_step,
    refuse,
    renumbered,
    typed_or_pressed,
    typed_step,
)
from handlers.kit.submitted import ask_to_confirm, end_if_open, open_form, outside
from handlers.reception.steps import representative
from storage import reception as store
from storage import submissions
from storage.models import Role

DRAFT = "reception_draft"
QUICK_SLOTS = (3, 5, 10)
EXPIRED = "reception.expired"


# The steps, numbered 410-413 (120-123 before this version: see `kit.renumbered`).
class State(IntEnum):
    STATION = 410
    WHEN = 411
    SLOTS = 412
    CONFIRM = 413


class Draft(TypedDict, total=False):
    """The reception day being published (user_data[DRAFT])."""

    id: str  # the form's submission key, carried by its confirm button
    station_id: int
    station: str
    starts_at: str  # ISO time
    slots: int


async def start_publish(update: Update, context: MinhuContext) -> int | None:
    """发布接待日: at which station or point?"""
    if not await representative(update, context):
        return None
    await answer(update, context)
    assert context.user_data is not None
    context.user_data[DRAFT] = Draft(id=submissions.new_key())
    stations = await store.stations(context.services.db)
    rows: list[Row] = [[(s.name, buttons.STATION.pack(s.id))] for s in stations]
    await ask(update, context, "reception.ask_station", rows, buttons.CANCEL)
    return State.STATION


@draft_step(DRAFT, role=Role.REPRESENTATIVE, expired=EXPIRED)
async def station(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The station; then the time."""
    station_id = buttons.STATION.one(pressed(update))
    found = await store.station(context.services.db, station_id) if station_id else None
    if found is None:
        await answer(update, context, "common.invalid_button")
        return State.STATION
    await answer(update, context)
    draft["station_id"], draft["station"] = found.id, found.name
    services = context.services
    example = services.clock.now().astimezone(services.settings.tz) + timedelta(days=7)
    await say(
        update,
        context,
        "reception.ask_when",
        edit=True,
        station=found.name,
        example=example.strftime("%Y-%m-%d") + " 09:00",
    )
    return State.WHEN


@draft_step(DRAFT, role=Role.REPRESENTATIVE, expired=EXPIRED)
async def when(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The date and time; then the number of slots."""
    assert update.message is not None
    services = context.services
    now = services.clock.now()
    starts_at = service.parse_when(update.message.text or "", now, services.settings.tz)
    if starts_at is None:
        await say(update, context, "reception.bad_when")
        return State.WHEN
    if starts_at <= now or starts_at > now + service.MAX_AHEAD:
        raise Invalid("past" if starts_at <= now else "too_far")
    draft["starts_at"] = starts_at.isoformat()
    rows = [[(str(n), buttons.SLOTS.pack(n)) for n in QUICK_SLOTS]]
    low, high = service.SLOTS
    await ask(update, context, "reception.ask_slots", rows, buttons.CANCEL, min=low, max=high)
    return State.SLOTS


@draft_step(DRAFT, role=Role.REPRESENTATIVE, expired=EXPIRED)
async def slots_typed(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A typed number of slots."""
    assert update.message is not None
    text = (update.message.text or "").strip()
    return await _slots(update, context, draft, int(text) if text.isdigit() else None)


@draft_step(DRAFT, role=Role.REPRESENTATIVE, expired=EXPIRED)
async def slots_pressed(update: Update, context: MinhuContext, draft: Draft) -> int:
    """3, 5 or 10 slots."""
    await answer(update, context)
    n = buttons.SLOTS.one(pressed(update))
    return await _slots(update, context, draft, n if n in QUICK_SLOTS else None)


async def _slots(update: Update, context: MinhuContext, draft: Draft, n: int | None) -> int:
    low, high = service.SLOTS
    if n is None or not low <= n <= high:
        await say(update, context, "reception.bad_slots", min=low, max=high)
        return State.SLOTS
    draft["slots"] = n
    await ask_to_confirm(
        update,
        context,
        "reception.summary",
        "reception.btn_confirm",
        buttons.CONFIRM.pack(_key(draft)),
        buttons.CANCEL,
        station=draft["station"],
        starts_at=from_iso(draft["starts_at"]),
        slots=n,
    )
    return State.CONFIRM


def _key(draft: Draft) -> str:
    """The form's submission key (carried by its confirm button)."""
    if not isinstance(draft.get("id"), str):
        draft["id"] = submissions.new_key()
    return draft["id"]


async def confirm(update: Update, context: MinhuContext, *, inside: bool = True) -> int | None:
    """Publish once: residents of the zone see it in /reception. Pressed again — from any
    state, after a crash or a restart — it shows the session it published."""
    user, query = update.effective_user, update.callback_query
    assert user is not None and query is not None and context.user_data is not None
    db, key = context.services.db, buttons.CONFIRM.one(query.data)
    done = await submissions.find(db, key) if key else None
    found = await store.session(db, done.record_id) if done is not None else None
    if found is not None and found.representative_id == user.id:
        await answer(update, context)
        await _published(update, context, found)
        return end_if_open(context, DRAFT, key)
    draft: Draft | None = await open_form(
        update, context, DRAFT, key, inside=inside, expired=Stale("expired")
    )
    if draft is None:
        return end_if_open(context, DRAFT, key)
    try:
        if "slots" not in draft:
            raise Stale("expired")
        found = await service.publish(
            context.services,
            user.id,
            draft["station_id"],
            from_iso(draft["starts_at"]),
            draft["slots"],
            key=_key(draft),
        )
    except Refused as refused:
        await refuse(update, context, refused, edit=True)
        return ConversationHandler.END
    await answer(update, context)
    context.services.commits.mark(update.update_id, found.station_name)
    await _published(update, context, found)
    return ConversationHandler.END


async def _published(update: Update, context: MinhuContext, found: store.Session) -> None:
    """The summary becomes the confirmation."""
    await say(
        update,
        context,
        "reception.published",
        edit=True,
        station=found.station_name,
        starts_at=found.starts_at,
        slots=found.slots,
    )


def handlers() -> list[BaseHandler]:
    """Publishing a reception day (one persistent conversation)."""
    buttons_only = "reception.expect_button"
    publishing = conversation(
        "reception_rep",
        entry_points=[CallbackQueryHandler(start_publish, pattern=buttons.PUBLISH.pattern)],
        states={
            State.STATION: buttons_step(buttons_only, (buttons.STATION, station)),
            State.WHEN: typed_step(when, "reception.expect_text"),
            State.SLOTS: typed_or_pressed(
                slots_typed, "reception.expect_text", (buttons.SLOTS, slots_pressed)
            ),
            State.CONFIRM: buttons_step(buttons_only, (buttons.CONFIRM, confirm)),
        },
        cancel=cancelled("reception.cancelled", DRAFT),
        cancel_button=buttons.CANCEL,
    )
    return [
        renumbered(publishing, State, was=120),
        CallbackQueryHandler(outside(confirm), pattern=buttons.CONFIRM.pattern),
    ]
