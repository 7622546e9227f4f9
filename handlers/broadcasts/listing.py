"""/broadcasts: the latest announcements with their figures, and a stop button while sending."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.broadcasts import service
from bot.broadcasts.buttons import STOP
from bot.broadcasts.rules import Status
from bot.runtime.broadcasting import show_final
from bot.runtime.services import MinhuContext
from handlers.broadcasts.flow import is_admin
from handlers.kit.common import answer, keyboard, language_of, say, t
from storage import broadcasts

RECENT = 10


async def list_broadcasts(update: Update, context: MinhuContext) -> None:
    """/broadcasts (admins)."""
    if not await is_admin(update, context):
        await say(update, context, "common.not_allowed")
        return
    await _show_list(update, context, edit=False)


async def _show_list(update: Update, context: MinhuContext, *, edit: bool) -> None:
    db = context.services.db
    lang = await language_of(update, context)
    items, stops = [], []
    for b in await broadcasts.recent(db, RECENT):
        items.append(
            {
                "id": b.id,
                "created_at": b.created_at,
                "status": b.status,
                "urgent": b.urgent,
                "audience": b.audience_label,
                "text": b.text,
                "photo": b.photo_file_id is not None,
                "total": b.total,
                **await broadcasts.figures(db, b.id),
            }
        )
        if b.status == Status.SENDING:
            stops.append([(t(context, lang, "broadcast.btn_stop", id=b.id), STOP.pack(b.id))])
    markup = keyboard(stops) if stops else None
    await say(update, context, "broadcast.list", edit=edit, markup=markup, items=items)


async def stop(update: Update, context: MinhuContext) -> None:
    """A stop button: admins only; what is still pending is dropped, and the figures shown."""
    assert update.callback_query is not None
    if not await is_admin(update, context):
        await answer(update, context, "common.not_allowed")
        return
    services = context.services
    found = await broadcasts.get(services.db, STOP.one(update.callback_query.data))
    if found is None:
        await answer(update, context, "common.invalid_button")
        return
    if found.status != Status.SENDING:
        await answer(update, context, "broadcast.not_running", id=found.id)
        await _show_list(update, context, edit=True)
        return
    after, dropped = await service.stop(services, found)
    if after.status == Status.CANCELLED:  # else it finished just before the press
        await answer(update, context, "broadcast.stopped", id=found.id, dropped=dropped)
    else:
        await answer(update, context, "broadcast.not_running", id=found.id)
    await show_final(services, context.bot, after)
    await _show_list(update, context, edit=True)


def handlers() -> list[BaseHandler]:
    """/broadcasts and its stop buttons."""
    return [
        CommandHandler("broadcasts", list_broadcasts),
        CallbackQueryHandler(stop, pattern=STOP.pattern),
    ]
