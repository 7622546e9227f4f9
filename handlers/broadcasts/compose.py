"""/broadcast: audience → text or photo → ordinary or urgent → preview → confirm.

Admins only, checked on the server when the conversation starts and again on confirm. The
draft lives in the admin's persisted data; the broadcast and one outbox row per recipient are
written only on confirm, in one transaction, then delivery is kicked and the progress message
is kept up to date by bot.broadcasts.service. /broadcasts (handlers/broadcasts/listing.py) can stop
it.

This module holds the words, the preview, the confirmation and the conversation's wiring;
choosing the audience is in handlers.broadcasts.audience, and what the steps share (states,
prefix, the draft) in handlers.broadcasts.flow. PREFIX and is_admin stay importable from here
for handlers.broadcasts.listing and handlers.bulletins.bulletin.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.broadcasts.rules import MAX_CAPTION, MAX_TEXT, duration_seconds
from bot.core.render import fits_caption, telegram_units
from bot.runtime.services import MinhuContext
from handlers.broadcasts.audience import (
    back_to_zones,
    choose_community,
    choose_grid,
    choose_kind,
    choose_meeting,
    choose_role,
    choose_zone,
    start,
)
from handlers.broadcasts.flow import PREFIX, State, ask_text, is_admin, with_draft
from handlers.kit.common import answer, cancel_row, hint, keyboard, language_of, last_field, say, t
from handlers.kit.submitted import end_if_open, outside, retire_buttons, toast
from storage import broadcasts, submissions
from storage.broadcasts import Audience


def _audience(draft: dict[str, Any]) -> Audience:
    kind, ref, label = draft["audience"]
    return Audience(kind, ref, label)


# Step 2: the words (or one photo with a caption) ------------------------------------------


@with_draft
async def text(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """The admin typed the announcement."""
    assert update.message is not None
    body = (update.message.text or "").strip()
    if not 1 <= telegram_units(body) <= MAX_TEXT:  # relayed whole: Telegram's units
        await say(update, context, "broadcast.bad_text", length=telegram_units(body), max=MAX_TEXT)
        return State.TEXT
    draft["text"], draft["photo"] = body, None
    return await _after_text(update, context, draft)


@with_draft
async def photo(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """The admin sent a photo: its caption is the announcement."""
    assert update.message is not None and update.message.photo
    caption = (update.message.caption or "").strip()
    if telegram_units(caption) > MAX_CAPTION:
        await say(
            update,
            context,
            "broadcast.bad_caption",
            length=telegram_units(caption),
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
            cancel_row(context, lang, PREFIX),
        ]
    )
    await say(update, context, "broadcast.ask_urgency", markup=markup)
    return State.URGENCY


# Step 3: ordinary or urgent, then the preview ---------------------------------------------


@with_draft
async def urgency(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """Ordinary (muted residents skipped) or urgent (reaches everyone)."""
    value = last_field(update)
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
    if photo_id and fits_caption(body):
        await context.bot.send_photo(chat.id, photo_id, caption=body, parse_mode=ParseMode.HTML)
    else:
        if photo_id:
            await context.bot.send_photo(chat.id, photo_id)
        await context.bot.send_message(chat.id, body, parse_mode=ParseMode.HTML)

    audience = _audience(draft)
    count = len(await broadcasts.recipients(services.db, audience, urgent))
    muted = 0 if urgent else await broadcasts.count_muted(services.db, audience)
    # Only the latest summary's button sends: an older one would send a different text.
    # Its token is the submission key: the same preview is never sent twice.
    draft["preview"] = submissions.new_key()
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


@with_draft
async def edit_text(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """Write the text again; the preview follows."""
    await answer(update, context)
    await retire_buttons(update)
    return await ask_text(update, context)


async def confirm(update: Update, context: MinhuContext, *, inside: bool = True) -> int | None:
    """Write the broadcast and its outbox rows, start sending, show the progress message.

    The button carries the preview's submission key: pressing it again — from any state,
    after a crash or a restart — sends nothing more and says it was sent."""
    assert update.effective_user is not None and update.effective_chat is not None
    assert context.user_data is not None
    services = context.services
    key = last_field(update)
    done = await submissions.find(services.db, key)
    if done is not None and done.kind == "broadcast":
        await retire_buttons(update)
        await toast(update, context, "broadcast.already_sent", id=done.record_id)
        return end_if_open(context, "broadcast", key, "preview")
    draft = context.user_data.get("broadcast")
    if not inside or not isinstance(draft, dict):
        await answer(update, context)
        await retire_buttons(update)
        await say(update, context, "broadcast.expired")
        return end_if_open(context, "broadcast", key, "preview")
    if key != draft.get("preview"):
        await answer(update, context, "common.stale_button")
        return State.CONFIRM
    if not await is_admin(update, context):  # the role may have been revoked meanwhile
        context.user_data.pop("broadcast", None)
        await answer(update, context, "common.not_allowed")
        return ConversationHandler.END
    broadcast_id, _ = await broadcasts.create(
        services.db,
        created_by=update.effective_user.id,
        audience=_audience(draft),
        text=draft["text"],
        photo_file_id=draft["photo"],
        urgent=bool(draft["urgent"]),
        now=services.clock.now(),
        key=key,
        progress_chat_id=update.effective_chat.id,
    )
    context.user_data.pop("broadcast", None)
    services.commits.mark(update.update_id, f"#{broadcast_id}")
    services.delivery.kick(context.application)
    assert services.progress is not None
    await services.progress.show(context.bot, broadcast_id)  # the admin's confirmation
    await retire_buttons(update)
    await answer(update, context)
    return ConversationHandler.END


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
    other = ~filters.COMMAND
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
        CallbackQueryHandler(outside(confirm), pattern=f"^{PREFIX}:ok:"),
    ]
