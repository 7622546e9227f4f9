"""/report: category → description (→ "me too") → photos → location → anonymity → confirm.

The draft lives in the user's persisted data, so a restart continues at the same step; the
complaint is written only on confirm, in one transaction with its submission key (the draft's
id, carried by the confirm button) and the outbox row that gives the number, so the number
arrives even after a crash and a second press files nothing.

This module holds the conversation's wiring and its ends: the entry, the edit menu, confirm
and cancel. The prompts and states are in `handlers.complaints.report_prompts`, the step answers in
`handlers.complaints.report_steps`; `State` and `PREFIX` are re-exported here.
"""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update
from telegram.constants import ParseMode
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.complaints import intake
from bot.runtime.services import MinhuContext
from handlers.complaints.report_prompts import (
    PREFIX,
    State,
    ask_anonymity,
    ask_category,
    ask_description,
    ask_location,
    ask_photos,
    draft_of,
    show_summary,
)
from handlers.complaints.report_steps import (
    address,
    anonymity,
    choose_category,
    description,
    location,
    not_same,
    photo,
    photos_done,
    same,
)
from handlers.kit.common import answer, current_person, hint, keyboard, language_of, say, t
from handlers.kit.submitted import committed, end_if_open, key_in, outside, retire_buttons, toast

__all__ = ["PREFIX", "State", "handlers"]

CONFIRM_PATTERN = f"^{PREFIX}:confirm(:[0-9a-f]{{1,32}})?$"


async def start(update: Update, context: MinhuContext) -> int:
    """/report: registered residents start a draft; others are sent to /start."""
    assert context.user_data is not None
    person = await current_person(update, context)
    if person is None or person.grid_id is None:
        await say(update, context, "common.need_start")
        return ConversationHandler.END
    context.user_data["draft"] = intake.new_draft(person.grid_id)
    return await ask_category(update, context, edit=False)


async def edit_menu(update: Update, context: MinhuContext) -> int:
    """Which part to change."""
    await answer(update, context)
    lang = await language_of(update, context)
    fields = ("category", "description", "photos", "location", "anonymity")
    rows = [[(t(context, lang, f"report.btn_edit_{f}"), f"{PREFIX}:e:{f}")] for f in fields]
    rows.append([(t(context, lang, "common.btn_back"), f"{PREFIX}:e:back")])
    await say(update, context, "report.edit_which", edit=True, markup=keyboard(rows))
    return State.EDIT


async def edit_field(update: Update, context: MinhuContext) -> int:
    """Go back to one step; afterwards the summary is shown again."""
    assert update.callback_query is not None
    field = (update.callback_query.data or "").rsplit(":", 1)[-1]
    draft = draft_of(context)
    if field == "back":
        await answer(update, context)
        return await show_summary(update, context, edit=True)
    steps = {
        "description": State.DESCRIPTION,
        "location": State.LOCATION,
        "anonymity": State.ANONYMITY,
    }
    if field == "category":
        await answer(update, context)
        draft["editing"] = True
        return await ask_category(update, context, edit=True)
    if field == "photos":
        await answer(update, context)
        draft["editing"] = True
        draft["photos"] = []
        return await ask_photos(update, context)
    if field not in steps:
        await answer(update, context, "common.invalid_button")
        return State.EDIT
    await answer(update, context)
    draft["editing"] = True
    return await {
        "description": ask_description,
        "location": ask_location,
        "anonymity": ask_anonymity,
    }[field](update, context)


