"""/broadcast: audience → text or photo → ordinary or urgent → preview → confirm.

Admins only, checked on the server when the conversation starts and again on confirm. The
draft lives in the admin's persisted data; the broadcast and one outbox row per recipient are
written only on confirm, in one transaction, then delivery is kicked and the progress message
is kept up to date by bot.broadcasts. /broadcasts (handlers/broadcast_list.py) can stop it.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Coroutine
from enum import IntEnum
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.broadcasts import (
    MAX_CAPTION,
    MAX_TEXT,
    duration_seconds,
    open_meetings,
    progress_text,
)
from bot.delivery import CAPTION_LIMIT
from bot.roles import has_role
from bot.services import MinhuContext
from handlers.common import answer, hint, keyboard, language_of, parse_int, say, t
from handlers.geo_picker import community_keyboard, grid_keyboard, zone_keyboard
from storage import broadcasts, geo
from storage.broadcasts import ROLE_CODES, Audience

PREFIX = "bc"


class State(IntEnum):
    AUDIENCE = 30
    ZONE = 31
    COMMUNITY = 32
    GRID = 33
    ROLE = 34
    MEETING = 35
    TEXT = 36
    URGENCY = 37
    CONFIRM = 38


async def is_admin(update: Update, context: MinhuContext) -> bool:
    """Whether the user behind this update is an admin (checked on the server, every time)."""
    user = update.effective_user
    return user is not None and await has_role(context.services, user.id, "admin")


def _draft(context: MinhuContext) -> dict[str, Any] | None:
    draft = context.user_data.get("broadcast") if context.user_data is not None else None
    return draft if isinstance(draft, dict) else None


def _audience(draft: dict[str, Any]) -> Audience:
    kind, ref, label = draft["audience"]
    return Audience(kind, ref, label)


def _cancel_row(context: MinhuContext, lang: str) -> list[tuple[str, str]]:
    return [(t(context, lang, "common.btn_cancel"), f"{PREFIX}:cancel")]


def _last_value(update: Update) -> str:
    assert update.callback_query is not None
    return (update.callback_query.data or "").rsplit(":", 1)[-1]


Step = Callable[[Update, MinhuContext, dict[str, Any]], Coroutine[Any, Any, int]]


def _with_draft(step: Step) -> Callable[[Update, MinhuContext], Coroutine[Any, Any, int]]:
    """Give a step the admin's draft; without one (an admin who never registered loses it in
    a restart: only people's data is persisted) the admin is asked to start again."""

    @functools.wraps(step)
    async def run(update: Update, context: MinhuContext) -> int:
        draft = _draft(context)
        if draft is None:
            await answer(update, context)
            await say(update, context, "broadcast.expired")
            return ConversationHandler.END
        return await step(update, context, draft)

    return run


# Step 1: the audience -------------------------------------------------------------------


async def start(update: Update, context: MinhuContext) -> int:
    """/broadcast: admins start a draft; everyone else is refused."""
    assert context.user_data is not None
    if not await is_admin(update, context):
        await say(update, context, "common.not_allowed")
        return ConversationHandler.END
    context.user_data["broadcast"] = {}
    lang = await language_of(update, context)
    kinds = [["everyone"], ["zone", "community"], ["grid", "role"]]
    if await open_meetings(context.services.db, limit=1):
        kinds.append(["meeting"])
    rows = [
        [(t(context, lang, f"broadcast.btn_{kind}"), f"{PREFIX}:a:{kind}") for kind in row]
        for row in kinds
    ]
    rows.append(_cancel_row(context, lang))
    await say(update, context, "broadcast.choose_audience", markup=keyboard(rows))
    return State.AUDIENCE


