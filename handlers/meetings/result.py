"""/meetingresult ID (admins): summary → decisions, one per message until "done" → attendance
(the checked-in count by default) → confirm; the result notice then goes to every registrant
and the meeting's audience, exactly once. Afterwards each decision can become an assignment
(交办) to a representative, a department or a grid worker, with a deadline
(handlers.meetings.result_assign).

Buttons: mr:s:<meeting> start, mr:done, mr:att, mr:ok, mr:d:<decision>, mr:k:<kind>,
mr:t:<target>, mr:list, mr:fin, mr:cancel. Every write checks the role again in
`bot.meetings.service`.
"""

from __future__ import annotations

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

from bot.meetings import results
from bot.meetings.notices import context_of
from bot.meetings.rules import (
    ATTENDANCE,
    DECISION,
    MAX_DECISIONS,
    SUMMARY,
    Invalid,
    parse_count,
    text_within,
)
from bot.meetings.service import Refused
from bot.runtime.services import MinhuContext
from handlers.kit.common import answer, hint, keyboard, language_of, parse_int, say, t
from handlers.meetings.manage import is_admin, meeting_rows
from handlers.meetings.result_assign import (
    assign_list,
    back_to_list,
    due,
    due_pressed,
    finish,
    pick_decision,
    pick_kind,
    pick_target,
)
from handlers.meetings.result_flow import PREFIX, RESULT, State, Task, last_value, row, step
from storage import meeting_bookings as bookings
from storage import meetings as store

DONE_WORDS = frozenset({"done", "完成", "好了", "结束", "没有了"})


async def start(update: Update, context: MinhuContext) -> int | None:
    """/meetingresult ID or the 📝 button; /meetingresult alone lists meetings to record."""
    assert context.user_data is not None
    if not await is_admin(update, context):
        return ConversationHandler.END
    services = context.services
    now = services.clock.now()
    if update.callback_query is not None:
        meeting_id = parse_int(last_value(update))
    else:
        args = context.args or []
        meeting_id = parse_int(args[0].lstrip("#")) if args else None
        if not args:
            started = [m for m in await store.for_admins(services.db, now) if m.starts_at <= now]
            rows = await meeting_rows(update, context, started, f"{PREFIX}:s")
            await say(
                update,
                context,
                "meetings.result_pick",
                markup=keyboard(rows) if rows else None,
                count=len(rows),
            )
            return ConversationHandler.END
    m = await store.get(services.db, meeting_id) if meeting_id else None
    await answer(update, context)
    if m is None or m.status != "open" or now < m.starts_at:
        reason = "not_found" if m is None else ("not_open" if m.status != "open" else "not_yet")
        status = m.status if m else ""
        await say(
            update,
            context,
            "meetings.refused",
            reason=reason,
            status=status,
            starts_at=m.starts_at if m else None,
        )
        return ConversationHandler.END
    context.user_data[RESULT] = {"id": m.id, "decisions": []}
    lang = await language_of(update, context)
    await say(
        update,
        context,
        "meetings.ask_summary",
        markup=keyboard([row(context, lang, "common.btn_cancel", "cancel")]),
        **await context_of(services, m),
        min=SUMMARY[0],
        max=SUMMARY[1],
    )
    return State.SUMMARY


@step
async def summary(update: Update, context: MinhuContext, task: Task) -> int | None:
    """The summary; then the decisions."""
    assert update.message is not None
    try:
        task["summary"] = text_within(update.message.text or "", SUMMARY)
    except Invalid as bad:
        await say(update, context, "meetings.invalid", reason=bad.reason, **bad.values)
        return None
    return await _ask_decision(update, context, task)


async def _ask_decision(update: Update, context: MinhuContext, task: dict[str, Any]) -> int:
    lang = await language_of(update, context)
    count = len(task["decisions"])
    await say(
        update,
        context,
        "meetings.ask_decision",
        markup=keyboard([row(context, lang, "meetings.btn_decisions_done", "done")]),
        count=count,
        max=MAX_DECISIONS,
        max_length=DECISION[1],
    )
    return State.DECISIONS


@step
async def decision(update: Update, context: MinhuContext, task: Task) -> int | None:
    """One decision (or "done")."""
    assert update.message is not None
    typed = (update.message.text or "").strip()
    if typed.lower() in DONE_WORDS:
        return await _ask_attendance(update, context, task)
    try:
        task["decisions"].append(text_within(typed, DECISION))
    except Invalid as bad:
        await say(update, context, "meetings.invalid", reason=bad.reason, **bad.values)
        return None
    if len(task["decisions"]) >= MAX_DECISIONS:
        return await _ask_attendance(update, context, task)
    return await _ask_decision(update, context, task)


@step
async def decisions_done(update: Update, context: MinhuContext, task: Task) -> int:
    """The 完成 button under the decisions."""
    await answer(update, context)
    return await _ask_attendance(update, context, task)