async def confirm(update: Update, context: MinhuContext, *, inside: bool = True) -> int | None:
    """Commit the complaint; its number comes through the outbox, sent at once.

    The button carries the draft's key: pressing it again — from this state, after the
    conversation ended, after a crash or a restart — finds the complaint it filed and files
    nothing; a press with no such draft, or outside the summary step (`inside` False), says
    the form is closed."""
    assert update.callback_query is not None and update.effective_user is not None
    assert context.user_data is not None
    user_id = update.effective_user.id
    draft = context.user_data.get("draft")
    key = key_in(update) or (intake.key_of(draft) if isinstance(draft, dict) else None)
    before = await intake.already(context.services, key, user_id) if key else None
    if key is not None and before is not None:
        return await _filed_before(update, context, before, key)
    if not inside or not isinstance(draft, dict) or intake.key_of(draft) != key:
        await answer(update, context)
        await retire_buttons(update)
        await say(update, context, "report.form_closed")
        return end_if_open(context, "draft", key)
    try:
        submitted = await intake.submit(context.services, user_id, draft)
    except intake.DraftError:
        await answer(update, context, "common.invalid_button")
        return await show_summary(update, context, edit=True)
    context.user_data.pop("draft", None)
    if submitted.again:
        return await _filed_before(update, context, submitted, key)
    await committed(update, context, key=intake.key_of(draft), record=submitted.number)
    await retire_buttons(update)
    await answer(update, context)
    return ConversationHandler.END


async def _filed_before(
    update: Update, context: MinhuContext, done: intake.Submitted, key: str
) -> int | None:
    """A second press of a submitted draft's confirm: its number again, nothing filed."""
    await retire_buttons(update)
    await toast(update, context, "report.already_submitted", number=done.number)
    return end_if_open(context, "draft", key)


async def cancel(update: Update, context: MinhuContext) -> int:
    """Leave the report; the draft is dropped."""
    if context.user_data is not None:
        context.user_data.pop("draft", None)
    await answer(update, context)
    chat = update.effective_chat
    assert chat is not None
    lang = await language_of(update, context)
    if update.callback_query is not None:
        await say(update, context, "common.cancelled", edit=True)
    else:
        await context.bot.send_message(
            chat.id,
            t(context, lang, "common.cancelled"),
            parse_mode=ParseMode.HTML,
            reply_markup=ReplyKeyboardRemove(),
        )
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The /report conversation (persistent: it survives a restart)."""
    text = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND
    return [
        ConversationHandler(
            entry_points=[CommandHandler("report", start)],
            states={
                State.CATEGORY: [
                    CallbackQueryHandler(choose_category, pattern=f"^{PREFIX}:cat:"),
                    MessageHandler(other, hint("report.expect_button")),
                ],
                State.DESCRIPTION: [
                    MessageHandler(text, description),
                    MessageHandler(
                        filters.PHOTO & filters.CAPTION & filters.UpdateType.MESSAGE, description
                    ),
                    MessageHandler(other, hint("report.expect_text")),
                ],
                State.SAME: [
                    CallbackQueryHandler(same, pattern=f"^{PREFIX}:same:"),
                    CallbackQueryHandler(not_same, pattern=f"^{PREFIX}:new$"),
                    MessageHandler(other, hint("report.expect_button")),
                ],
                State.PHOTOS: [
                    MessageHandler(filters.PHOTO, photo),
                    CallbackQueryHandler(photos_done, pattern=f"^{PREFIX}:photos:done$"),
                    MessageHandler(other, hint("report.expect_photo")),
                ],
                State.LOCATION: [
                    MessageHandler(filters.LOCATION, location),
                    MessageHandler(text, address),
                    MessageHandler(other, hint("report.expect_location")),
                ],
                State.ANONYMITY: [
                    CallbackQueryHandler(anonymity, pattern=f"^{PREFIX}:anon:"),
                    MessageHandler(other, hint("report.expect_button")),
                ],
                State.CONFIRM: [
                    CallbackQueryHandler(confirm, pattern=CONFIRM_PATTERN),
                    CallbackQueryHandler(edit_menu, pattern=f"^{PREFIX}:edit$"),
                    MessageHandler(other, hint("report.expect_button")),
                ],
                State.EDIT: [
                    CallbackQueryHandler(edit_field, pattern=f"^{PREFIX}:e:"),
                    MessageHandler(other, hint("report.expect_button")),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=f"^{PREFIX}:cancel$"),
            ],
            name="report",
            persistent=True,
            allow_reentry=True,
        ),
        CallbackQueryHandler(outside(confirm), pattern=CONFIRM_PATTERN),
    ]
