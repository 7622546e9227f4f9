"""A representative publishes a reception day (接待日): station → time → number of slots →
confirm. `bot.reception.service.publish` checks the role again and writes the session with the
representative's reminders; `handlers.reception.outcomes` is what comes after."""

from __future__ import annotations

from datetime import timedelta
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

from bot.complaints.rules import NotAllowed
from bot.core.clock import from_iso
from bot.people.roles import has_role
from bot.reception import service
from bot.runtime.services import MinhuContext
from handlers.kit.common import (
    Row,
    answer,
    cancel_row,
    hint,
    keyboard,
    language_of,
    parse_int,
    say,
    t,
    user_draft,
)
from handlers.kit.submitted import end_if_open, key_in, outside
from storage import reception as store
from storage import submissions

PREFIX = "rv"
DRAFT = "reception_draft"  # user_data: id (the submission key), station, starts_at, slots
CONFIRM_PATTERN = f"^{PREFIX}:ok(:[0-9a-f]{{1,32}})?$"
QUICK_SLOTS = (3, 5, 10)


class State(IntEnum):
    STATION = 120
    WHEN = 121
    SLOTS = 122
    CONFIRM = 123


def ids(update: Update) -> list[int | None]:
    """The numbers after rv:<verb>: in the pressed button's data (None where forged)."""
    assert update.callback_query is not None
    return [parse_int(p) for p in (update.callback_query.data or "").split(":")[2:]]


async def representative(update: Update, context: MinhuContext) -> bool:
    """Representatives only; a polite refusal for everyone else."""
    user = update.effective_user
    if user is not None and await has_role(context.services, user.id, "representative"):
        return True
    await answer(update, context, "common.not_allowed")
    if update.callback_query is None:
        await say(update, context, "common.not_allowed")
    return False


async def start_publish(update: Update, context: MinhuContext) -> int | None:
    """发布接待日: at which station or point?"""
    if not await representative(update, context):
        return None
    await answer(update, context)
    assert context.user_data is not None
    context.user_data[DRAFT] = {"id": submissions.new_key()}
    lang = await language_of(update, context)
    stations = await store.stations(context.services.db)
    rows: list[Row] = [[(s.name, f"{PREFIX}:s:{s.id}")] for s in stations]
    rows.append(cancel_row(context, lang, PREFIX))
    await say(update, context, "reception.ask_station", markup=keyboard(rows))
    return State.STATION


async def station(update: Update, context: MinhuContext) -> int:
    """The station; then the time."""
    (station_id,) = ids(update)[:1] or [None]
    found = await store.station(context.services.db, station_id) if station_id else None
    if found is None:
        await answer(update, context, "common.invalid_button")
        return State.STATION
    await answer(update, context)
    user_draft(context, DRAFT).update({"station_id": found.id, "station": found.name})
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


async def when(update: Update, context: MinhuContext) -> int:
    """The date and time; then the number of slots."""
    assert update.message is not None
    services = context.services
    starts_at = service.parse_when(
        update.message.text or "", services.clock.now(), services.settings.tz
    )
    if starts_at is None:
        await say(update, context, "reception.bad_when")
        return State.WHEN
    now = services.clock.now()
    if starts_at <= now or starts_at > now + service.MAX_AHEAD:
        await say(
            update, context, "reception.refused", reason="past" if starts_at <= now else "too_far"
        )
        return State.WHEN
    user_draft(context, DRAFT)["starts_at"] = starts_at.isoformat()
    lang = await language_of(update, context)
    rows = [[(str(n), f"{PREFIX}:n:{n}") for n in QUICK_SLOTS], cancel_row(context, lang, PREFIX)]
    low, high = service.SLOTS
    await say(update, context, "reception.ask_slots", markup=keyboard(rows), min=low, max=high)
    return State.SLOTS


async def slots_typed(update: Update, context: MinhuContext) -> int:
    """A typed number of slots."""
    assert update.message is not None
    return await _slots(update, context, parse_int((update.message.text or "").strip()))


