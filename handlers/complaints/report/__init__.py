"""/report: category → description → photos → location (→ which grid, when the location or
address does not say) (→ "me too", among the open cases of that grid) → anonymity → confirm.

The draft lives in the user's persisted data, so a restart continues at the same step; the
complaint is written only on confirm, in one transaction with its submission key (the draft's
id, carried by the confirm button) and the outbox row that gives the number, so the number
arrives even after a crash and a second press files nothing.

This module holds the conversation's wiring and its ends: the entry, the edit menu, confirm
and cancel. The prompts and states are in `handlers.complaints.report.prompts`, the step answers in
`handlers.complaints.report.steps`; `State` is re-exported here. `/proxy` (代办) enters the
same conversation with a draft for someone: its own first steps are in
`handlers.complaints.report.proxy`.
"""

from __future__ import annotations

from typing import cast

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.complaints import buttons, intake
from bot.complaints.buttons import (
    CONFIRM,
    EDIT,
    EDIT_PART,
    PARTS,
    PHOTOS_DONE,
    REPORT_CANCEL,
    SAID,
)
from bot.complaints.intake import Draft
from bot.runtime.services import MinhuContext
from handlers.complaints.report import offered, proxy, voice
from handlers.complaints.report.prompts import (
    DRAFT,
    State,
    ask_anonymity,
    ask_category,
    ask_description,
    ask_location,
    ask_photos,
    show_summary,
    with_draft,
)
from handlers.complaints.report.steps import (
    address,
    anonymity,
    choose_category,
    description_step,
    location,
    not_same,
    photo,
    photos_done,
    same,
)
from handlers.complaints.report.where import CHANGE_GRID, change_grid, where_step
from handlers.kit import conversation as kit
from handlers.kit import menu
from handlers.kit.common import (
    answer,
    keyboard,
    language_of,
    say,
    t,
    word_buttons,
)
from handlers.kit.submitted import committed, end_if_open, outside, retire_buttons, toast

__all__ = ["State", "handlers"]


async def start(update: Update, context: MinhuContext) -> int:
    """/report: registered residents start a draft; others are sent to /start."""
    assert context.user_data is not None
    person = await kit.registered(update, context, with_grid=True)
    if person is None or person.grid_id is None:
        return ConversationHandler.END
    context.user_data[DRAFT] = intake.new_draft(person.grid_id)
    return await ask_category(update, context, edit=False)


@with_draft
async def edit_menu(update: Update, context: MinhuContext, draft: Draft) -> int:
    """Which part to change."""
    await answer(update, context)
    lang = await language_of(update, context)
    parts = PARTS if draft.get("proxy") is None else PARTS[:-1]  # 代办: no anonymity
    rows = word_buttons(context, lang, EDIT_PART, parts, "report.btn_edit_")
    rows.append([(t(context, lang, "common.btn_back"), EDIT_PART.pack("back"))])
    await say(update, context, "report.edit_which", edit=True, markup=keyboard(rows))
    return State.EDIT


@with_draft
async def edit_part(update: Update, context: MinhuContext, draft: Draft) -> int:
    """Go back to one step; afterwards the summary is shown again."""
    assert update.callback_query is not None
    part = EDIT_PART.one(update.callback_query.data)
    await answer(update, context)
    if part == "back":
        return await show_summary(update, context, draft, edit=True)
    draft["editing"] = True
    if part == "category":
        return await ask_category(update, context, edit=True)
    if part == "photos":
        draft["photos"] = []
        return await ask_photos(update, context, draft)
    if part == "description":
        return await ask_description(update, context, draft)
    return await {"location": ask_location, "anonymity": ask_anonymity}[part](update, context)


async def confirm(update: Update, context: MinhuContext, *, inside: bool = True) -> int | None:
    """Commit the complaint; its number comes through the outbox, sent at once.

    The button carries the draft's key: pressing it again — from this state, after the
    conversation ended, after a crash or a restart — finds the complaint it filed and files
    nothing; a press with no such draft, or outside the summary step (`inside` False), says
    the form is closed."""
    assert update.callback_query is not None and update.effective_user is not None
    assert context.user_data is not None
    user_id = update.effective_user.id
    found = context.user_data.get(DRAFT)
    draft = cast(Draft, found) if isinstance(found, dict) else None
    key = CONFIRM.one(update.callback_query.data) or (intake.key_of(draft) if draft else None)
    before = await intake.already(context.services, key, user_id) if key else None
    if key is not None and before is not None:
        return await _filed_before(update, context, before, key)
    if not inside or draft is None or intake.key_of(draft) != key:
        await answer(update, context)
        await retire_buttons(update, context)
        await say(update, context, "report.form_closed")
        return end_if_open(context, DRAFT, key)
    try:
        submitted = await intake.submit(context.services, user_id, draft)
    except intake.DraftError as refused:  # an old or forged summary: its button is invalid
        await answer(update, context, refused.template)
        return await show_summary(update, context, draft, edit=True)
    context.user_data.pop(DRAFT, None)
    if submitted.again:
        return await _filed_before(update, context, submitted, key)
    await committed(update, context, key=intake.key_of(draft), record=submitted.number)
    await retire_buttons(update, context)
    await answer(update, context)
    return ConversationHandler.END


async def _filed_before(
    update: Update, context: MinhuContext, done: intake.Submitted, key: str
) -> int | None:
    """A second press of a submitted draft's confirm: its number again, nothing filed."""
    await retire_buttons(update, context)
    await toast(update, context, "report.already_submitted", number=done.number)
    return end_if_open(context, DRAFT, key)


cancel = kit.cancelled_with_keyboard("common.cancelled", DRAFT)


def handlers() -> list[BaseHandler]:
    """The /report conversation (persistent: it survives a restart), and its confirm button
    pressed once the form is closed."""
    expect = "report.expect_button"
    states: dict[object, kit.Handlers] = {
        State.CATEGORY: kit.buttons_step(expect, (buttons.CATEGORY, choose_category)),
        State.DESCRIPTION: description_step(),
        State.SAME: kit.buttons_step(expect, (buttons.SAME, same), (buttons.NOT_SAME, not_same)),
        State.PHOTOS: [
            *voice.PHOTOS_HANDLERS,
            *kit.photo_step(photo, (PHOTOS_DONE, photos_done), "report.expect_photo"),
        ],
        State.LOCATION: kit.location_step(location, address, "report.expect_location"),
        State.ANONYMITY: kit.buttons_step(expect, (buttons.ANONYMOUS, anonymity)),
        State.CONFIRM: kit.buttons_step(
            expect, (CONFIRM, confirm), (EDIT, edit_menu), (CHANGE_GRID, change_grid)
        ),
        State.EDIT: kit.buttons_step(expect, (EDIT_PART, edit_part)),
        State.WHERE: where_step(expect),
        **proxy.states(expect),  # /proxy (代办): the resident's name, phone, consent first
    }
    form = kit.conversation(
        "report",
        entry_points=[
            *menu.command("report", start),
            CommandHandler("proxy", proxy.start),
            CallbackQueryHandler(offered.accepted, pattern=SAID.pattern),
        ],
        states=states,
        cancel=cancel,
        cancel_button=REPORT_CANCEL,
    )
    return [
        kit.renumbered(form, list(State)[:8], was=10),
        CallbackQueryHandler(outside(confirm), pattern=CONFIRM.pattern),
    ]
