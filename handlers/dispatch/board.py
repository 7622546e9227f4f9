"""/board: the dispatch centre's open work — filters (zone, status, overdue, category,
assignee) and pages in the buttons, a case opened with its history and the rulings it
waits on, and bulk reassignment of one person's work (a worker left): where to, the reason,
confirm. Scope and role are checked by `bot.dispatch.board` at every press."""

from __future__ import annotations

from enum import IntEnum
from typing import Any, TypedDict

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.complaints.buttons import WORK
from bot.complaints.rules import OPEN, Action, Status
from bot.dispatch import board as service
from bot.dispatch.board import View
from bot.dispatch.buttons import (
    BULK,
    BULK_CANCEL,
    BULK_DEPARTMENT,
    BULK_GO,
    BULK_GRID,
    EXTEND_NO,
    EXTEND_OK,
    FILTER,
    REJECT_NO,
    REJECT_OK,
    STATUSES,
    VIEW,
)
from bot.dispatch.buttons import (
    OPEN as OPEN_CASE,
)
from bot.dispatch.rulings import Refused
from bot.runtime.services import MinhuContext
from handlers.kit import conversation as kit
from handlers.kit.common import Row, answer, in_rows, keyboard, language_of, say, t
from storage import geo

SLOT = "dispatch_bulk"


class State(IntEnum):
    """The steps of bulk reassignment."""

    TARGET = 530
    REASON = 531
    CONFIRM = 532


class Bulk(TypedDict, total=False):
    """A bulk reassignment being prepared (JSON, in the user's persisted data)."""

    who: int
    zone: int
    to_grid: int | None
    to_department: int | None
    to: str
    reason: str


def _view(fields: tuple[Any, ...] | None) -> View | None:
    """The view a VIEW button carries (None: forged)."""
    if fields is None:
        return None
    zone, status, overdue, category, who, page = fields
    return View(zone, status, overdue, category, who, page)


async def _show(update: Update, context: MinhuContext, view: View, *, edit: bool) -> None:
    user = update.effective_user
    assert user is not None
    lang = await language_of(update, context)
    found = await service.board(context.services, user.id, view)
    await answer(update, context)
    v = found.view
    tr = {k: t(context, lang, f"dispatch.btn_{k}") for k in ("zone", "status", "cat", "who")}
    rows: list[Row] = in_rows(
        [
            (
                ("⚠️ " if r.due_at and r.due_at < context.services.clock.now() else "")
                + ("⚖️ " if r.asking else "")
                + r.number,
                OPEN_CASE.pack(r.id, *v.fields()[:5]),
            )
            for r in found.rows
        ],
        2,
    )
    nav: list[tuple[str, str]] = []
    if v.page > 0:
        nav.append(("◀", VIEW.pack(*v.but(page=v.page - 1).fields())))
    if v.page + 1 < found.pages:
        nav.append(("▶", VIEW.pack(*v.but(page=v.page + 1).fields())))
    rows += [nav] if nav else []
    rows.append([(tr[k], FILTER.pack(k, *v.fields()[:5])) for k in ("zone", "status")])
    rows.append([(tr[k], FILTER.pack(k, *v.fields()[:5])) for k in ("cat", "who")])
    overdue = t(context, lang, "dispatch.btn_overdue", on=v.overdue)
    rows.append([(overdue, VIEW.pack(*v.but(overdue=not v.overdue).fields()))])
    if v.who:
        rows.append([(t(context, lang, "dispatch.btn_bulk"), BULK.pack(v.who, v.zone))])
    if v != View(page=v.page):
        rows.append([(t(context, lang, "dispatch.btn_clear"), VIEW.pack(*View().fields()))])
    await say(
        update,
        context,
        "dispatch.board",
        edit=edit,
        markup=keyboard(rows),
        rows=found.rows,
        total=found.total,
        page=v.page + 1,
        pages=found.pages,
        status=v.status,
        overdue=v.overdue,
        zone=found.zone_name,
        category=found.category_name,
        who=found.who_name,
        pending=found.pending,
        now=context.services.clock.now(),
    )


