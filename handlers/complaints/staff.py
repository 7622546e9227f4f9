"""The staff buttons under a complaint: accept, reject, transfer, progress note, resolve.

Every press is checked again on the server by `bot.complaints.service.act` (buttons are only a
convenience). The steps that need typed words or a photo run in one persistent
conversation; the complaint being worked on is kept in the user's data (`staff_flow.TASK`).
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.complaints.rules import Action, NotAllowed
from bot.complaints.service import act
from bot.runtime import notices
from bot.runtime.services import MinhuContext
from handlers.complaints import staff_transfer as transfer
from handlers.complaints.staff_flow import (
    PICK,
    PREFIX,
    TASK,
    State,
    cancel_row,
    category_of,
    drop_task,
    finish,
    may,
    pressed_id,
    refuse,
    retire,
    task_of,
)
from handlers.kit.common import answer, hint, keyboard, language_of, say, sent_photo, t
from storage import complaints

LIMITS = {Action.REJECT: (2, 500), Action.NOTE: (2, 500), Action.RESOLVE: (2, 1000)}
ASKED = {Action.REJECT: State.REASON, Action.NOTE: State.NOTE, Action.RESOLVE: State.RESOLUTION}
log = logging.getLogger(__name__)


async def accept(update: Update, context: MinhuContext) -> None:
    """签收: the pressed message's buttons become progress note / resolve.

    Returns None, so a step the user is in the middle of (say, a reason) stays where it was.
    """
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    complaint_id = pressed_id(update)
    try:
        if complaint_id is None:
            raise NotAllowed("not_found")
        done = await act(context.services, complaint_id, Action.ACCEPT, user.id)
    except NotAllowed as refused:
        await refuse(update, context, refused.reason)
        return
    await answer(update, context, "staff.accepted", resolve_due_at=done.resolve_due_at)
    if isinstance(query.message, Message):
        lang = await language_of(update, context)
        rows = notices.work_buttons(done.id)
        markup = keyboard([[(t(context, lang, label), data) for label, data in r] for r in rows])
        try:
            await query.message.edit_reply_markup(markup)
        except BadRequest as exc:
            log.info("could not show the work buttons: %s", exc.message)


async def _start(update: Update, context: MinhuContext, action: Action) -> int | None:
    """A button that needs more: check, remember the complaint, ask."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and context.user_data is not None
    try:
        complaint = await may(context.services, pressed_id(update), action, user.id)
    except NotAllowed as refused:
        await refuse(update, context, refused.reason)
        return None
    await answer(update, context)
    origin = query.message.message_id if isinstance(query.message, Message) else None
    context.user_data[TASK] = {"id": complaint.id, "action": action.value, "origin": origin}
    if action is Action.TRANSFER:
        return await transfer.ask_target(update, context, complaint)
    low, high = LIMITS[action]
    lang = await language_of(update, context)
    sent = await say(
        update,
        context,
        f"staff.ask_{action.value}",
        markup=keyboard([cancel_row(context, lang)]),
        number=complaint.number,
        min=low,
        max=high,
    )
    context.user_data[TASK]["prompt"] = sent.message_id if sent else None
    return ASKED[action]


async def start_reject(update: Update, context: MinhuContext) -> int | None:
    """退回: ask for the reason."""
    return await _start(update, context, Action.REJECT)


async def start_note(update: Update, context: MinhuContext) -> int | None:
    """进展: ask for the note."""
    return await _start(update, context, Action.NOTE)


async def start_resolve(update: Update, context: MinhuContext) -> int | None:
    """办结: ask for the resolution, then a photo."""
    return await _start(update, context, Action.RESOLVE)


async def start_transfer(update: Update, context: MinhuContext) -> int | None:
    """转办 (改派 for admins): choose a department or another grid."""
    return await _start(update, context, Action.TRANSFER)


async def _typed(update: Update, context: MinhuContext, action: Action) -> str | None:
    """The typed words if their length is right, else a polite answer and None."""
    assert update.message is not None
    text = (update.message.text or "").strip()
    low, high = LIMITS[action]
    if not low <= len(text) <= high:
        await say(update, context, "staff.bad_length", length=len(text), min=low, max=high)
        return None
    return text


async def reason(update: Update, context: MinhuContext) -> int | None:
    """The reason for rejecting."""
    text = await _typed(update, context, Action.REJECT)
    return await finish(update, context, Action.REJECT, note=text) if text else None


