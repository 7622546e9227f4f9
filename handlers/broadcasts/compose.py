"""/broadcast: audience → text or photo → ordinary or urgent → preview → confirm.

Admins only, checked on the server when the conversation starts and again at every step. The
draft lives in the admin's persisted data; the broadcast and one outbox row per recipient are
written only on confirm (bot.broadcasts.service.send), in one transaction, then delivery is
kicked and the progress message is kept up to date by bot.runtime.broadcasting. /broadcasts
(handlers/broadcasts/listing.py) can stop it.

This module holds the words, the preview, the confirmation and the conversation's wiring;
choosing the audience is in handlers.broadcasts.audience, and what the steps share (states,
the draft, the step decorator) in handlers.broadcasts.flow.
"""

from __future__ import annotations

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

from bot.broadcasts import service
from bot.broadcasts.buttons import CANCEL, CONFIRM, EDIT, URGENT
from bot.broadcasts.rules import checked_caption, checked_text, duration_seconds
from bot.core.render import fits_caption
from bot.runtime.services import MinhuContext
from handlers.broadcasts.audience import CHOICES, start
from handlers.broadcasts.flow import SLOT, Draft, State, ask_text, step
from handlers.kit.common import answer, keyboard, language_of, pressed, say, sent_photo, t
from handlers.kit.conversation import (
    Handlers,
    ask,
    buttons_step,
    cancelled,
    conversation,
    renumbered,
    typed_step,
)
from handlers.kit.submitted import end_if_open, outside, retire_buttons, toast
from storage import broadcasts, submissions
from storage.broadcasts import Audience

EXPECT_BUTTON = "broadcast.expect_button"
KINDS = ("ordinary", "urgent")  # step 3's buttons: bc:u:0, bc:u:1


def _audience(draft: Draft) -> Audience:
    kind, ref, label = draft["audience"]
    return Audience(kind, ref, label)


# Step 2: the words (or one photo with a caption) ------------------------------------------