async def board(update: Update, context: MinhuContext) -> None:
    """/board: the first page, every open case in scope."""
    try:
        await _show(update, context, View(), edit=False)
    except Refused as refused:
        await kit.refuse(update, context, refused)


async def viewed(update: Update, context: MinhuContext) -> None:
    """A page, a filter chosen, the overdue switch: the board again, in place."""
    assert update.callback_query is not None
    view = _view(VIEW.parse(update.callback_query.data))
    try:
        if view is None:
            raise Refused("not_found")
        await _show(update, context, view, edit=True)
    except Refused as refused:
        await kit.refuse_pressed(update, context, refused)


async def choices(update: Update, context: MinhuContext) -> None:
    """A filter's choices (zone, status, category, assignee), each a view of the board."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    fields = FILTER.parse(query.data)
    if fields is None:
        await kit.refuse_pressed(update, context, Refused("not_found"))
        return
    which, rest = fields[0], fields[1:]
    view = View(*rest)
    services, lang = context.services, await language_of(update, context)
    try:
        if which == "zone":
            options = [
                (n, view.but(zone=z)) for z, n in await service.zones_in_scope(services, user.id)
            ]
            options.insert(0, (t(context, lang, "dispatch.all"), view.but(zone=0)))
        elif which == "status":
            options = [
                (t(context, lang, "dispatch.status", s=s), view.but(status=s)) for s in STATUSES
            ]
        elif which == "cat":
            cats = await geo.categories(services.db, active_only=False)
            options = [(c.label(lang), view.but(category=c.id)) for c in cats]
            options.insert(0, (t(context, lang, "dispatch.all"), view.but(category=0)))
        else:
            staff = await service.staff_in_scope(services, user.id)
            options = [(f"{n} ({k})", view.but(who=u)) for u, n, k in staff]
            options.insert(0, (t(context, lang, "dispatch.all"), view.but(who=0)))
    except Refused as refused:
        await kit.refuse_pressed(update, context, refused)
        return
    rows = in_rows([(label, VIEW.pack(*v.fields())) for label, v in options], 2)
    rows.append([(t(context, lang, "dispatch.btn_back"), VIEW.pack(*view.fields()))])
    await answer(update, context)
    await say(update, context, "dispatch.choose", edit=True, markup=keyboard(rows), which=which)


async def opened(update: Update, context: MinhuContext) -> None:
    """A case from the board: its history, the rulings it waits on, 改派, back."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    fields = OPEN_CASE.parse(query.data)
    try:
        if fields is None:
            raise Refused("not_found")
        found = await service.case(context.services, user.id, fields[0])
    except Refused as refused:
        await kit.refuse_pressed(update, context, refused)
        return
    view, c = View(*fields[1:]), found.complaint
    lang = await language_of(update, context)
    rows: list[Row] = []
    for r in found.pending:
        yes, no = (REJECT_OK, REJECT_NO) if r.kind == "reject" else (EXTEND_OK, EXTEND_NO)
        rows.append(
            [
                (t(context, lang, f"dispatch.btn_approve_{r.kind}"), yes.pack(r.id)),
                (t(context, lang, f"dispatch.btn_refuse_{r.kind}"), no.pack(r.id)),
            ]
        )
    if Status(c.status) in OPEN:
        rows.append([(t(context, lang, "dispatch.btn_reroute"), WORK[Action.TRANSFER].pack(c.id))])
    rows.append([(t(context, lang, "dispatch.btn_back"), VIEW.pack(*view.fields()))])
    await answer(update, context)
    await say(
        update,
        context,
        "dispatch.case",
        edit=True,
        markup=keyboard(rows),
        number=c.number,
        status=c.status,
        grid=found.grid,
        description=c.description,
        ack_due_at=c.ack_due_at,
        resolve_due_at=c.resolve_due_at,
        accepted=c.accepted_at is not None,
        history=found.history,
        pending=found.pending,
    )


