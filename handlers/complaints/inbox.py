"""/inbox (views and pages), a complaint's card and /case MH-… (or /complaint: the full
history), for staff and admins — each showing the history that matters: why it came (back),
the earlier case of a relapse, how many said "me too"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.complaints.buttons import CARD, INBOX_PAGE, INBOX_VIEWS, STAFF_ACTIONS
from bot.complaints.rules import OPEN, Actor, allowed_actions
from bot.complaints.service import actors_for, ticket_of
from bot.core.clock import from_iso
from bot.people.roles import Role, role_names
from bot.runtime.services import MinhuContext, Services
from handlers.complaints.staff_flow import action_keyboard
from handlers.kit.common import answer, keyboard, language_of, pressed, say, t
from storage import casefile, geo, people
from storage import complaints as store
from storage.models import Complaint

SHOWN = 10  # cases on a page of /inbox
STAFF_ROLES = frozenset({Role.ADMIN, Role.GRID_WORKER, Role.DEPARTMENT})
MAX_MESSAGE = 4096
NOTE_SHOWN = 200  # characters of each note in a history
REASONS = frozenset({"redo", "reopened", "transferred"})  # why it came (back) to its handler
REASONS_SHOWN = 3  # the latest, on a card
# Who acts in each kind of event, by the rules (bot.complaints.rules): shown as
# staff/resident/system.
ACTOR_OF_EVENT = {
    "submitted": "reporter",
    "accepted": "staff",
    "rejected": "staff",
    "transferred": "staff",
    "note": "staff",
    "resolved": "staff",
    "reopened": "reporter",
    "relapse": "reporter",
    "followup_ok": "reporter",
    "escalated": "system",
}


async def staff_roles(update: Update, context: MinhuContext) -> set[str]:
    """The staff roles of the user; a polite refusal when there are none."""
    user = update.effective_user
    roles = set(await role_names(context.services, user.id)) & STAFF_ROLES if user else set()
    if not roles:
        await say(update, context, "common.not_allowed")
    return roles


async def _scope(services: Services, user_id: int, admin: bool) -> tuple[list[int], list[int]]:
    """The grids and departments whose work a person sees (admins: all of them)."""
    db = services.db
    if admin:
        grids = [
            g.id
            for z in await geo.zones(db)
            for c in await geo.communities(db, z.id)
            for g in await geo.grids(db, c.id)
        ]
        return grids, [d.id for d in await geo.departments(db)]
    grants = await people.roles(db, user_id)
    grids = sorted({g.grid_id for g in grants if g.role == Role.GRID_WORKER and g.grid_id})
    departments = sorted(
        {g.department_id for g in grants if g.role == Role.DEPARTMENT and g.department_id}
    )
    return grids, departments


def _due(accepted_at: Any, ack_due_at: Any, resolve_due_at: Any) -> datetime | None:
    """The deadline that counts now: to accept while not accepted, else to resolve."""
    value = ack_due_at if accepted_at is None else resolve_due_at
    if isinstance(value, str):
        return from_iso(value)
    return value if isinstance(value, datetime) else None


async def inbox(update: Update, context: MinhuContext) -> None:
    """/inbox: open work, soonest deadline first, overdue marked; views and pages by button."""
    roles = await staff_roles(update, context)
    if roles:
        await _show_inbox(update, context, roles, "all", 0)


async def inbox_page(update: Update, context: MinhuContext) -> None:
    """A view or a page of /inbox (the scope is the presser's, checked again)."""
    parsed = INBOX_PAGE.parse(pressed(update))
    user = update.effective_user
    roles = set(await role_names(context.services, user.id)) & STAFF_ROLES if user else set()
    if parsed is None or not roles:
        await answer(update, context, "common.not_allowed")
        return
    await answer(update, context)
    view, page = parsed
    await _show_inbox(update, context, roles, view, page, edit=True)


async def _show_inbox(
    update: Update,
    context: MinhuContext,
    roles: set[str],
    view: str,
    page: int,
    *,
    edit: bool = False,
) -> None:
    assert update.effective_user is not None
    services = context.services
    grids, departments = await _scope(services, update.effective_user.id, Role.ADMIN in roles)
    now = services.clock.now()

    async def read(page: int) -> tuple[list[dict[str, Any]], int]:
        return await casefile.inbox_page(
            services.db, grids, departments, view=view, now=now, offset=page * SHOWN, limit=SHOWN
        )

    rows, total = await read(page)
    pages = max(1, -(-total // SHOWN))
    if page >= pages:  # the work moved on since the button was made: the last page
        page = pages - 1
        rows, total = await read(page)
    lang = await language_of(update, context)
    items = []
    for r in rows:
        due = _due(r["accepted_at"], r["ack_due_at"], r["resolve_due_at"])
        items.append(
            {
                "id": r["id"],
                "number": r["number"],
                "status": r["status"],
                "description": r["description"],
                "accepted": r["accepted_at"] is not None,
                "due": due,
                "overdue": due is not None and due < now,
                "redo_count": int(r["redo_count"] or 0),
                "relapse": r["parent_id"] is not None,
                "supporters": int(r["supporters"] or 0),
            }
        )
    labels = [
        (t(context, lang, "staff.inbox_button", number=i["number"], overdue=i["overdue"]), i["id"])
        for i in items
    ]
    buttons = [(label, CARD.pack(cid)) for label, cid in labels]
    keys: list[list[tuple[str, str]]] = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    views = [
        (t(context, lang, "staff.inbox_view", view=v, current=v == view), INBOX_PAGE.pack(v, 0))
        for v in INBOX_VIEWS
    ]
    keys += [views[:3], views[3:]]
    moves = [("◀", page - 1), ("▶", page + 1)]
    nav = [(arrow, INBOX_PAGE.pack(view, to)) for arrow, to in moves if 0 <= to < pages]
    if nav:
        keys.append(nav)
    await say(
        update,
        context,
        "staff.inbox",
        edit=edit,
        markup=keyboard(keys),
        items=items,
        total=total,
        view=view,
        page=page + 1,
        pages=pages,
    )


async def _viewable(
    update: Update, context: MinhuContext, complaint: Complaint | None
) -> frozenset[Actor] | None:
    """The viewer's roles towards the complaint if they may see it all (admins, assignees)."""
    user = update.effective_user
    if complaint is None or user is None:
        return None
    actors = await actors_for(context.services, complaint, user.id)
    return actors if actors & {Actor.ADMIN, Actor.ASSIGNEE} else None


async def _details(context: MinhuContext, lang: str, c: Complaint) -> dict[str, Any]:
    """What staff see of a complaint (the reporter's first name unless anonymous)."""
    db = context.services.db
    category = await geo.category(db, c.category_id, active_only=False)
    grid = await geo.grid(db, c.grid_id)
    departments = {d.id: d.name for d in await geo.departments(db)}
    reporter = await people.get(db, c.reporter_id) if c.reporter_id and not c.anonymous else None
    due = _due(c.accepted_at, c.ack_due_at, c.resolve_due_at)
    return {
        "number": c.number,
        "status": c.status,
        "category": category.label(lang) if category else "",
        "hazard": bool(category and category.is_hazard),
        "grid": grid.full_name if grid else "",
        "department": departments.get(c.department_id) if c.department_id else None,
        "description": c.description,
        "address": c.address,
        "has_location": c.latitude is not None,
        "reporter": reporter.first_name if reporter else None,
        "anonymous": c.anonymous,
        "photo_count": len(c.photo_file_ids),
        "voice_count": len(c.voice_file_ids),
        "created_at": c.created_at,
        "accepted_at": c.accepted_at,
        "ack_due_at": c.ack_due_at,
        "resolve_due_at": c.resolve_due_at,
        "resolved_at": c.resolved_at,
        "closed_at": c.closed_at,
        "close_reason": c.close_reason,
        "rating": c.rating,
        "resolution_note": c.resolution_note,
        "overdue": c.status in OPEN and due is not None and due < context.services.clock.now(),
        # The history that matters to whoever handles it now.
        "redo_count": c.redo_count,
        "relapse_of": await casefile.number_of(db, c.parent_id),
        "supporters": await casefile.supporters_count(db, c.id),
        "reasons": [
            {"kind": e.kind, "at": e.at, "note": _short(e.note)}
            for e in c.events
            if e.kind in REASONS and e.note
        ][-REASONS_SHOWN:],
    }


def _short(note: str) -> str:
    return note if len(note) <= NOTE_SHOWN else note[: NOTE_SHOWN - 1] + "…"


async def _buttons(context: MinhuContext, lang: str, c: Complaint, actors: frozenset[Actor]) -> Any:
    category = await geo.category(context.services.db, c.category_id, active_only=False)
    assert category is not None
    now = context.services.clock.now()
    actions = [
        a for a in allowed_actions(ticket_of(c, category), actors, now) if a in STAFF_ACTIONS
    ]
    return action_keyboard(context, lang, c.id, actions, admin=Actor.ADMIN in actors)


async def card(update: Update, context: MinhuContext) -> None:
    """A complaint's card from the inbox, with the buttons its state allows."""
    assert update.callback_query is not None
    complaint_id = CARD.one(update.callback_query.data)
    found = await store.get(context.services.db, complaint_id) if complaint_id else None
    actors = await _viewable(update, context, found)
    if found is None or actors is None:
        await answer(update, context, "common.not_allowed")
        return
    await answer(update, context)
    lang = await language_of(update, context)
    markup = await _buttons(context, lang, found, actors)
    await say(update, context, "staff.card", markup=markup, **await _details(context, lang, found))


def _actor(kind: str, close_reason: str | None) -> str:
    if kind == "closed":
        return "reporter" if close_reason == "confirmed" else "system"
    return ACTOR_OF_EVENT.get(kind, "system")


async def complaint(update: Update, context: MinhuContext) -> None:
    """/complaint MH-2026-000123: the full history, for admins and the complaint's assignees."""
    if not await staff_roles(update, context):
        return
    args = context.args or []
    if len(args) != 1:
        await say(update, context, "staff.complaint_usage")
        return
    number = args[0].strip().upper()
    found = await store.by_number(context.services.db, number)
    if found is None:
        await say(update, context, "staff.complaint_not_found", number=number)
        return
    actors = await _viewable(update, context, found)
    if actors is None:
        await say(update, context, "common.not_allowed")
        return
    lang = await language_of(update, context)
    details = {**await _details(context, lang, found), "reasons": []}  # the events say them
    events = [
        {
            "at": e.at,
            "kind": e.kind,
            "actor": _actor(e.kind, found.close_reason),
            "note": _short(e.note),
        }
        for e in found.events
    ]
    omitted = 0
    while True:  # the oldest lines give way when the history outgrows one message
        text = t(context, lang, "staff.history", events=events, omitted=omitted, **details)
        if len(text) <= MAX_MESSAGE or not events:
            break
        events, omitted = events[1:], omitted + 1
    markup = await _buttons(context, lang, found, actors)
    await say(
        update,
        context,
        "staff.history",
        markup=markup,
        events=events,
        omitted=omitted,
        **details,
    )


def handlers() -> list[BaseHandler]:
    """/inbox with its views, pages and cards; /case (or /complaint)."""
    return [
        CommandHandler("inbox", inbox),
        CommandHandler("complaint", complaint),
        CommandHandler("case", complaint),
        CallbackQueryHandler(card, pattern=CARD.pattern),
        CallbackQueryHandler(inbox_page, pattern=INBOX_PAGE.pattern),
    ]
