"""The questions /report asks: its states, the draft accessor, one prompt per step and the
summary, plus `next_step`, which moves on to the following prompt (or back to the summary
while one field is being edited).

Kept apart from the answer handlers (`handlers.complaints.report.steps`) and the wiring
(`handlers.complaints.report`) so both can reach the prompts without importing each other.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from enum import IntEnum
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.complaints import intake
from bot.complaints.buttons import (
    ANONYMOUS,
    CATEGORY,
    CHANGE_GRID,
    CONFIRM,
    EDIT,
    PHOTOS_DONE,
    REPORT_CANCEL,
    VOICE_ONLY,
    WHERE,
)
from bot.complaints.intake import Draft
from bot.proxy import filing as proxy_filing
from bot.proxy.rules import shown_phone
from bot.runtime.services import MinhuContext
from handlers.complaints.report.same import offer
from handlers.kit import conversation as kit
from handlers.kit.common import (
    MAX_ADDRESS,
    MAX_PHOTOS,
    MAX_TEXT,
    MAX_VOICES,
    MIN_DESCRIPTION,
    answer,
    in_rows,
    keyboard,
    language_of,
    say,
    say_with_keyboard,
    t,
)
from storage import geo

DRAFT = "draft"  # the user's data slot of the draft (intake.Draft)


# The steps, numbered 100-108 (the first eight were 10-17 before: see `kit.renumbered`); SAME:
# open complaints like it were offered (once the grid is known), to join one or go on with a
# new one; WHERE: which grid the problem is in, when neither a location nor the address said.
State = IntEnum(
    "State", "CATEGORY DESCRIPTION PHOTOS LOCATION ANONYMITY CONFIRM EDIT SAME WHERE", start=100
)


_with_draft = kit.draft_step(DRAFT, role=None, expired="report.form_closed")
Step = Callable[[Update, MinhuContext, Draft], Coroutine[Any, Any, Any]]


def with_draft(step: Step) -> kit.Callback:
    """A step given the draft (`kit.draft_step`); a draft filed for someone (代办) is for
    staff only: the role is checked again on the server at every step."""

    @functools.wraps(step)
    async def checked(update: Update, context: MinhuContext, draft: Draft) -> Any:
        user = update.effective_user
        if draft.get("proxy") is not None and (
            user is None or not await proxy_filing.may_file(context.services, user.id)
        ):
            if context.user_data is not None:
                context.user_data.pop(DRAFT, None)
            await answer(update, context)
            await say(update, context, "common.not_allowed")
            return ConversationHandler.END
        return await step(update, context, draft)

    return _with_draft(checked)


async def ask_category(update: Update, context: MinhuContext, *, edit: bool) -> int:
    """Offer the categories, two to a row."""
    lang = await language_of(update, context)
    cats = await geo.categories(context.services.db)
    rows = in_rows([(c.label(lang), CATEGORY.pack(c.id)) for c in cats], 2)
    await kit.ask(update, context, "report.ask_category", rows, REPORT_CANCEL, edit=edit)
    return State.CATEGORY


async def ask_description(update: Update, context: MinhuContext, draft: Draft | None = None) -> int:
    """Ask for the description. With a voice note kept, a few words are asked so the case
    can be routed, and "the voice note says it" is offered to whoever cannot type; words sent
    first that were too short are quoted."""
    voices = len(draft.get("voices") or []) if draft else 0
    rows = []
    if voices:
        lang = await language_of(update, context)
        rows.append([(t(context, lang, "report.btn_voice_only"), VOICE_ONLY.pack())])
    await kit.ask(
        update,
        context,
        "report.ask_description",
        rows,
        REPORT_CANCEL,
        min=MIN_DESCRIPTION,
        max=MAX_TEXT,
        voices=voices,
        said=draft.get("said_text") if draft else None,
    )
    return State.DESCRIPTION


async def ask_photos(
    update: Update, context: MinhuContext, draft: Draft, *, words: str | None = None
) -> int:
    """Ask for (more) photos, counting those kept (one may come with the description as its
    caption; `words` says what became of a later one's caption). The prompt's id is kept: the
    next photo takes its buttons away, so only the latest can be pressed."""
    lang = await language_of(update, context)
    count, voices = len(draft["photos"]), len(draft.get("voices") or [])
    done = t(context, lang, "report.btn_photos_done" if count or voices else "report.btn_no_photos")
    key = "report.photo_received" if count or voices else "report.ask_photos"
    rows = [[(done, PHOTOS_DONE.pack("done"))]]
    sent = await kit.ask(
        update,
        context,
        key,
        rows,
        REPORT_CANCEL,
        max=MAX_PHOTOS,
        count=count,
        voices=voices,
        max_voices=MAX_VOICES,
        words=words,
    )
    draft["photo_prompt"] = sent.message_id if sent else None
    return State.PHOTOS


async def ask_location(update: Update, context: MinhuContext) -> int:
    """Ask for a location or an address, with a reply keyboard to share or skip."""
    lang = await language_of(update, context)
    share = KeyboardButton(t(context, lang, "report.btn_share_location"), request_location=True)
    skip = KeyboardButton(t(context, lang, "report.btn_skip_location"))
    markup = ReplyKeyboardMarkup([[share], [skip]], resize_keyboard=True, one_time_keyboard=True)
    await say_with_keyboard(update, context, "report.ask_location", markup, max=MAX_ADDRESS)
    return State.LOCATION


async def ask_where(update: Update, context: MinhuContext, draft: Draft, *, edit: bool) -> int:
    """Your home grid, or elsewhere?"""
    lang = await language_of(update, context)
    home = await geo.grid(context.services.db, home_of(draft))
    rows = [
        [(t(context, lang, "report.btn_where_home", grid=home.name if home else "?"), _HOME)],
        [(t(context, lang, "report.btn_where_else"), _ELSE)],
    ]
    await kit.ask(update, context, "report.ask_where", rows, REPORT_CANCEL, edit=edit)
    return State.WHERE


_HOME, _ELSE = WHERE.pack("home"), WHERE.pack("else")


def home_of(draft: Draft) -> int:
    return int(draft.get("home_grid_id") or draft["grid_id"])


async def ask_anonymity(update: Update, context: MinhuContext) -> int:
    """Ask whether the report is named or anonymous."""
    lang = await language_of(update, context)
    rows = [
        [(t(context, lang, "report.btn_named"), ANONYMOUS.pack(False))],
        [(t(context, lang, "report.btn_anonymous"), ANONYMOUS.pack(True))],
    ]
    await kit.ask(update, context, "report.ask_anonymity", rows, REPORT_CANCEL)
    return State.ANONYMITY


async def show_summary(
    update: Update, context: MinhuContext, draft: Draft, *, edit: bool = False
) -> int:
    """The whole draft with confirm / edit / cancel; ends any editing of one field."""
    draft["editing"] = False
    lang = await language_of(update, context)
    db = context.services.db
    category = await geo.category(db, draft.get("category_id") or 0)
    grid = await geo.grid(db, draft["grid_id"])
    markup = keyboard(
        [
            [(t(context, lang, "report.btn_confirm"), CONFIRM.pack(intake.key_of(draft)))],
            [(t(context, lang, "report.btn_change_grid"), CHANGE_GRID.pack())],
            [
                (t(context, lang, "report.btn_edit"), EDIT.pack()),
                (t(context, lang, "common.btn_cancel"), REPORT_CANCEL.pack()),
            ],
        ]
    )
    await say(
        update,
        context,
        "report.summary",
        edit=edit,
        markup=markup,
        category=category.label(lang) if category else "?",
        grid=grid.full_name if grid else "?",
        routed=draft.get("routed") or "home",
        description=draft["description"],
        photo_count=len(draft["photos"]),
        voice_count=len(draft.get("voices") or []),
        address=draft["address"],
        has_location=draft["location"] is not None,
        anonymous=bool(draft["anonymous"]),
        proxy=_proxy_shown(draft),
    )
    return State.CONFIRM


def _proxy_shown(draft: Draft) -> dict[str, Any] | None:
    """For whom a draft is filed (代办), as the summary shows it; None for one's own report."""
    proxy = draft.get("proxy")
    if proxy is None:
        return None
    return {"name": proxy["name"], "phone": shown_phone(proxy["phone"]), "at": proxy["consent_at"]}


async def next_step(update: Update, context: MinhuContext, draft: Draft, following: State) -> int:
    """Go to the following step, or back to the summary when editing one field. Steps whose
    answer came with the message the report was made of (`prefilled`) are passed: its photos
    or voice notes, its location (routed already; where it says no grid, the resident is asked
    which)."""
    if draft.get("editing") or following is State.CONFIRM:
        return await show_summary(update, context, draft)
    filled = draft.get("prefilled") or []
    if following is State.PHOTOS and "photos" in filled:
        following = State.LOCATION
    if following is State.LOCATION and "location" in filled:
        if draft.get("routed") != "location":
            return await ask_where(update, context, draft, edit=False)
        following = State.ANONYMITY
    if following is State.ANONYMITY and draft.get("proxy") is not None:
        return await show_summary(update, context, draft)  # 代办: filed by name, for a name
    if following is State.ANONYMITY and not draft.get("same_checked"):
        # The place is known now: "me too" is offered among the open cases of the grid the
        # report goes to (属地), not the reporter's home grid — once.
        draft["same_checked"] = True
        if await offer(update, context, draft):
            return State.SAME
    if following is State.PHOTOS:
        return await ask_photos(update, context, draft)
    steps = {
        State.DESCRIPTION: ask_description,
        State.LOCATION: ask_location,
        State.ANONYMITY: ask_anonymity,
    }
    return await steps[following](update, context)
