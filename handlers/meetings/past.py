"""Past deliberation meetings and where their decisions stand (Decidim's accountability):
/meetings offers 🗂 past meetings, a page of 5 at a time (◀ ▶, edited in place), each with how
many of its decisions are verified completed; a meeting's button shows each decision with
its stage — not yet assigned, assigned to whom and by when, in progress (with its progress
notes), reported done, verified — and the notices of a decision's follow-up carry the same
button. Only held meetings meant for the person (`storage.meetings.FOR_PERSON`) are shown.

Buttons: `mt:p:<page>` and `mt:pv:<meeting>:<from>` (from: the list's page + 1, or 0 from a
notice, which gets a new message instead of an edit and no way back to a list).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.meetings import service
from bot.meetings.buttons import PAST, PAST_VIEW
from bot.meetings.notices import context_of
from bot.meetings.rules import MeetingStatus, decision_stage
from bot.runtime.services import MinhuContext
from handlers.kit.common import Row, answer, button_row, keyboard, language_of, pressed, say, t
from handlers.kit.conversation import registered
from handlers.meetings.common import plain, say_about
from storage import meeting_outcomes as outcomes
from storage import meetings as store

PAGE = 5  # past meetings on a page


async def past_row(
    context: MinhuContext, lang: str, person_id: int, grid_id: int
) -> list[list[tuple[str, str]]]:
    """The 🗂 button under /meetings, when there is a past meeting to show."""
    _, total = await outcomes.past_for(context.services.db, person_id, grid_id, 0, 0)
    if not total:
        return []
    return [button_row(context, lang, "meeting_past.btn_past", PAST, 0, total=total)]


async def past_page(update: Update, context: MinhuContext) -> None:
    """🗂 / ◀ / ▶: a page of past meetings, in place."""
    page = PAST.one(pressed(update))
    if page is None:
        await answer(update, context, "common.invalid_button")
        return
    person = await registered(update, context, with_grid=True)  # a refusal is answered
    if person is None or person.grid_id is None:
        return
    db = context.services.db
    items, total = await outcomes.past_for(db, person.id, person.grid_id, page * PAGE, PAGE)
    pages = max(1, -(-total // PAGE))
    if page >= pages:  # fewer meetings than when the button was made: the last page
        page = pages - 1
        items, total = await outcomes.past_for(db, person.id, person.grid_id, page * PAGE, PAGE)
    await answer(update, context)
    lang = await language_of(update, context)
    tallies = await outcomes.tallies(db, [m.id for m in items])
    rows: list[Row] = [
        [
            (
                plain(context, lang, "meeting_past.btn_item", title=m.title, starts_at=m.starts_at),
                PAST_VIEW.pack(m.id, page + 1),
            )
        ]
        for m in items
    ]
    moves = [(t(context, lang, "meeting_past.btn_prev"), page - 1)]
    moves += [(t(context, lang, "meeting_past.btn_next"), page + 1)]
    nav = [(label, PAST.pack(to)) for label, to in moves if 0 <= to < pages]
    if nav:
        rows.append(nav)
    shown = []
    for m in items:
        tally = tallies.get(m.id, outcomes.Tally(0, 0))
        shown.append(
            await context_of(context.services, m)
            | {"decisions": tally.decisions, "verified": tally.verified}
        )
    await say(
        update,
        context,
        "meeting_past.list",
        edit=True,
        markup=keyboard(rows) if rows else None,
        items=shown,
        page=page + 1,
        pages=pages,
        total=total,
    )


async def past_view(update: Update, context: MinhuContext) -> None:
    """One past meeting: its result and where each decision stands."""
    user = update.effective_user
    assert user is not None
    parsed = PAST_VIEW.parse(pressed(update))
    services = context.services
    m = await store.get(services.db, parsed[0]) if parsed else None
    if (
        parsed is None
        or m is None
        or m.status != MeetingStatus.HELD
        or not await service.for_person(services, m, user.id)
    ):
        await answer(update, context, "common.invalid_button")
        return
    await answer(update, context)
    came_from = parsed[1]
    lang = await language_of(update, context)
    rows: list[Row] = []
    if came_from > 0:
        rows.append(button_row(context, lang, "meeting_past.btn_back", PAST, came_from - 1))
    states = await outcomes.decision_states(services.db, m.id)
    await say_about(
        update,
        context,
        "meeting_past.card",
        m,
        rows,
        edit=came_from > 0,
        summary=m.result_summary or "",
        attendance=m.attendance,
        decisions=[
            {
                "position": d.position,
                "text": d.text,
                "stage": decision_stage(d.status),
                "assignee": d.assignee or "",
                "due_at": d.due_at,
                "notes": d.progress_notes,
                "last_note_at": d.last_progress_at,
                "done_at": d.done_at,
                "verified_at": d.verified_at,
                "overdue": d.due_at is not None
                and d.verified_at is None
                and d.done_at is None
                and d.due_at < services.clock.now(),
            }
            for d in states
        ],
    )


def handlers() -> list[BaseHandler]:
    """The past meetings' pages and cards."""
    return [
        CallbackQueryHandler(past_page, pattern=PAST.pattern),
        CallbackQueryHandler(past_view, pattern=PAST_VIEW.pattern),
    ]
