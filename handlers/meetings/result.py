"""/meetingresult ID (admins): summary → decisions, one per message until "done" → attendance
(the checked-in count by default) → confirm; the result notice then goes to every registrant
and the meeting's audience, exactly once. Afterwards each decision can become an assignment
(交办) to a representative, a department or a grid worker, with a deadline
(handlers.meetings.result_assign).

Buttons: the `mr` families of `bot.meetings.buttons`. Every write checks the role again in
`bot.meetings.results`.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.meetings import results, service
from bot.meetings.buttons import (
    AS_CHECKED_IN,
    ASSIGNED_ALL,
    DAY_OFF,
    DECISION,
    DECISIONS,
    DECISIONS_DONE,
    IN_DAYS,
    KIND,
    PUBLISH_RESULT,
    RESULT,
    RESULT_CANCEL,
    TARGET,
)
from bot.meetings.rules import (
    ATTENDANCE,
    MAX_DECISIONS,
    SUMMARY,
    MeetingStatus,
    parse_count,
    text_within,
)
from bot.meetings.rules import DECISION as DECISION_LENGTH
from bot.runtime.services import MinhuContext
from handlers.kit.common import answer, button_row, keyboard, language_of, pressed, say
from handlers.kit.conversation import (
    buttons_step,
    cancelled,
    conversation,
    refusal_ends,
    renumbered,
    typed_step,
)
from handlers.meetings.common import say_about, typed_meeting
from handlers.meetings.manage import admins_only, say_meetings
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
from handlers.meetings.result_flow import RESULT as SLOT
from handlers.meetings.result_flow import ResultDraft, State, step
from storage import meeting_bookings as bookings
from storage import meetings as store

DONE_WORDS = frozenset({"done", "完成", "好了", "结束", "没有了"})


@admins_only
@refusal_ends()
async def start(update: Update, context: MinhuContext) -> int | None:
    """/meetingresult ID or the 📝 button; /meetingresult alone lists meetings to record."""
    assert context.user_data is not None
    services = context.services
    now = services.clock.now()
    if update.callback_query is not None:
        meeting_id = RESULT.one(pressed(update))
    else:
        meeting_id = typed_meeting(context)
        if not context.args:
            started = [m for m in await store.for_admins(services.db, now) if m.starts_at <= now]
            await say_meetings(update, context, "meetings.result_pick", started, RESULT)
            return ConversationHandler.END
    m = await store.get(services.db, meeting_id) if meeting_id else None
    if m is None:
        raise service.NotFound("not_found")
    if m.status != MeetingStatus.OPEN:
        raise service.Stale("not_open", status=m.status)
    if now < m.starts_at:
        raise service.NotAllowed("not_yet", starts_at=m.starts_at)
    await answer(update, context)
    context.user_data[SLOT] = ResultDraft(id=m.id, decisions=[])
    lang = await language_of(update, context)
    cancel = button_row(context, lang, "common.btn_cancel", RESULT_CANCEL)
    low, high = SUMMARY
    await say_about(update, context, "meetings.ask_summary", m, [cancel], min=low, max=high)
    return State.SUMMARY


@step
async def summary(update: Update, context: MinhuContext, task: ResultDraft) -> int | None:
    """The summary; then the decisions."""
    assert update.message is not None
    task["summary"] = text_within(update.message.text or "", SUMMARY)
    return await _ask_decision(update, context, task)


async def _ask_decision(update: Update, context: MinhuContext, task: ResultDraft) -> int:
    lang = await language_of(update, context)
    count = len(task["decisions"])
    await say(
        update,
        context,
        "meetings.ask_decision",
        markup=keyboard([button_row(context, lang, "meetings.btn_decisions_done", DECISIONS_DONE)]),
        count=count,
        max=MAX_DECISIONS,
        max_length=DECISION_LENGTH[1],
    )
    return State.DECISIONS


@step
async def decision(update: Update, context: MinhuContext, task: ResultDraft) -> int | None:
    """One decision (or "done")."""
    assert update.message is not None
    typed = (update.message.text or "").strip()
    if typed.lower() in DONE_WORDS:
        return await _ask_attendance(update, context, task)
    task["decisions"].append(text_within(typed, DECISION_LENGTH))
    if len(task["decisions"]) >= MAX_DECISIONS:
        return await _ask_attendance(update, context, task)
    return await _ask_decision(update, context, task)


@step
async def decisions_done(update: Update, context: MinhuContext, task: ResultDraft) -> int:
    """The 完成 button under the decisions."""
    await answer(update, context)
    return await _ask_attendance(update, context, task)


async def _ask_attendance(update: Update, context: MinhuContext, task: ResultDraft) -> int:
    present = await bookings.checked_in_count(context.services.db, int(task["id"]))
    task["present"] = present
    lang = await language_of(update, context)
    default = button_row(context, lang, "meetings.btn_attendance", AS_CHECKED_IN, present=present)
    await say(
        update,
        context,
        "meetings.ask_attendance",
        markup=keyboard([default]),
        present=present,
        count=len(task["decisions"]),
    )
    return State.ATTENDANCE


@step
async def attendance_typed(update: Update, context: MinhuContext, task: ResultDraft) -> int | None:
    """A typed attendance figure."""
    assert update.message is not None
    task["attendance"] = parse_count(update.message.text or "", ATTENDANCE, "bad_attendance")
    return await _confirm(update, context, task)


@step
async def attendance_default(update: Update, context: MinhuContext, task: ResultDraft) -> int:
    """The checked-in count."""
    await answer(update, context)
    task["attendance"] = int(task.get("present") or 0)
    return await _confirm(update, context, task)


async def _confirm(update: Update, context: MinhuContext, task: ResultDraft) -> int:
    lang = await language_of(update, context)
    m = await store.get(context.services.db, int(task["id"]))
    assert m is not None
    rows = [
        button_row(context, lang, "meetings.btn_publish_result", PUBLISH_RESULT),
        button_row(context, lang, "common.btn_cancel", RESULT_CANCEL),
    ]
    summary, decisions, attendance = task["summary"], task["decisions"], task["attendance"]
    await say_about(
        update,
        context,
        "meetings.result_preview",
        m,
        rows,
        summary=summary,
        decisions=decisions,
        attendance=attendance,
    )
    return State.CONFIRM


@step
@refusal_ends(SLOT)
async def publish(update: Update, context: MinhuContext, task: ResultDraft) -> int:
    """Record the result (once) and send the notices."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    services = context.services
    m, ids, told = await results.record_result(
        services,
        int(task["id"]),
        user.id,
        summary=task["summary"],
        decisions=list(task["decisions"]),
        attendance=int(task["attendance"]),
    )
    await answer(update, context)
    await say_about(update, context, "meetings.result_recorded", m, edit=True, reach=told)
    if not ids:
        context.user_data.pop(SLOT, None)
        return ConversationHandler.END
    context.user_data[SLOT] = ResultDraft(id=m.id)  # now the decisions are handed on
    return await assign_list(update, context)


