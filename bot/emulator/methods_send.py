"""Bot API methods that send new messages (send*) and their shared helpers."""

from __future__ import annotations

import secrets
from typing import Any

from .apicore import Ctx, Upload, api_method
from .limits import ApiError, bad_request, format_text, validate_reply_markup
from .media import FileRec, image_info
from .models import ChatRec, MessageRec
from .textparse import Entity

URL_PHOTO_SIZE = (800, 600)
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
COPY_FIELDS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "photo",
    "document",
    "location",
    "contact",
    "sticker",
    "voice",
)


def check_writable(ctx: Ctx, chat: ChatRec) -> None:
    """403 when the private chat's user blocked the bot."""
    if chat.type == "private" and chat.id in ctx.bot.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")


def _reply_target(ctx: Ctx, chat: ChatRec) -> MessageRec | None:
    params = ctx.params.get_json("reply_parameters")
    if params is None and ctx.params.has("reply_to_message_id"):
        params = {
            "message_id": ctx.params.get_int("reply_to_message_id"),
            "allow_sending_without_reply": ctx.params.get_bool("allow_sending_without_reply"),
        }
    if params is None:
        return None
    if not isinstance(params, dict) or not isinstance(params.get("message_id"), int):
        raise bad_request("can't parse reply parameters JSON object")
    target_chat = chat
    if params.get("chat_id") not in (None, chat.id, str(chat.id)):
        try:
            target_chat = ctx.bot.chats.get(int(params["chat_id"])) or chat
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
    target = target_chat.messages.get(params["message_id"])
    if target is None or target.deleted:
        if params.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return target


def _extras(ctx: Ctx) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if ctx.params.get_bool("protect_content"):
        fields["has_protected_content"] = True
    options = ctx.params.get_json("link_preview_options")
    if isinstance(options, dict):
        fields["link_preview_options"] = options
    elif ctx.params.get_bool("disable_web_page_preview"):
        fields["link_preview_options"] = {"is_disabled": True}
    return fields


def caption_fields(ctx: Ctx, prefix: str = "") -> dict[str, Any]:
    """Parse the caption/parse_mode/caption_entities parameters into message fields."""
    raw = ctx.params.get_str(prefix + "caption")
    if raw is None:
        return {}
    return caption_dict(*param_text(ctx, "caption", prefix))


def param_text(ctx: Ctx, field: str, prefix: str = "") -> tuple[str, list[Entity]]:
    """The `field` parameter ("text" or "caption") parsed in its parse_mode, with its
    entities ("entities" or "caption_entities"), Telegram's length limit enforced."""
    caption = field == "caption"
    return format_text(
        ctx.params.get_str(prefix + field),
        ctx.params.get_str(prefix + "parse_mode"),
        ctx.params.get_json(prefix + ("caption_entities" if caption else "entities")),
        ctx.cfg,
        caption=caption,
    )


def caption_dict(caption: str, entities: list[dict[str, Any]]) -> dict[str, Any]:
    """Fields of a message caption (empty caption = no field)."""
    fields: dict[str, Any] = {}
    if caption:
        fields["caption"] = caption
        if entities:
            fields["caption_entities"] = entities
    return fields


def _input_file(ctx: Ctx, value: Any, name: str) -> Upload | FileRec | str:
    """Resolve an InputFile: multipart upload, attach://name, http(s) URL or file_id."""
    if name in ctx.params.files and not isinstance(value, str):
        return ctx.params.files[name]
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"there is no {name} in the request")
    value = value.strip()
    if value.startswith("attach://"):
        upload = ctx.params.files.get(value[len("attach://") :])
        if upload is None:
            raise bad_request(f"wrong file identifier/HTTP URL specified: {value} not found")
        return upload
    if value.startswith(("http://", "https://")):
        return value
    rec = ctx.bot.files.get(value)
    if rec is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return rec


