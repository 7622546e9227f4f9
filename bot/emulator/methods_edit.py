"""Bot API methods that change or reuse existing messages (edit*, delete, copy, forward)."""

from __future__ import annotations

import time
from typing import Any

from .apicore import Ctx, api_method
from .limits import bad_request
from .methods_send import COPY_FIELDS, caption_fields, deliver, markup_param, param_text
from .models import ChatRec, MessageRec


def _editable(ctx: Ctx) -> tuple[ChatRec, MessageRec]:
    if not ctx.params.has("chat_id") and ctx.params.has("inline_message_id"):
        raise bad_request("inline messages are not supported by the emulator")
    chat = ctx.chat()
    msg = ctx.message(chat, "message to edit not found")
    if not msg.from_bot:
        raise bad_request("message can't be edited")
    return chat, msg


def _same_inline(old: dict[str, Any] | None, new: dict[str, Any] | None) -> bool:
    old_rows = (old or {}).get("inline_keyboard") or []
    new_rows = (new or {}).get("inline_keyboard") or []
    return bool(old_rows == new_rows)


def _apply_edit(
    ctx: Ctx, chat: ChatRec, msg: MessageRec, fields: dict[str, Any], markup: dict[str, Any] | None
) -> Any:
    same_content = all(msg.data.get(k) == v for k, v in fields.items())
    if same_content and _same_inline(msg.inline_markup, markup):
        raise bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )
    ctx.bot.flood.check(ctx.cfg, chat.id, chat.type, 1)
    for key, value in fields.items():
        if value in (None, [], ""):
            msg.data.pop(key, None)
        else:
            msg.data[key] = value
    if markup is not None or msg.inline_markup is not None:
        msg.markup = markup
    msg.data["edit_date"] = int(time.time())
    ctx.state.touch(msg)
    return msg.to_api()


@api_method("editMessageText")
async def edit_message_text(ctx: Ctx) -> Any:
    """editMessageText (no reply_markup = keyboard removed, like Telegram)."""
    chat, msg = _editable(ctx)
    text, entities = param_text(ctx, "text")
    markup = markup_param(ctx, inline_only=True)
    if "text" not in msg.data:
        raise bad_request("there is no text in the message to edit")
    fields: dict[str, Any] = {"text": text, "entities": entities or None}
    options = ctx.params.get_json("link_preview_options")
    if isinstance(options, dict):
        msg.data["link_preview_options"] = options
    return _apply_edit(ctx, chat, msg, fields, markup)


@api_method("editMessageCaption")
async def edit_message_caption(ctx: Ctx) -> Any:
    """editMessageCaption."""
    chat, msg = _editable(ctx)
    caption, entities = param_text(ctx, "caption")
    markup = markup_param(ctx, inline_only=True)
    if not any(k in msg.data for k in ("photo", "document", "voice")):
        raise bad_request("there is no caption in the message to edit")
    fields = {"caption": caption or None, "caption_entities": entities or None}
    return _apply_edit(ctx, chat, msg, fields, markup)


@api_method("editMessageReplyMarkup")
async def edit_message_replymarkup_param(ctx: Ctx) -> Any:
    """editMessageReplyMarkup (absent reply_markup removes the inline keyboard)."""
    chat, msg = _editable(ctx)
    return _apply_edit(ctx, chat, msg, {}, markup_param(ctx, inline_only=True))


@api_method("deleteMessage")
async def delete_message(ctx: Ctx) -> Any:
    """deleteMessage (not flood-counted)."""
    chat = ctx.chat(writable=False)
    msg = ctx.message(chat, "message to delete not found")
    msg.deleted = True
    ctx.state.touch(msg)
    return True


def _copy_source(ctx: Ctx) -> MessageRec:
    source_chat = ctx.chat("from_chat_id", writable=False)
    return ctx.message(source_chat, "message to copy not found")


@api_method("copyMessage")
async def copy_message(ctx: Ctx) -> Any:
    """copyMessage (text/media copied; optional new caption)."""
    chat = ctx.chat(writable=False)
    source = _copy_source(ctx)
    fields = {k: source.data[k] for k in COPY_FIELDS if k in source.data}
    if ctx.params.has("caption") and "text" not in fields:
        fields.pop("caption", None)
        fields.pop("caption_entities", None)
        fields.update(caption_fields(ctx))
    msg = deliver(ctx, chat, fields, markup_param(ctx))
    return {"message_id": msg.message_id}


@api_method("forwardMessage")
async def forward_message(ctx: Ctx) -> Any:
    """forwardMessage (adds forward_origin)."""
    chat = ctx.chat(writable=False)
    source = _copy_source(ctx)
    fields = {k: source.data[k] for k in COPY_FIELDS if k in source.data}
    origin: dict[str, Any] = {"type": "user", "date": source.data["date"]}
    if "from" in source.data:
        origin["sender_user"] = source.data["from"]
    else:
        origin = {
            "type": "channel",
            "date": source.data["date"],
            "chat": source.data["chat"],
            "message_id": source.message_id,
        }
    fields["forward_origin"] = origin
    return deliver(ctx, chat, fields, None).to_api()