async def note(update: Update, context: MinhuContext) -> int | None:
    """A progress note."""
    text = await _typed(update, context, Action.NOTE)
    return await finish(update, context, Action.NOTE, note=text) if text else None


async def resolution(update: Update, context: MinhuContext) -> int | None:
    """The resolution; then a photo (required for hazards, optional otherwise)."""
    text = await _typed(update, context, Action.RESOLVE)
    if text is None:
        return None
    task = task_of(context)
    found = await complaints.get(context.services.db, int(task["id"])) if task else None
    if task is None or found is None:
        return await finish(update, context, Action.RESOLVE, note=text)  # explains why not
    task["note"] = text
    required = (await category_of(context.services, found)).is_hazard
    lang = await language_of(update, context)
    rows = [] if required else [[(t(context, lang, "staff.btn_no_photo"), f"{PREFIX}:nophoto")]]
    rows.append(cancel_row(context, lang))
    await retire(update, context, task.get("prompt"))
    sent = await say(update, context, "staff.ask_photo", markup=keyboard(rows), required=required)
    task["prompt"] = sent.message_id if sent else None
    return State.PHOTO


async def resolution_photo(update: Update, context: MinhuContext) -> int | None:
    """The photo of the finished work: resolve with it."""
    words = str((task_of(context) or {}).get("note") or "")
    return await finish(update, context, Action.RESOLVE, note=words, photo=sent_photo(update))


async def no_photo(update: Update, context: MinhuContext) -> int | None:
    """Resolve without a photo (the rules refuse that for hazards)."""
    words = str((task_of(context) or {}).get("note") or "")
    return await finish(update, context, Action.RESOLVE, note=words)


async def cancel(update: Update, context: MinhuContext) -> int:
    """/cancel or a cancel button: nothing changes."""
    task = task_of(context)
    drop_task(context)
    if task is not None:
        await retire(update, context, task.get("prompt"))
    await answer(update, context)
    await say(update, context, "staff.cancelled", edit=update.callback_query is not None)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The staff buttons and their one persistent conversation ("staff")."""
    text = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND
    return [
        ConversationHandler(
            entry_points=[
                CallbackQueryHandler(accept, pattern=f"^{PREFIX}:accept:"),
                CallbackQueryHandler(start_reject, pattern=f"^{PREFIX}:reject:"),
                CallbackQueryHandler(start_transfer, pattern=f"^{PREFIX}:transfer:"),
                CallbackQueryHandler(start_note, pattern=f"^{PREFIX}:note:"),
                CallbackQueryHandler(start_resolve, pattern=f"^{PREFIX}:resolve:"),
            ],
            states={
                State.REASON: [
                    MessageHandler(text, reason),
                    MessageHandler(other, hint("staff.expect_text")),
                ],
                State.NOTE: [
                    MessageHandler(text, note),
                    MessageHandler(other, hint("staff.expect_text")),
                ],
                State.RESOLUTION: [
                    MessageHandler(text, resolution),
                    MessageHandler(other, hint("staff.expect_text")),
                ],
                State.PHOTO: [
                    MessageHandler(filters.PHOTO, resolution_photo),
                    CallbackQueryHandler(no_photo, pattern=f"^{PREFIX}:nophoto$"),
                    MessageHandler(other, hint("staff.expect_photo")),
                ],
                State.TRANSFER: [
                    CallbackQueryHandler(transfer.to_department, pattern=f"^{PICK}:d:"),
                    CallbackQueryHandler(transfer.pick_zone, pattern=f"^{PICK}:grid$"),
                    MessageHandler(other, hint("staff.expect_button")),
                ],
                State.ZONE: [
                    CallbackQueryHandler(transfer.pick_community, pattern=f"^{PICK}:z:"),
                    MessageHandler(other, hint("staff.expect_button")),
                ],
                State.COMMUNITY: [
                    CallbackQueryHandler(transfer.pick_grid, pattern=f"^{PICK}:c:"),
                    CallbackQueryHandler(transfer.pick_zone, pattern=f"^{PICK}:back$"),
                    MessageHandler(other, hint("staff.expect_button")),
                ],
                State.GRID: [
                    CallbackQueryHandler(transfer.to_grid, pattern=f"^{PICK}:g:"),
                    CallbackQueryHandler(transfer.pick_community, pattern=f"^{PICK}:z:"),
                    MessageHandler(other, hint("staff.expect_button")),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=f"^({PREFIX}|{PICK}):cancel$"),
            ],
            name="staff",
            persistent=True,
            allow_reentry=True,
        )
    ]