def handlers() -> list[BaseHandler]:
    """The /meetingresult conversation (persistent: it survives a restart)."""
    typed, button = "meetings.expect_text", "meetings.expect_button"
    return [
        renumbered(
            conversation(
                "meeting_result",
                entry_points=[
                    CommandHandler("meetingresult", start),
                    CallbackQueryHandler(start, pattern=RESULT.pattern),
                ],
                states={
                    State.SUMMARY: typed_step(summary, typed),
                    State.DECISIONS: [
                        CallbackQueryHandler(decisions_done, pattern=DECISIONS_DONE.pattern),
                        *typed_step(decision, typed),
                    ],
                    State.ATTENDANCE: [
                        CallbackQueryHandler(attendance_default, pattern=AS_CHECKED_IN.pattern),
                        *typed_step(attendance_typed, typed),
                    ],
                    State.CONFIRM: buttons_step(button, (PUBLISH_RESULT, publish)),
                    State.ASSIGN_LIST: buttons_step(
                        button, (DECISION, pick_decision), (ASSIGNED_ALL, finish)
                    ),
                    State.ASSIGN_KIND: buttons_step(
                        button, (KIND, pick_kind), (DECISIONS, back_to_list)
                    ),
                    State.ASSIGN_TARGET: buttons_step(
                        button, (TARGET, pick_target), (DECISIONS, back_to_list)
                    ),
                    State.ASSIGN_DUE: [
                        CallbackQueryHandler(due_pressed, pattern=IN_DAYS.pattern),
                        CallbackQueryHandler(due_pressed, pattern=DAY_OFF.pattern),
                        *typed_step(due, typed),
                    ],
                },
                cancel=cancelled("meetings.form_cancelled", SLOT),
                cancel_button=RESULT_CANCEL,
            ),
            State,
            was=80,
        )
    ]