def photo_fields(ctx: Ctx, value: Any, name: str = "photo") -> dict[str, Any]:
    """Store/resolve a photo and return ``{"photo": [PhotoSize...]}``."""
    src = _input_file(ctx, value, name)
    if isinstance(src, Upload):
        info = image_info(src.body)
        if info is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        mime, width, height = info
        sizes = ctx.state.store_photo(
            ctx.bot, data=src.body, url=None, mime_type=mime, width=width, height=height
        )
    elif isinstance(src, str):
        width, height = URL_PHOTO_SIZE
        sizes = ctx.state.store_photo(
            ctx.bot, data=None, url=src, mime_type=None, width=width, height=height
        )
    elif src.photo_set is not None:
        sizes = src.photo_set
    else:
        raise bad_request(f"can't use file of type {src.kind.capitalize()} as Photo")
    return {"photo": sizes}


def document_fields(ctx: Ctx, value: Any, name: str = "document") -> dict[str, Any]:
    """Store/resolve a document and return ``{"document": Document}``."""
    src = _input_file(ctx, value, name)
    if isinstance(src, Upload):
        rec = ctx.state.store_file(
            ctx.bot,
            "document",
            data=src.body,
            mime_type=src.content_type or "application/octet-stream",
            file_name=src.filename or "file",
        )
    elif isinstance(src, str):
        file_name = src.rstrip("/").rsplit("/", 1)[-1] or "file"
        rec = ctx.state.store_file(ctx.bot, "document", url=src, file_name=file_name)
    else:
        rec = src
    return {"document": rec.document()}


def deliver(
    ctx: Ctx, chat: ChatRec, fields: dict[str, Any], markup: dict[str, Any] | None, n: int = 1
) -> MessageRec:
    """Check reply target, block and flood limits, then add the bot's message to ``chat``."""
    reply_to = _reply_target(ctx, chat)
    check_writable(ctx, chat)
    ctx.bot.flood.check(ctx.cfg, chat.id, chat.type, n)
    fields.update(_extras(ctx))
    return ctx.state.add_message(
        ctx.bot, chat, fields, sender=None, markup=markup, reply_to=reply_to
    )


def markup_param(ctx: Ctx, *, inline_only: bool = False) -> dict[str, Any] | None:
    """The validated ``reply_markup`` parameter."""
    return validate_reply_markup(
        ctx.params.get_json("reply_markup"), ctx.cfg, inline_only=inline_only
    )


@api_method("sendMessage")
async def send_message(ctx: Ctx) -> Any:
    """sendMessage."""
    chat = ctx.chat(writable=False)
    text, entities = param_text(ctx, "text")
    fields: dict[str, Any] = {"text": text}
    if entities:
        fields["entities"] = entities
    return deliver(ctx, chat, fields, markup_param(ctx)).to_api()


def _send_file(ctx: Ctx, kind: str) -> Any:
    """sendPhoto or sendDocument: the `kind` parameter's file with its caption."""
    chat = ctx.chat(writable=False)
    caption = caption_fields(ctx)
    markup = markup_param(ctx)
    check_writable(ctx, chat)
    read = photo_fields if kind == "photo" else document_fields
    fields = read(ctx, ctx.params.raw(kind))
    fields.update(caption)
    if kind == "photo" and ctx.params.get_bool("has_spoiler"):
        fields["has_media_spoiler"] = True
    return deliver(ctx, chat, fields, markup).to_api()


@api_method("sendPhoto")
async def send_photo(ctx: Ctx) -> Any:
    """sendPhoto (upload, file_id or URL)."""
    return _send_file(ctx, "photo")


@api_method("sendDocument")
async def send_document(ctx: Ctx) -> Any:
    """sendDocument (upload, file_id or URL)."""
    return _send_file(ctx, "document")


