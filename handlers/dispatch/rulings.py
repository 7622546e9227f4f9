"""The dispatch centre's rulings from the buttons of its notices (approve or refuse a 退回 or
an extension; re-routing is the staff's own 转办 button), and a handler's 延期申请: a new
day to resolve by, then the reason. Every press is checked again by `bot.dispatch.rulings`."""

from __future__ import annotations

from datetime import date
from enum import IntEnum
from typing import TypedDict

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.complaints.notices import reporter_reachable
from bot.core.buttons import Family
from bot.core.dates import parse_day
from bot.dispatch import rulings
from bot.dispatch.buttons import CANCEL, EXTEND, EXTEND_NO, EXTEND_OK, REJECT_NO, REJECT_OK
from bot.runtime.services import MinhuContext
from handlers.kit import conversation as kit
from handlers.kit.common import answer, say
from storage import complaints

SLOT = "dispatch_extension"  # the user's data slot of the extension being asked for
RULINGS: tuple[tuple[Family, bool], ...] = (
    (REJECT_OK, True),
    (REJECT_NO, False),
    (EXTEND_OK, True),
    (EXTEND_NO, False),
)


class State(IntEnum):
    """The steps of 延期申请."""

    DAY = 520
    REASON = 521


class Extension(TypedDict, total=False):
    """The extension being asked for (JSON, in the user's persisted data)."""

    id: int
    day: str  # ISO date
    prompt: int | None


def ruling(family: Family, approve: bool) -> kit.Callback:
    """A ruling button: approve or refuse the request it names."""

    async def pressed(update: Update, context: MinhuContext) -> None:
        query, user = update.callback_query, update.effective_user
        assert query is not None and user is not None
        try:
            done = await rulings.rule(context.services, family.one(query.data), user.id, approve)
        except rulings.Refused as refused:
            await kit.refuse_pressed(update, context, refused)
            return
        c = await complaints.get(context.services.db, done.complaint_id)
        told = c is not None and await reporter_reachable(context.services, c)
        await answer(update, context)
        await say(
            update,
            context,
            "dispatch.ruled",
            edit=True,
            kind=done.kind,
            status=done.status,
            number=c.number if c else "",
            new_due_at=done.new_due_at,
            told=told,
        )

    pressed.__doc__ = f"{family.prefix}:{family.verb}: the ruling."
    return pressed


async def begin(update: Update, context: MinhuContext) -> int | None:
    """⏳ 延期申请 pressed: check, then ask for the new day."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and context.user_data is not None
    c = await complaints.get(context.services.db, EXTEND.one(query.data) or 0)
    try:
        if c is None:
            raise rulings.Refused("not_found")
        await rulings.may_extend(context.services, c, user.id)
    except rulings.Refused as refused:
        await kit.refuse_pressed(update, context, refused)
        return None
    await answer(update, context)
    sent = await kit.ask(
        update, context, "dispatch.ask_day", [], CANCEL, number=c.number, due=c.resolve_due_at
    )
    context.user_data[SLOT] = Extension(id=c.id, prompt=sent.message_id if sent else None)
    return State.DAY


with_extension = kit.draft_step(SLOT, role=None, expired="dispatch.expired")


@with_extension
async def day(update: Update, context: MinhuContext, ext: Extension) -> int | None:
    """The new day (a working day after the current deadline, at most 60 days later)."""
    assert update.message is not None
    services = context.services
    today = services.clock.now().astimezone(services.settings.tz).date()
    found = parse_day(update.message.text or "", today)
    if found is None:
        await say(update, context, "dispatch.bad_day_format")
        return None
    c = await complaints.get(services.db, ext["id"])
    if c is None or c.resolve_due_at is None:
        raise rulings.Refused("not_found")
    rulings.check_day(services, c, found)  # a Refusal is answered; the step stays
    ext["day"] = found.isoformat()
    await kit.ask(
        update, context, "dispatch.ask_reason", [], CANCEL, number=c.number, day=found.isoformat()
    )
    return State.REASON


@with_extension
async def reason(update: Update, context: MinhuContext, ext: Extension) -> int | None:
    """The reason: the request goes to the dispatch centre."""
    assert update.effective_user is not None and context.user_data is not None
    text = await kit.typed_within(update, context, (2, 500), "staff.bad_length")
    if text is None:
        return None
    try:
        asked = await rulings.ask_extension(
            context.services,
            ext["id"],
            update.effective_user.id,
            date.fromisoformat(ext["day"]),
            text,
        )
    except rulings.Refused as refused:  # it moved on meanwhile: nothing asked
        context.user_data.pop(SLOT, None)
        await kit.refuse(update, context, refused)
        return ConversationHandler.END
    context.user_data.pop(SLOT, None)
    await say(update, context, "dispatch.extension_sent", new_due_at=asked.new_due_at)
    return ConversationHandler.END


cancel = kit.cancelled("dispatch.cancelled", SLOT)


def handlers() -> list[BaseHandler]:
    """The ruling buttons, and the one persistent conversation of 延期申请."""
    extension = kit.conversation(
        "dispatch_extension",
        entry_points=[CallbackQueryHandler(begin, pattern=EXTEND.pattern)],
        states={
            State.DAY: kit.typed_step(day, "staff.expect_text"),
            State.REASON: kit.typed_step(reason, "staff.expect_text"),
        },
        cancel=cancel,
        cancel_button=CANCEL,
    )
    return [
        *(CallbackQueryHandler(ruling(f, ok), pattern=f.pattern) for f, ok in RULINGS),
        extension,
    ]
