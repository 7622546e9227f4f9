"""/my: a resident's complaints, their status and history (with what the resident may do)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.complaints.buttons import HISTORY
from bot.complaints.rules import REOPEN_WINDOW, Action
from bot.runtime.services import MinhuContext
from handlers.complaints.feedback import reporter_actions, resident_buttons
from handlers.kit import conversation as kit
from handlers.kit.common import answer, keyboard, language_of, say
from storage import complaints, geo

PAGE = 10


async def my_complaints(update: Update, context: MinhuContext) -> None:
    """List the resident's latest complaints with a button each for the history."""
    person = await kit.registered(update, context)
    if person is None:
        return
    db = context.services.db
    items = await complaints.of_reporter(db, person.id, limit=PAGE)
    total = await complaints.count_of_reporter(db, person.id)
    lang = await language_of(update, context)
    cats = {c.id: c.label(lang) for c in await geo.categories(db)}
    rows = [[(c.number, HISTORY.pack(c.id))] for c in items]
    await say(
        update,
        context,
        "my.list",
        markup=keyboard(rows) if rows else None,
        items=[
            {
                "number": c.number,
                "status": c.status,
                "category": cats.get(c.category_id, ""),
                "created_at": c.created_at,
                "description": c.description,
            }
            for c in items
        ],
        total=total,
        shown=len(items),
    )


async def history(update: Update, context: MinhuContext) -> None:
    """One complaint's history — only for the resident who filed it."""
    assert update.callback_query is not None and update.effective_user is not None
    complaint_id = HISTORY.one(update.callback_query.data)
    db = context.services.db
    found = await complaints.get(db, complaint_id) if complaint_id else None
    if found is None or found.reporter_id != update.effective_user.id:
        await answer(update, context, "common.invalid_button")
        return
    await answer(update, context)
    lang = await language_of(update, context)
    category = await geo.category(db, found.category_id)
    grid = await geo.grid(db, found.grid_id)
    actions = await reporter_actions(context.services, found)
    rows = resident_buttons(context, lang, found.id, actions)
    await say(
        update,
        context,
        "my.history",
        markup=keyboard(rows) if rows else None,
        number=found.number,
        status=found.status,
        category=category.label(lang) if category else "",
        grid=grid.full_name if grid else "",
        description=found.description,
        photo_count=len(found.photo_file_ids),
        events=found.events,
        address=found.address,
        has_location=found.latitude is not None,
        may_confirm=Action.CONFIRM in actions,
        reopen_until=(
            found.resolved_at + REOPEN_WINDOW
            if Action.REOPEN in actions and found.resolved_at
            else None
        ),
    )


def handlers() -> list[BaseHandler]:
    """/my and its history buttons."""
    return [
        CommandHandler("my", my_complaints),
        CallbackQueryHandler(history, pattern=HISTORY.pattern),
    ]