@api_method("sendVoice")
async def send_voice(ctx: Ctx) -> Any:
    """sendVoice (an OGG upload, or the file_id of a voice note someone sent)."""
    chat = ctx.chat(writable=False)
    caption = caption_fields(ctx)
    markup = markup_param(ctx)
    check_writable(ctx, chat)
    src = _input_file(ctx, ctx.params.raw("voice"), "voice")
    if isinstance(src, Upload):
        rec = ctx.state.store_file(
            ctx.bot, "voice", data=src.body, mime_type=src.content_type or "audio/ogg"
        )
    elif isinstance(src, str):
        rec = ctx.state.store_file(ctx.bot, "voice", url=src, mime_type="audio/ogg")
    else:
        rec = src
    voice: dict[str, Any] = {
        "file_id": rec.file_id,
        "file_unique_id": rec.file_unique_id,
        "duration": ctx.params.get_int("duration") if ctx.params.has("duration") else 1,
        "mime_type": rec.mime_type or "audio/ogg",
    }
    if rec.size is not None:
        voice["file_size"] = rec.size
    fields: dict[str, Any] = {"voice": voice}
    fields.update(caption)
    return deliver(ctx, chat, fields, markup).to_api()


@api_method("sendMediaGroup")
async def send_media_group(ctx: Ctx) -> Any:
    """sendMediaGroup (photos and documents, 2-10 items)."""
    chat = ctx.chat(writable=False)
    media = ctx.params.get_json("media")
    if not isinstance(media, list):
        raise bad_request("can't parse media JSON object")
    if not 2 <= len(media) <= 10:
        raise bad_request("media must include 2-10 items")
    kinds = set()
    for item in media:
        if not isinstance(item, dict) or item.get("type") not in ("photo", "document"):
            raise bad_request("unsupported InputMedia type (the emulator supports photo, document)")
        kinds.add(item["type"])
    if len(kinds) > 1:
        raise bad_request("documents can't be mixed with other media types")
    captions = []
    for item in media:
        caption, entities = format_text(
            item.get("caption"),
            item.get("parse_mode"),
            item.get("caption_entities"),
            ctx.cfg,
            caption=True,
        )
        captions.append(caption_dict(caption, entities))
    reply_to = _reply_target(ctx, chat)
    check_writable(ctx, chat)
    for item in media:  # validate everything before any side effect
        src = _input_file(ctx, item.get("media"), item["type"])
        if item["type"] == "photo" and isinstance(src, Upload) and image_info(src.body) is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
    ctx.bot.flood.check(ctx.cfg, chat.id, chat.type, len(media))
    group_id = str(secrets.randbits(62))
    results = []
    for item, caption_fields in zip(media, captions, strict=True):
        if item["type"] == "photo":
            fields = photo_fields(ctx, item.get("media"))
        else:
            fields = document_fields(ctx, item.get("media"))
        fields["media_group_id"] = group_id
        fields.update(caption_fields)
        fields.update(_extras(ctx))
        msg = ctx.state.add_message(ctx.bot, chat, fields, sender=None, reply_to=reply_to)
        results.append(msg.to_api())
    return results


@api_method("sendLocation")
async def send_location(ctx: Ctx) -> Any:
    """sendLocation."""
    chat = ctx.chat(writable=False)
    lat = ctx.params.get_float("latitude", required=True)
    lng = ctx.params.get_float("longitude", required=True)
    assert lat is not None and lng is not None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise bad_request("wrong latitude or longitude specified")
    location: dict[str, Any] = {"latitude": lat, "longitude": lng}
    accuracy = ctx.params.get_float("horizontal_accuracy")
    if accuracy is not None:
        location["horizontal_accuracy"] = accuracy
    return deliver(ctx, chat, {"location": location}, markup_param(ctx)).to_api()


@api_method("sendChatAction")
async def send_chat_action(ctx: Ctx) -> Any:
    """sendChatAction (not flood-counted)."""
    ctx.chat()
    if ctx.params.get_str("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True