async def bulk(update: Update, context: MinhuContext) -> int | None:
    """🔁 move all of one person's open work: where to (a department or a grid in scope)."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and context.user_data is not None
    fields = BULK.parse(query.data)
    services = context.services
    try:
        if fields is None:
            raise Refused("not_found")
        grids = await service.grids_in_scope(services, user.id)
    except Refused as refused:
        await kit.refuse_pressed(update, context, refused)
        return None
    who, zone = fields
    context.user_data[SLOT] = Bulk(who=who, zone=zone)
    departments = [(d.name, BULK_DEPARTMENT.pack(d.id)) for d in await geo.departments(services.db)]
    rows = in_rows(departments, 3) + in_rows([(n, BULK_GRID.pack(g)) for g, n in grids], 3)
    await answer(update, context)
    await kit.ask(update, context, "dispatch.bulk_where", rows, BULK_CANCEL, edit=True)
    return State.TARGET


with_bulk = kit.draft_step(SLOT, role=None, expired="dispatch.expired")


@with_bulk
async def target(update: Update, context: MinhuContext, draft: Bulk) -> int | None:
    """Where the work goes; then the reason."""
    assert update.callback_query is not None
    data, db = update.callback_query.data, context.services.db
    department = BULK_DEPARTMENT.one(data)
    grid_id = BULK_GRID.one(data)
    if department is not None:
        draft["to_department"], draft["to_grid"] = department, None
        draft["to"] = await geo.department_name(db, department) or ""
    else:
        grid = await geo.grid(db, grid_id) if grid_id else None
        draft["to_grid"], draft["to_department"] = grid_id, None
        draft["to"] = grid.full_name if grid else ""
    await answer(update, context)
    await kit.ask(
        update, context, "dispatch.bulk_reason", [], BULK_CANCEL, edit=True, to=draft["to"]
    )
    return State.REASON


@with_bulk
async def reason(update: Update, context: MinhuContext, draft: Bulk) -> int | None:
    """The reason every receiver sees; then confirm."""
    text = await kit.typed_within(update, context, (2, 500), "staff.bad_length")
    if text is None:
        return None
    draft["reason"] = text
    lang = await language_of(update, context)
    rows = [[(t(context, lang, "dispatch.btn_bulk_go"), BULK_GO.pack())]]
    await kit.ask(
        update, context, "dispatch.bulk_confirm", rows, BULK_CANCEL, to=draft["to"], reason=text
    )
    return State.CONFIRM


@with_bulk
async def go(update: Update, context: MinhuContext, draft: Bulk) -> int:
    """Confirmed: every open case of that person in scope is transferred."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    view = View(zone=draft["zone"], who=draft["who"])
    context.user_data.pop(SLOT, None)
    done = await service.reassign_all(
        context.services,
        user.id,
        view,
        draft["reason"],
        to_grid=draft.get("to_grid"),
        to_department=draft.get("to_department"),
    )
    await answer(update, context)
    await say(
        update,
        context,
        "dispatch.bulk_done",
        edit=True,
        moved=done.moved,
        skipped=done.skipped,
        to=draft["to"],
    )
    return ConversationHandler.END


cancel = kit.cancelled("dispatch.cancelled", SLOT)


def handlers() -> list[BaseHandler]:
    """/board, its buttons, and the conversation of bulk reassignment."""
    bulk_conversation = kit.conversation(
        "dispatch_bulk",
        entry_points=[CallbackQueryHandler(bulk, pattern=BULK.pattern)],
        states={
            State.TARGET: kit.buttons_step(
                "staff.expect_button", (BULK_GRID, target), (BULK_DEPARTMENT, target)
            ),
            State.REASON: kit.typed_step(reason, "staff.expect_text"),
            State.CONFIRM: kit.buttons_step("staff.expect_button", (BULK_GO, go)),
        },
        cancel=cancel,
        cancel_button=BULK_CANCEL,
    )
    return [
        CommandHandler("board", board),
        CallbackQueryHandler(viewed, pattern=VIEW.pattern),
        CallbackQueryHandler(choices, pattern=FILTER.pattern),
        CallbackQueryHandler(opened, pattern=OPEN_CASE.pattern),
        bulk_conversation,
    ]
