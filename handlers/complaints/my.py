"""/my: a resident's complaints and those they said "me too" to, their status and history
(with what the resident may do: the reporter's answers and reopen, a supporter's own
answer)."""

from __future__ import annotations

from dataclasses import replace

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.complaints import supporters
from bot.complaints.buttons import HISTORY
from bot.complaints.rules import REOPEN_WINDOW, Action
from bot.runtime.services import MinhuContext
from handlers.complaints.feedback import reporter_actions, resident_buttons
from handlers.complaints.supporters import answer_buttons
from handlers.kit import conversation as kit
from handlers.kit import menu
from handlers.kit.common import answer, keyboard, language_of, say
from storage import casefile, complaints, geo, lifecycle
from storage.models import Complaint

PAGE = 10
SUPPORTED = 5  # cases said "me too" to, shown under one's own
# What the reporter alone said (their reasons): a supporter sees the step, not the words.
REPORTER_WORDS = frozenset({"redo", "reopened", "relapse", "followup_ok"})


def _item(c: Complaint, cats: dict[int, str]) -> dict[str, object]:
    return {
        "number": c.number,
        "status": c.status,
        "category": cats.get(c.category_id, ""),
        "created_at": c.created_at,
        "description": c.description,
    }


async def my_complaints(update: Update, context: MinhuContext) -> None:
    """List the resident's latest complaints, then those they support, a button each."""
    person = await kit.registered(update, context)
    if person is None:
        return
    db = context.services.db
    items = await complaints.of_reporter(db, person.id, limit=PAGE)
    total = await complaints.count_of_reporter(db, person.id)
    backed = await casefile.supported_by(db, person.id, limit=SUPPORTED)
    backed_total = await casefile.count_supported(db, person.id)
    lang = await language_of(update, context)
    cats = {c.id: c.label(lang) for c in await geo.categories(db)}
    rows = [[(c.number, HISTORY.pack(c.id))] for c in items]
    rows += [[("👥 " + c.number, HISTORY.pack(c.id))] for c in backed]
    await say(
        update,
        context,
        "my.list",
        markup=keyboard(rows) if rows else None,
        items=[_item(c, cats) for c in items],
        total=total,
        shown=len(items),
        supported=[_item(c, cats) for c in backed],
        supported_total=backed_total,
    )


async def history(update: Update, context: MinhuContext) -> None:
    """One complaint's history — for the resident who filed it or said "me too" to it."""
    assert update.callback_query is not None and update.effective_user is not None
    user_id = update.effective_user.id
    complaint_id = HISTORY.one(update.callback_query.data)
    db = context.services.db
    found = await complaints.get(db, complaint_id) if complaint_id else None
    own = found is not None and found.reporter_id == user_id
    if found is None or not (own or await lifecycle.is_supporter(db, found.id, user_id)):
        await answer(update, context, "common.invalid_button")
        return
    await answer(update, context)
    lang = await language_of(update, context)
    category = await geo.category(db, found.category_id)
    grid = await geo.grid(db, found.grid_id)
    actions = await reporter_actions(context.services, found) if own else []
    rows = resident_buttons(context, lang, found.id, actions)
    may_answer = not own and await supporters.answerable(context.services, found, user_id)
    if may_answer:
        rows += answer_buttons(context, lang, found.id)
    events = found.events
    if not own:
        events = tuple(e if e.kind not in REPORTER_WORDS else replace(e, note="") for e in events)
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
        events=events,
        address=found.address,
        has_location=found.latitude is not None,
        may_confirm=Action.CONFIRM in actions,
        reopen_until=(
            found.resolved_at + REOPEN_WINDOW
            if Action.REOPEN in actions and found.resolved_at
            else None
        ),
        supporter=not own,
        may_answer=may_answer,
    )


def handlers() -> list[BaseHandler]:
    """/my and its history buttons."""
    return [
        *menu.command("my", my_complaints),
        CallbackQueryHandler(history, pattern=HISTORY.pattern),
    ]