async def _ask_attendance(update: Update, context: MinhuContext, task: dict[str, Any]) -> int:
    present = await bookings.checked_in_count(context.services.db, int(task["id"]))
    task["present"] = present
    lang = await language_of(update, context)
    label = t(context, lang, "meetings.btn_attendance", present=present)
    await say(
        update,
        context,
        "meetings.ask_attendance",
        markup=keyboard([[(label, f"{PREFIX}:att")]]),
        present=present,
        count=len(task["decisions"]),
    )
    return State.ATTENDANCE


@step
async def attendance_typed(update: Update, context: MinhuContext, task: Task) -> int | None:
    """A typed attendance figure."""
    assert update.message is not None
    try:
        task["attendance"] = parse_count(update.message.text or "", ATTENDANCE, "bad_attendance")
    except Invalid as bad:
        await say(update, context, "meetings.invalid", reason=bad.reason, **bad.values)
        return None
    return await _confirm(update, context, task)


@step
async def attendance_default(update: Update, context: MinhuContext, task: Task) -> int:
    """The checked-in count."""
    await answer(update, context)
    task["attendance"] = int(task.get("present") or 0)
    return await _confirm(update, context, task)


async def _confirm(update: Update, context: MinhuContext, task: dict[str, Any]) -> int:
    lang = await language_of(update, context)
    m = await store.get(context.services.db, int(task["id"]))
    assert m is not None
    markup = keyboard(
        [
            row(context, lang, "meetings.btn_publish_result", "ok"),
            row(context, lang, "common.btn_cancel", "cancel"),
        ]
    )
    await say(
        update,
        context,
        "meetings.result_preview",
        markup=markup,
        **await context_of(context.services, m),
        summary=task["summary"],
        decisions=task["decisions"],
        attendance=task["attendance"],
    )
    return State.CONFIRM


@step
async def publish(update: Update, context: MinhuContext, task: Task) -> int:
    """Record the result (once) and send the notices."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    services = context.services
    await answer(update, context)
    try:
        m, ids, told = await results.record_result(
            services,
            int(task["id"]),
            user.id,
            summary=task["summary"],
            decisions=list(task["decisions"]),
            attendance=int(task["attendance"]),
        )
    except (Invalid, Refused) as refused:
        context.user_data.pop(RESULT, None)
        await say(update, context, "meetings.refused", reason=refused.reason, **refused.values)
        return ConversationHandler.END
    values = await context_of(services, m)
    await say(update, context, "meetings.result_recorded", edit=True, **values, reach=told)
    if not ids:
        context.user_data.pop(RESULT, None)
        return ConversationHandler.END
    task.clear()
    task["id"] = m.id
    return await assign_list(update, context)


async def cancel(update: Update, context: MinhuContext) -> int:
    """Leave; nothing more is recorded (a result already published stays)."""
    if context.user_data is not None:
        context.user_data.pop(RESULT, None)
    await answer(update, context)
    await say(update, context, "meetings.form_cancelled", edit=update.callback_query is not None)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The /meetingresult conversation (persistent: it survives a restart)."""
    typed = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND
    button = hint("meetings.expect_button")
    return [
        ConversationHandler(
            entry_points=[
                CommandHandler("meetingresult", start),
                CallbackQueryHandler(start, pattern=rf"^{PREFIX}:s:\d+$"),
            ],
            states={
                State.SUMMARY: [
                    MessageHandler(typed, summary),
                    MessageHandler(other, hint("meetings.expect_text")),
                ],
                State.DECISIONS: [
                    MessageHandler(typed, decision),
                    CallbackQueryHandler(decisions_done, pattern=f"^{PREFIX}:done$"),
                    MessageHandler(other, hint("meetings.expect_text")),
                ],
                State.ATTENDANCE: [
                    MessageHandler(typed, attendance_typed),
                    CallbackQueryHandler(attendance_default, pattern=f"^{PREFIX}:att$"),
                    MessageHandler(other, hint("meetings.expect_text")),
                ],
                State.CONFIRM: [
                    CallbackQueryHandler(publish, pattern=f"^{PREFIX}:ok$"),
                    MessageHandler(other, button),
                ],
                State.ASSIGN_LIST: [
                    CallbackQueryHandler(pick_decision, pattern=f"^{PREFIX}:d:"),
                    CallbackQueryHandler(finish, pattern=f"^{PREFIX}:fin$"),
                    MessageHandler(other, button),
                ],
                State.ASSIGN_KIND: [
                    CallbackQueryHandler(pick_kind, pattern=f"^{PREFIX}:k:"),
                    CallbackQueryHandler(back_to_list, pattern=f"^{PREFIX}:list$"),
                    MessageHandler(other, button),
                ],
                State.ASSIGN_TARGET: [
                    CallbackQueryHandler(pick_target, pattern=f"^{PREFIX}:t:"),
                    CallbackQueryHandler(back_to_list, pattern=f"^{PREFIX}:list$"),
                    MessageHandler(other, button),
                ],
                State.ASSIGN_DUE: [
                    MessageHandler(typed, due),
                    CallbackQueryHandler(due_pressed, pattern=f"^{PREFIX}:[qw]:"),
                    MessageHandler(other, hint("meetings.expect_text")),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=f"^{PREFIX}:cancel$"),
            ],
            name="meeting_result",
            persistent=True,
            allow_reentry=True,
        )
    ]