@_with_draft
async def choose_kind(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """An audience kind was pressed: everyone is final, the others need a choice."""
    kind = _last_value(update)
    lang = await language_of(update, context)
    if kind == "everyone":
        await answer(update, context)
        return await _audience_chosen(update, context, draft, "everyone", None, "")
    if kind in ("zone", "community", "grid"):
        draft["kind"] = kind
        await answer(update, context)
        return await _ask_zone(update, context, draft)
    if kind == "role":
        rows = [[(_role_label(context, lang, r), f"{PREFIX}:r:{r}")] for r in ROLE_CODES]
        rows.append(_cancel_row(context, lang))
        await answer(update, context)
        await say(update, context, "broadcast.choose_role", edit=True, markup=keyboard(rows))
        return State.ROLE
    meetings = await open_meetings(context.services.db) if kind == "meeting" else []
    if not meetings:
        await answer(update, context, "common.invalid_button")
        return State.AUDIENCE
    rows = []
    for m in meetings:
        label = t(context, lang, "broadcast.btn_meeting_item", title=m.title, starts_at=m.starts_at)
        rows.append([(label, f"{PREFIX}:m:{m.id}")])
    rows.append(_cancel_row(context, lang))
    await answer(update, context)
    await say(update, context, "broadcast.choose_meeting", edit=True, markup=keyboard(rows))
    return State.MEETING


def _role_label(context: MinhuContext, lang: str, role: str) -> str:
    return t(context, lang, "broadcast.audience", kind="role", name=role)


async def _ask_zone(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    lang = await language_of(update, context)
    key = "broadcast.choose_zone" if draft.get("kind") == "zone" else "broadcast.choose_zone_first"
    markup = await zone_keyboard(context, lang, PREFIX)
    await say(update, context, key, edit=True, markup=markup)
    return State.ZONE


@_with_draft
async def choose_zone(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """A zone was pressed: final for a zone audience, else show its communities."""
    zone_id = parse_int(_last_value(update))
    zone = await geo.zone(context.services.db, zone_id) if zone_id else None
    if zone is None:
        await answer(update, context, "common.invalid_button")
        return State.ZONE
    await answer(update, context)
    if draft.get("kind") == "zone":
        return await _audience_chosen(update, context, draft, "zone", zone.id, zone.name)
    lang = await language_of(update, context)
    markup = await community_keyboard(context, lang, PREFIX, zone.id)
    await say(
        update, context, "broadcast.choose_community", edit=True, markup=markup, zone=zone.name
    )
    return State.COMMUNITY


@_with_draft
async def choose_community(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """A community was pressed: final for a community audience, else show its grids."""
    db = context.services.db
    community_id = parse_int(_last_value(update))
    found = await geo.community(db, community_id) if community_id else None
    zone = await geo.zone(db, found.zone_id) if found else None
    if found is None or zone is None:
        await answer(update, context, "common.invalid_button")
        return State.COMMUNITY
    await answer(update, context)
    if draft.get("kind") == "community":
        name = f"{zone.name} · {found.name}"
        return await _audience_chosen(update, context, draft, "community", found.id, name)
    lang = await language_of(update, context)
    markup = await grid_keyboard(context, lang, PREFIX, found.id)
    await say(
        update, context, "broadcast.choose_grid", edit=True, markup=markup, community=found.name
    )
    return State.GRID


@_with_draft
async def choose_grid(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """A grid was pressed: the audience is its residents."""
    grid_id = parse_int(_last_value(update))
    grid = await geo.grid(context.services.db, grid_id) if grid_id else None
    if grid is None:
        await answer(update, context, "common.invalid_button")
        return State.GRID
    await answer(update, context)
    return await _audience_chosen(update, context, draft, "grid", grid.id, grid.full_name)


@_with_draft
async def back_to_zones(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """Back to the list of zones."""
    await answer(update, context)
    return await _ask_zone(update, context, draft)


@_with_draft
async def choose_role(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """A role was pressed: everyone holding it."""
    role = _last_value(update)
    if role not in ROLE_CODES:
        await answer(update, context, "common.invalid_button")
        return State.ROLE
    await answer(update, context)
    return await _audience_chosen(update, context, draft, "role", role, role)


@_with_draft
async def choose_meeting(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """A meeting was pressed: its registrants (booked and waiting list)."""
    meeting_id = parse_int(_last_value(update))
    found = [m for m in await open_meetings(context.services.db) if m.id == meeting_id]
    if not found:
        await answer(update, context, "common.invalid_button")
        return State.MEETING
    await answer(update, context)
    return await _audience_chosen(update, context, draft, "meeting", found[0].id, found[0].title)


async def _audience_chosen(
    update: Update,
    context: MinhuContext,
    draft: dict[str, Any],
    kind: str,
    ref: int | str | None,
    name: str,
) -> int:
    lang = await language_of(update, context)
    label = t(context, lang, "broadcast.audience", kind=kind, name=name)
    draft["audience"] = [kind, ref, label]
    await say(update, context, "broadcast.audience_chosen", edit=True, audience=label)
    return await _ask_text(update, context)


# Step 2: the words (or one photo with a caption) ------------------------------------------


async def _ask_text(update: Update, context: MinhuContext) -> int:
    lang = await language_of(update, context)
    await say(
        update,
        context,
        "broadcast.ask_text",
        markup=keyboard([_cancel_row(context, lang)]),
        max=MAX_TEXT,
        max_caption=MAX_CAPTION,
    )
    return State.TEXT


@_with_draft
async def text(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """The admin typed the announcement."""
    assert update.message is not None
    body = (update.message.text or "").strip()
    if not 1 <= len(body) <= MAX_TEXT:
        await say(update, context, "broadcast.bad_text", length=len(body), max=MAX_TEXT)
        return State.TEXT
    draft["text"], draft["photo"] = body, None
    return await _after_text(update, context, draft)


@_with_draft
async def photo(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """The admin sent a photo: its caption is the announcement."""
    assert update.message is not None and update.message.photo
    caption = (update.message.caption or "").strip()
    if len(caption) > MAX_CAPTION:
        await say(
            update,
            context,
            "broadcast.bad_caption",
            length=len(caption),
            max=MAX_CAPTION,
            max_text=MAX_TEXT,
        )
        return State.TEXT
    draft["text"], draft["photo"] = caption, update.message.photo[-1].file_id
    return await _after_text(update, context, draft)


async def _after_text(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    if "urgent" in draft:  # changing the text of a previewed broadcast
        return await _preview(update, context, draft)
    lang = await language_of(update, context)
    markup = keyboard(
        [
            [(t(context, lang, "broadcast.btn_ordinary"), f"{PREFIX}:u:0")],
            [(t(context, lang, "broadcast.btn_urgent"), f"{PREFIX}:u:1")],
            _cancel_row(context, lang),
        ]
    )
    await say(update, context, "broadcast.ask_urgency", markup=markup)
    return State.URGENCY


# Step 3: ordinary or urgent, then the preview ---------------------------------------------


@_with_draft
async def urgency(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """Ordinary (muted residents skipped) or urgent (reaches everyone)."""
    value = _last_value(update)
    if value not in ("0", "1"):
        await answer(update, context, "common.invalid_button")
        return State.URGENCY
    draft["urgent"] = value == "1"
    await answer(update, context)
    await say(update, context, "broadcast.urgency_chosen", edit=True, urgent=draft["urgent"])
    return await _preview(update, context, draft)


async def _preview(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """The message exactly as residents get it, then the figures and the buttons."""
    chat = update.effective_chat
    assert chat is not None
    lang = await language_of(update, context)
    services = context.services
    urgent, photo_id = bool(draft["urgent"]), draft["photo"]
    ctx = {"language": lang, "text": draft["text"], "urgent": urgent, "photos": []}
    if photo_id:
        ctx["photos"] = [photo_id]
    body = services.renderer.render(lang, broadcasts.TEMPLATE, **ctx)
    # The same choice as the delivery engine: one photo message when the caption fits.
    if photo_id and len(body) <= CAPTION_LIMIT:
        await context.bot.send_photo(chat.id, photo_id, caption=body, parse_mode=ParseMode.HTML)
    else:
        if photo_id:
            await context.bot.send_photo(chat.id, photo_id)
        await context.bot.send_message(chat.id, body, parse_mode=ParseMode.HTML)

    audience = _audience(draft)
    count = len(await broadcasts.recipients(services.db, audience, urgent))
    muted = 0 if urgent else await broadcasts.count_muted(services.db, audience)
    # Only the latest summary's button sends: an older one would send a different text.
    draft["preview"] = secrets.token_hex(4)
    confirm_data = f"{PREFIX}:ok:{draft['preview']}"
    rows = [[(t(context, lang, "broadcast.btn_confirm"), confirm_data)]] if count else []
    rows.append(
        [
            (t(context, lang, "broadcast.btn_edit"), f"{PREFIX}:edit"),
            (t(context, lang, "common.btn_cancel"), f"{PREFIX}:cancel"),
        ]
    )
    await say(
        update,
        context,
        "broadcast.summary",
        markup=keyboard(rows),
        audience=audience.label,
        urgent=urgent,
        count=count,
        muted=muted,
        seconds=duration_seconds(count),
    )
    return State.CONFIRM


@_with_draft
async def edit_text(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """Write the text again; the preview follows."""
    await answer(update, context)
    await _retire_buttons(update)
    return await _ask_text(update, context)


@_with_draft
async def confirm(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """Write the broadcast and its outbox rows, start sending, show the progress message."""
    assert update.effective_user is not None and update.effective_chat is not None
    assert context.user_data is not None
    if _last_value(update) != draft.get("preview"):
        await answer(update, context, "common.stale_button")
        return State.CONFIRM
    if not await is_admin(update, context):  # the role may have been revoked meanwhile
        context.user_data.pop("broadcast", None)
        await answer(update, context, "common.not_allowed")
        return ConversationHandler.END
    services = context.services
    broadcast_id, _ = await broadcasts.create(
        services.db,
        created_by=update.effective_user.id,
        audience=_audience(draft),
        text=draft["text"],
        photo_file_id=draft["photo"],
        urgent=bool(draft["urgent"]),
        now=services.clock.now(),
    )
    context.user_data.pop("broadcast", None)
    services.delivery.kick(context.application)
    await answer(update, context)
    await _retire_buttons(update)
    created = await broadcasts.get(services.db, broadcast_id)
    assert created is not None
    figures = await broadcasts.figures(services.db, broadcast_id)
    sent = await context.bot.send_message(
        update.effective_chat.id,
        await progress_text(services, created, figures, "sending"),
        parse_mode=ParseMode.HTML,
    )
    await broadcasts.set_progress_message(
        services.db, broadcast_id, update.effective_chat.id, sent.message_id
    )
    return ConversationHandler.END


async def _retire_buttons(update: Update) -> None:
    """Take the buttons off the pressed message, so it cannot be pressed again."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        await query.message.edit_reply_markup(None)


async def cancel(update: Update, context: MinhuContext) -> int:
    """Leave without sending; the draft is dropped."""
    if context.user_data is not None:
        context.user_data.pop("broadcast", None)
    await answer(update, context)
    await say(update, context, "broadcast.cancelled", edit=update.callback_query is not None)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The /broadcast conversation (persistent: it survives a restart)."""
    typed = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND & ~filters.UpdateType.EDITED
    return [
        ConversationHandler(
            entry_points=[CommandHandler("broadcast", start)],
            states={
                State.AUDIENCE: [
                    CallbackQueryHandler(choose_kind, pattern=f"^{PREFIX}:a:"),
                    MessageHandler(other, hint("broadcast.expect_button")),
                ],
                State.ZONE: [
                    CallbackQueryHandler(choose_zone, pattern=f"^{PREFIX}:z:"),
                    MessageHandler(other, hint("broadcast.expect_button")),
                ],
                State.COMMUNITY: [
                    CallbackQueryHandler(choose_community, pattern=f"^{PREFIX}:c:"),
                    CallbackQueryHandler(back_to_zones, pattern=f"^{PREFIX}:back$"),
                    MessageHandler(other, hint("broadcast.expect_button")),
                ],
                State.GRID: [
                    CallbackQueryHandler(choose_grid, pattern=f"^{PREFIX}:g:"),
                    CallbackQueryHandler(choose_zone, pattern=f"^{PREFIX}:z:"),
                    MessageHandler(other, hint("broadcast.expect_button")),
                ],
                State.ROLE: [
                    CallbackQueryHandler(choose_role, pattern=f"^{PREFIX}:r:"),
                    MessageHandler(other, hint("broadcast.expect_button")),
                ],
                State.MEETING: [
                    CallbackQueryHandler(choose_meeting, pattern=f"^{PREFIX}:m:"),
                    MessageHandler(other, hint("broadcast.expect_button")),
                ],
                State.TEXT: [
                    MessageHandler(typed, text),
                    MessageHandler(filters.PHOTO, photo),
                    MessageHandler(other, hint("broadcast.expect_text")),
                ],
                State.URGENCY: [
                    CallbackQueryHandler(urgency, pattern=f"^{PREFIX}:u:"),
                    MessageHandler(other, hint("broadcast.expect_button")),
                ],
                State.CONFIRM: [
                    CallbackQueryHandler(confirm, pattern=f"^{PREFIX}:ok:"),
                    CallbackQueryHandler(edit_text, pattern=f"^{PREFIX}:edit$"),
                    MessageHandler(other, hint("broadcast.expect_button")),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=f"^{PREFIX}:cancel$"),
            ],
            name="broadcast",
            persistent=True,
            allow_reentry=True,
        ),
    ]
