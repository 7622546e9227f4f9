"""/tasks for assignees, /assignments for admins (overdue first), and an assignment's card
with its history and the buttons the viewer may press now (`handlers.assignments.buttons` does
what they do)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.assignments import service
from bot.assignments.buttons import CARD, OLD_CARD, card_of
from bot.assignments.notices import assignee_name
from bot.assignments.rules import Actor, Step, allowed_steps
from bot.core.buttons import any_of
from bot.people.roles import Role, role_names
from bot.runtime.services import MinhuContext, Services
from handlers.assignments.work import action_buttons
from handlers.kit.common import answer, in_rows, keyboard, language_of, say, t
from storage import assignments as store
from storage import people

SHOWN = 30
ASSIGNEE_ROLES = frozenset({Role.REPRESENTATIVE, Role.GRID_WORKER, Role.DEPARTMENT})


async def _items(services: Services, found: list[store.Assignment]) -> list[dict[str, Any]]:
    now = services.clock.now()
    return [
        {
            "number": a.id,
            "status": a.status,
            "text": a.text,
            "due_at": a.due_at,
            "assignee": await assignee_name(services, a),
            "overdue": a.status in store.OPEN and a.due_at < now,
        }
        for a in found
    ]


def _list_buttons(context: MinhuContext, lang: str, items: list[dict[str, Any]]) -> Any:
    labels = [
        (t(context, lang, "assignments.list_button", **i), CARD.pack(i["number"])) for i in items
    ]
    return keyboard(in_rows(labels, 3)) if labels else None


async def tasks(update: Update, context: MinhuContext) -> None:
    """/tasks: what the user (or their department) was given, soonest deadline first."""
    user = update.effective_user
    assert user is not None
    services = context.services
    if not set(await role_names(services, user.id)) & ASSIGNEE_ROLES:
        await say(update, context, "common.not_allowed")
        return
    grants = await people.roles(services.db, user.id)
    departments = sorted({g.department_id for g in grants if g.department_id})
    items = await _items(services, await store.of_assignee(services.db, user.id, departments))
    lang = await language_of(update, context)
    markup = _list_buttons(context, lang, items)
    await say(update, context, "assignments.tasks", markup=markup, items=items)


async def listing(update: Update, context: MinhuContext) -> None:
    """/assignments (admins): open and done-but-unverified work, overdue first."""
    user = update.effective_user
    assert user is not None
    services = context.services
    if Role.ADMIN not in await role_names(services, user.id):
        await say(update, context, "common.not_allowed")
        return
    found, total = await store.listed(services.db, services.clock.now(), limit=SHOWN)
    items = await _items(services, found)
    lang = await language_of(update, context)
    markup = _list_buttons(context, lang, items)
    await say(
        update, context, "assignments.listing", markup=markup, items=items, rest=total - len(items)
    )


STEP_VERBS = {
    Step.ACCEPT: ("accept",),
    Step.PROGRESS: ("note",),
    Step.DONE: ("done",),
    Step.VERIFY: ("verify",),
    Step.RETURN: ("return",),
    Step.RECHECK: ("held", "failed"),
}


async def card(update: Update, context: MinhuContext) -> None:
    """An assignment's card with its history and the buttons the viewer may press now."""
    user = update.effective_user
    assert update.callback_query is not None and user is not None
    services = context.services
    assignment_id = card_of(update.callback_query.data)
    found = await store.details(services.db, assignment_id) if assignment_id else None
    roles = await service.roles_of(services, found.assignment, user.id) if found else frozenset()
    if found is None or not roles & {Actor.ADMIN, Actor.ASSIGNEE, Actor.CHECKER}:
        await answer(update, context, "common.not_allowed")
        return
    await answer(update, context)
    now = services.clock.now()
    steps = allowed_steps(service.card_of(found, now), roles)
    verbs = tuple(v for s in steps for v in STEP_VERBS.get(s, ()))
    lang = await language_of(update, context)
    a = found.assignment
    history = [
        {"at": e.at, "kind": e.kind, "note": e.note, "photo": e.photo_file_id is not None}
        for e in await store.events(services.db, a.id)
    ]
    await say(
        update,
        context,
        "assignments.card",
        markup=action_buttons(context, lang, verbs, a.id),
        number=a.id,
        status=a.status,
        text=a.text,
        complaint=found.complaint_number,
        assignee=await assignee_name(services, a),
        due_at=a.due_at,
        overdue=a.status in store.OPEN and a.due_at < now,
        recheck_result=found.recheck_result,
        events=history[-15:],
    )


def handlers() -> list[BaseHandler]:
    """/tasks, /assignments and the cards."""
    return [
        CommandHandler("tasks", tasks),
        CommandHandler("assignments", listing),
        CallbackQueryHandler(card, pattern=any_of(CARD, OLD_CARD)),
    ]