@step
async def text(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The admin typed the announcement (too long or empty: refused, the step stays)."""
    assert update.message is not None
    draft["text"], draft["photo"] = checked_text(update.message.text or ""), None
    return await _after_text(update, context, draft)


@step
async def photo(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The admin sent a photo: its caption is the announcement."""
    assert update.message is not None
    caption = checked_caption(update.message.caption or "")
    draft["text"], draft["photo"] = caption, sent_photo(update)[0]
    return await _after_text(update, context, draft)


async def _after_text(update: Update, context: MinhuContext, draft: Draft) -> int:
    if "urgent" in draft:  # changing the text of a previewed broadcast
        return await _preview(update, context, draft)
    lang = await language_of(update, context)
    rows = [[(t(context, lang, f"broadcast.btn_{k}"), URGENT.pack(k == "urgent"))] for k in KINDS]
    await ask(update, context, "broadcast.ask_urgency", rows, CANCEL)
    return State.URGENCY


# Step 3: ordinary or urgent, then the preview ---------------------------------------------


@step
async def urgency(update: Update, context: MinhuContext, draft: Draft) -> int:
    """Ordinary (muted residents skipped) or urgent (reaches everyone)."""
    draft["urgent"] = bool(URGENT.one(pressed(update)))
    await answer(update, context)
    await say(update, context, "broadcast.urgency_chosen", edit=True, urgent=draft["urgent"])
    return await _preview(update, context, draft)


async def _show_announcement(update: Update, context: MinhuContext, draft: Draft) -> None:
    """The message exactly as residents get it: the delivery engine's choice, one photo
    message when the caption fits."""
    chat = update.effective_chat
    assert chat is not None
    lang = await language_of(update, context)
    photo_id = draft["photo"]
    body = context.services.renderer.render(
        lang,
        broadcasts.TEMPLATE,
        language=lang,
        text=draft["text"],
        urgent=draft["urgent"],
        photos=[photo_id] if photo_id else [],
    )
    if photo_id and fits_caption(body):
        await context.bot.send_photo(chat.id, photo_id, caption=body, parse_mode=ParseMode.HTML)
        return
    if photo_id:
        await context.bot.send_photo(chat.id, photo_id)
    await context.bot.send_message(chat.id, body, parse_mode=ParseMode.HTML)


async def _preview(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The announcement as residents get it, then the figures and the buttons."""
    await _show_announcement(update, context, draft)
    db, urgent, lang = context.services.db, draft["urgent"], await language_of(update, context)
    audience = _audience(draft)
    count = len(await broadcasts.recipients(db, audience, urgent))
    muted = 0 if urgent else await broadcasts.count_muted(db, audience)
    # Only the latest summary's button sends: an older one would send a different text.
    # Its token is the submission key: the same preview is never sent twice.
    draft["preview"] = submissions.new_key()
    send = [(t(context, lang, "broadcast.btn_confirm"), CONFIRM.pack(draft["preview"]))]
    change = (t(context, lang, "broadcast.btn_edit"), EDIT.pack())
    rows = [send] if count else []
    rows.append([change, (t(context, lang, "common.btn_cancel"), CANCEL.pack())])
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


@step
async def edit_text(update: Update, context: MinhuContext, draft: Draft) -> int:
    """Write the text again; the preview follows."""
    await answer(update, context)
    await retire_buttons(update, context)
    return await ask_text(update, context)


async def confirm(update: Update, context: MinhuContext, *, inside: bool = True) -> int | None:
    """Send the previewed broadcast (`_send`).

    The button carries the preview's submission key: pressing it again — from any state,
    after a crash or a restart — sends nothing more and says it was sent."""
    assert update.callback_query is not None and context.user_data is not None
    key = CONFIRM.one(update.callback_query.data)
    done = await submissions.find(context.services.db, key)
    if done is not None and done.kind == "broadcast":
        await retire_buttons(update, context)
        await toast(update, context, "broadcast.already_sent", id=done.record_id)
        return end_if_open(context, SLOT, key, "preview")
    if not inside or not isinstance(context.user_data.get(SLOT), dict):
        await answer(update, context)
        await retire_buttons(update, context)
        await say(update, context, "broadcast.expired")
        return end_if_open(context, SLOT, key, "preview")
    return await _send(update, context)


@step
async def _send(update: Update, context: MinhuContext, draft: Draft) -> int:
    """Write the broadcast and its outbox rows, start sending, show the progress message."""
    assert update.effective_user is not None and update.effective_chat is not None
    assert update.callback_query is not None and context.user_data is not None
    key = CONFIRM.one(update.callback_query.data)
    if key != draft.get("preview"):
        await answer(update, context, "common.stale_button")
        return State.CONFIRM
    services = context.services
    broadcast_id = await service.send(
        services,
        author=update.effective_user.id,
        audience=_audience(draft),
        text=draft["text"],
        photo=draft["photo"],
        urgent=draft["urgent"],
        key=key,
        progress_chat_id=update.effective_chat.id,
    )
    context.user_data.pop(SLOT, None)
    services.commits.mark(update.update_id, f"#{broadcast_id}")
    services.delivery.kick(context.application)
    assert services.progress is not None
    await services.progress.show(context.bot, broadcast_id)  # the admin's confirmation
    await retire_buttons(update, context)
    await answer(update, context)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The /broadcast conversation (persistent: it survives a restart)."""
    choices: dict[object, Handlers] = {
        state: buttons_step(EXPECT_BUTTON, *presses) for state, presses in CHOICES
    }
    form = conversation(
        "broadcast",
        entry_points=[CommandHandler("broadcast", start)],
        states={
            **choices,
            State.TEXT: [
                MessageHandler(filters.PHOTO, photo),
                *typed_step(text, "broadcast.expect_text"),
            ],
            State.URGENCY: buttons_step(EXPECT_BUTTON, (URGENT, urgency)),
            State.CONFIRM: buttons_step(EXPECT_BUTTON, (CONFIRM, confirm), (EDIT, edit_text)),
        },
        cancel=cancelled("broadcast.cancelled", SLOT),
        cancel_button=CANCEL,
    )
    return [
        renumbered(form, State, was=30),
        CallbackQueryHandler(outside(confirm), pattern=CONFIRM.pattern),
    ]