async def slots_pressed(update: Update, context: MinhuContext) -> int:
    """3, 5 or 10 slots."""
    await answer(update, context)
    (n,) = ids(update)[:1] or [None]
    return await _slots(update, context, n if n in QUICK_SLOTS else None)


async def _slots(update: Update, context: MinhuContext, n: int | None) -> int:
    low, high = service.SLOTS
    if n is None or not low <= n <= high:
        await say(update, context, "reception.bad_slots", min=low, max=high)
        return State.SLOTS
    draft = user_draft(context, DRAFT)
    draft["slots"] = n
    lang = await language_of(update, context)
    rows = [
        [(t(context, lang, "reception.btn_confirm"), f"{PREFIX}:ok:{_key(draft)}")],
        cancel_row(context, lang, PREFIX),
    ]
    await say(
        update,
        context,
        "reception.summary",
        edit=update.callback_query is not None,
        markup=keyboard(rows),
        station=draft["station"],
        starts_at=from_iso(draft["starts_at"]),
        slots=n,
    )
    return State.CONFIRM


def _key(draft: dict[str, Any]) -> str:
    """The form's submission key (carried by its confirm button)."""
    key = draft.get("id")
    if not isinstance(key, str):
        key = draft["id"] = submissions.new_key()
    return key


async def confirm(update: Update, context: MinhuContext, *, inside: bool = True) -> int | None:
    """Publish once: residents of the zone see it in /reception. Pressed again — from any
    state, after a crash or a restart — it shows the session it published."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    db, key = context.services.db, key_in(update)
    done = await submissions.find(db, key) if key else None
    found = await store.session(db, done.record_id) if done is not None else None
    if found is not None and found.representative_id == user.id:
        await answer(update, context)
        await _published(update, context, found)
        return end_if_open(context, DRAFT, key)
    draft = context.user_data.get(DRAFT)
    if not inside or not isinstance(draft, dict) or (key and draft.get("id") != key):
        await answer(update, context)
        await say(update, context, "reception.refused", edit=True, reason="expired")
        return end_if_open(context, DRAFT, key)
    context.user_data.pop(DRAFT, None)
    await answer(update, context)
    try:
        if "slots" not in draft:
            raise NotAllowed("expired")
        found = await service.publish(
            context.services,
            user.id,
            int(draft["station_id"]),
            from_iso(draft["starts_at"]),
            int(draft["slots"]),
            key=_key(draft),
        )
    except NotAllowed as refused:
        await say(update, context, "reception.refused", edit=True, reason=refused.reason)
        return ConversationHandler.END
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


async def cancel(update: Update, context: MinhuContext) -> int:
    """/cancel or the cancel button: nothing changes."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await answer(update, context)
    await say(update, context, "reception.cancelled", edit=update.callback_query is not None)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """Publishing a reception day (one persistent conversation)."""
    text = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND
    buttons_only: BaseHandler = MessageHandler(other, hint("reception.expect_button"))
    return [
        ConversationHandler(
            entry_points=[
                CallbackQueryHandler(start_publish, pattern=f"^{PREFIX}:new$"),
            ],
            states={
                State.STATION: [
                    CallbackQueryHandler(station, pattern=f"^{PREFIX}:s:"),
                    buttons_only,
                ],
                State.WHEN: [
                    MessageHandler(text, when),
                    MessageHandler(other, hint("reception.expect_text")),
                ],
                State.SLOTS: [
                    CallbackQueryHandler(slots_pressed, pattern=f"^{PREFIX}:n:"),
                    MessageHandler(text, slots_typed),
                    MessageHandler(other, hint("reception.expect_text")),
                ],
                State.CONFIRM: [
                    CallbackQueryHandler(confirm, pattern=CONFIRM_PATTERN),
                    buttons_only,
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=f"^{PREFIX}:cancel$"),
            ],
            name="reception_rep",
            persistent=True,
            allow_reentry=True,
        ),
        CallbackQueryHandler(outside(confirm), pattern=CONFIRM_PATTERN),
    ]
