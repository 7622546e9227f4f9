"""Client API, user side: bots, users and everything a human user does to a bot."""

from __future__ import annotations

import secrets
import time
from typing import Any

from .botapi import is_token
from .clientbase import ClientError, ClientHandler, endpoint
from .media import image_info, make_png
from .methods_misc import resolve_commands
from .models import BotRec, CallbackRec, ChatRec, MessageRec, UserRec
from .textparse import bot_command_entities, utf16_len

FAKE_OGG = b"OggS\x00\x02" + b"\x00" * 58


class BotsHandler(ClientHandler):
    """``/api/bots``: list bots, create a bot from a token."""

    @endpoint
    async def get(self) -> dict[str, Any]:
        """List bots."""
        state = self.host.state
        bots = [
            {**bot.to_client(), "is_default": bot.id == state.default_bot_id}
            for bot in state.bots.values()
        ]
        return {"bots": bots, "default": state.default_bot_id}

    @endpoint
    async def post(self) -> dict[str, Any]:
        """Create (or rename) a bot: ``{token, first_name?, username?}``."""
        token = str(self.arg("token") or "")
        if not is_token(token):
            raise ClientError(400, "token must look like <digits>:<secret>")
        bot = self.host.state.ensure_bot(token, self.arg("first_name"), self.arg("username"))
        if bot is None:
            raise ClientError(400, "a bot with this id exists with another token")
        return {"bot": bot.to_client()}


class UsersHandler(ClientHandler):
    """``/api/users``: list or create users."""

    @endpoint
    async def get(self) -> dict[str, Any]:
        """List users."""
        return {"users": [u.to_api() for u in self.host.state.users.values()]}

    @endpoint
    async def post(self) -> dict[str, Any]:
        """Create a user ``{id?, first_name, last_name?, username?, language_code?}``."""
        first_name = self.arg("first_name")
        if not isinstance(first_name, str) or not first_name.strip():
            raise ClientError(400, "first_name is required")
        user_id = self.int_arg("id") if self.arg("id") not in (None, "") else None
        if user_id is not None and (user_id <= 0 or user_id in self.host.state.bots):
            raise ClientError(400, "id must be a positive user id that is not a bot")
        user = self.host.state.add_user(
            first_name.strip(),
            user_id=user_id,
            last_name=self.arg("last_name") or None,
            username=self.arg("username") or None,
            language_code=self.arg("language_code") or None,
        )
        if self.bool_arg("started"):  # the user opened the bot earlier: their chat exists
            self.host.state.private_chat(self.get_bot(), user)
        return {"user": user.to_api()}


class UsersBulkHandler(ClientHandler):
    """``POST /api/users/bulk {count, start_id, first_name?, language_code?, started?}``."""

    @endpoint
    async def post(self) -> dict[str, Any]:
        """Create `count` users with consecutive ids (for broadcast tests and benchmarks)."""
        count, start_id = (
            self.int_arg("count", required=True),
            self.int_arg("start_id", required=True),
        )
        if not 1 <= count <= 100_000 or start_id <= 0:
            raise ClientError(400, "count must be 1..100000 and start_id positive")
        prefix = str(self.arg("first_name") or "user")
        language = self.arg("language_code") or None
        started = self.bool_arg("started")
        bot = self.get_bot() if started else None
        state = self.host.state
        for n in range(count):
            user = state.users.get(start_id + n) or state.add_user(
                f"{prefix}{n}", user_id=start_id + n, language_code=language
            )
            if bot is not None:
                state.private_chat(bot, user)
        return {"created": count, "first_id": start_id, "last_id": start_id + count - 1}


class UserHandler(ClientHandler):
    """``/api/users/{uid}``: one user."""

    @endpoint
    async def get(self, uid: str) -> dict[str, Any]:
        """Get a user, with whether the default/selected bot is blocked."""
        user = self.get_user(uid)
        blocked = None
        if self.host.state.bots:
            blocked = user.id in self.get_bot().blocked
        return {"user": user.to_api(), "blocked": blocked}


def _target_chat(handler: ClientHandler, bot: BotRec, user: UserRec) -> ChatRec:
    raw = handler.arg("chat_id")
    if raw in (None, "") or handler.int_arg("chat_id") == user.id:
        if user.id in bot.blocked:
            raise ClientError(400, "the user blocked the bot; POST /api/users/{uid}/unblock first")
        return handler.host.state.private_chat(bot, user)
    chat = handler.get_chat(bot, raw)
    if chat.type == "channel":
        raise ClientError(400, "users cannot post in channels")
    if user.id not in chat.members:
        raise ClientError(400, f"user {user.id} is not a member of chat {chat.id}")
    return chat


def _send(handler: ClientHandler, uid: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Create a user message in the target chat and queue the ``message`` update."""
    state = handler.host.state
    bot = handler.get_bot()
    user = handler.get_user(uid)
    chat = _target_chat(handler, bot, user)
    reply_to: MessageRec | None = None
    if handler.arg("reply_to_message_id") not in (None, ""):
        reply_to = chat.messages.get(handler.int_arg("reply_to_message_id"))
        if reply_to is None or reply_to.deleted:
            raise ClientError(404, "reply_to_message_id not found in this chat")
    msg = state.add_message(bot, chat, fields, sender=user, reply_to=reply_to)
    update_id = state.add_update(bot, "message", msg.to_api())
    return {"message": msg.to_client(handler.file_url), "update_id": update_id}


class UserSendHandler(ClientHandler):
    """``POST /api/users/{uid}/{messages|photos|documents|location|contact|sticker|voice}``."""

    @endpoint
    async def post(self, uid: str, kind: str) -> dict[str, Any]:
        """A user sends something to the bot (private chat, or ``chat_id`` of a group)."""
        builder = getattr(self, f"_{kind}")
        fields: dict[str, Any] = builder()
        forwarded_from = self.arg("forwarded_from")
        if forwarded_from:  # as forwarded from someone whose account is hidden
            fields["forward_origin"] = {
                "type": "hidden_user",
                "sender_user_name": str(forwarded_from),
                "date": int(time.time()),
            }
        return _send(self, uid, fields)

    def _caption(self, fields: dict[str, Any]) -> dict[str, Any]:
        caption = self.arg("caption")
        if caption:
            if utf16_len(str(caption)) > self.host.config.max_caption:
                raise ClientError(400, "caption is too long")
            fields["caption"] = str(caption)
        return fields

    def _messages(self) -> dict[str, Any]:
        text = self.arg("text")
        if not isinstance(text, str) or not text.strip():
            raise ClientError(400, "text is required")
        if utf16_len(text) > 4096:
            raise ClientError(400, "text is too long (Telegram clients send at most 4096)")
        fields: dict[str, Any] = {"text": text}
        entities = bot_command_entities(text)
        if entities:
            fields["entities"] = entities
        return fields

    def _photos(self) -> dict[str, Any]:
        state, bot = self.host.state, self.get_bot()
        uploads = self.request.files.get("photo")
        upload = uploads[-1] if uploads else None
        if upload is not None:
            info = image_info(upload["body"])
            if info is None:
                raise ClientError(400, "photo is not a PNG/JPEG/GIF/WebP image")
            mime, width, height = info
            data = upload["body"]
        else:
            width = self.int_arg("width", 320)
            height = self.int_arg("height", 240)
            data, mime = make_png(width, height), "image/png"
        sizes = state.store_photo(
            bot, data=data, url=None, mime_type=mime, width=width, height=height
        )
        return self._caption({"photo": sizes})

    def _documents(self) -> dict[str, Any]:
        uploads = self.request.files.get("document")
        upload = uploads[-1] if uploads else None
        if upload is not None:
            data, name = upload["body"], upload["filename"] or "file"
            mime = upload["content_type"] or "application/octet-stream"
        else:
            data = str(self.arg("content", "hello")).encode("utf-8")
            name, mime = str(self.arg("file_name", "note.txt")), "text/plain"
        rec = self.host.state.store_file(
            self.get_bot(), "document", data=data, mime_type=mime, file_name=name
        )
        return self._caption({"document": rec.document()})

    def _location(self) -> dict[str, Any]:
        lat, lng = self.float_arg("latitude"), self.float_arg("longitude")
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ClientError(400, "latitude/longitude out of range")
        return {"location": {"latitude": lat, "longitude": lng}}

    def _contact(self) -> dict[str, Any]:
        user = self.get_user(self.path_args[0])
        phone = self.arg("phone_number")
        if not isinstance(phone, str) or not phone.strip():
            raise ClientError(400, "phone_number is required")
        contact: dict[str, Any] = {
            "phone_number": phone.strip(),
            "first_name": self.arg("first_name") or user.first_name,
        }
        last_name = self.arg("last_name", user.last_name)
        if last_name:
            contact["last_name"] = last_name
        if self.arg("user_id") not in (None, ""):
            contact["user_id"] = self.int_arg("user_id")
        elif self.arg("own") is None or self.bool_arg("own"):
            contact["user_id"] = user.id
        return {"contact": contact}

    def _sticker(self) -> dict[str, Any]:
        rec = self.host.state.store_file(
            self.get_bot(), "sticker", data=make_png(64, 64), mime_type="image/png"
        )
        sticker = {
            "file_id": rec.file_id,
            "file_unique_id": rec.file_unique_id,
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "emoji": str(self.arg("emoji", "👍")),
            "file_size": rec.size,
        }
        return {"sticker": sticker}

    def _voice(self) -> dict[str, Any]:
        rec = self.host.state.store_file(
            self.get_bot(), "voice", data=FAKE_OGG, mime_type="audio/ogg"
        )
        voice = {
            "file_id": rec.file_id,
            "file_unique_id": rec.file_unique_id,
            "duration": self.int_arg("duration", 3),
            "mime_type": "audio/ogg",
            "file_size": rec.size,
        }
        return {"voice": voice}


class CallbackPressHandler(ClientHandler):
    """``POST /api/users/{uid}/callback``: press an inline button."""

    @endpoint
    async def post(self, uid: str) -> dict[str, Any]:
        """Press ``{message_id, data, chat_id?, forge?}``; checked unless forge is true."""
        state, bot = self.host.state, self.get_bot()
        user = self.get_user(uid)
        chat_id = self.int_arg("chat_id", user.id)
        message_id = self.int_arg("message_id", required=True)
        data = self.arg("data")
        if not isinstance(data, str):
            raise ClientError(400, "data (the callback_data) is required")
        forge = self.bool_arg("forge")
        chat = bot.chats.get(chat_id)
        msg = chat.messages.get(message_id) if chat else None
        if not forge:
            if chat is None or (chat.type != "private" and user.id not in chat.members):
                raise ClientError(404, f"chat {chat_id} not found for user {user.id}")
            if chat.type == "private" and chat.id != user.id:
                raise ClientError(400, "users can only press buttons in their own private chat")
            if user.id in bot.blocked and chat.type == "private":
                raise ClientError(400, "the user blocked the bot")
            if msg is None or msg.deleted:
                raise ClientError(400, f"message {message_id} not found in chat {chat_id}")
            if not msg.has_callback(data):
                raise ClientError(400, "the message has no inline button with this callback_data")
        query_id = str(secrets.randbits(63))
        while query_id in bot.callbacks:
            query_id = str(secrets.randbits(63))
        query: dict[str, Any] = {
            "id": query_id,
            "from": user.to_api(),
            "chat_instance": str(abs(chat_id * 7919 + bot.id) % 10**18),
            "data": data,
        }
        if msg is not None and not msg.deleted:
            query["message"] = msg.to_api()
        else:
            chat_obj = chat.to_api() if chat else {"id": chat_id, "type": "private"}
            chat_obj.setdefault("first_name", user.first_name)
            query["message"] = {"chat": chat_obj, "message_id": message_id, "date": 0}
        bot.callbacks[query_id] = CallbackRec(
            query_id, user.id, chat_id, message_id, data, forged=forge
        )
        update_id = state.add_update(bot, "callback_query", query)
        return {"callback_query_id": query_id, "update_id": update_id}


class CallbackHandler(ClientHandler):
    """``GET /api/callbacks/{id}?wait=T``: the bot's answer to a callback query."""

    @endpoint
    async def get(self, query_id: str) -> dict[str, Any]:
        """Return the callback (long-polls until answered when ``wait`` > 0)."""
        bot, state = self.get_bot(), self.host.state
        query = bot.callbacks.get(query_id)
        if query is None:
            raise ClientError(404, f"unknown callback query {query_id}")
        await state.notifier.wait_for(lambda: query.answered or state.closed, self.wait_arg("wait"))
        return {"callback": query.to_client()}


class BlockHandler(ClientHandler):
    """``POST /api/users/{uid}/block|unblock``."""

    @endpoint
    async def post(self, uid: str, action: str) -> dict[str, Any]:
        """Block/unblock the bot; sends ``my_chat_member`` like Telegram."""
        state, bot = self.host.state, self.get_bot()
        user = self.get_user(uid)
        blocked = action == "block"
        if blocked != (user.id in bot.blocked):
            old, new = ("member", "kicked") if blocked else ("kicked", "member")
            if blocked:
                bot.blocked.add(user.id)
            else:
                bot.blocked.discard(user.id)
            chat = bot.chats.get(user.id)
            if chat is not None:
                new_member: dict[str, Any] = {"status": new, "user": bot.user.to_api()}
                old_member: dict[str, Any] = {"status": old, "user": bot.user.to_api()}
                for member in (new_member, old_member):
                    if member["status"] == "kicked":
                        member["until_date"] = 0
                state.add_update(
                    bot,
                    "my_chat_member",
                    {
                        "chat": chat.to_api(),
                        "from": user.to_api(),
                        "date": int(time.time()),
                        "old_chat_member": old_member,
                        "new_chat_member": new_member,
                    },
                )
        return {"blocked": blocked, "user_id": user.id}


class UserCommandsHandler(ClientHandler):
    """``GET /api/users/{uid}/commands?chat_id=``: the command menu the user sees."""

    @endpoint
    async def get(self, uid: str) -> dict[str, Any]:
        """Resolve setMyCommands scopes/languages like a Telegram client."""
        bot, user = self.get_bot(), self.get_user(uid)
        chat_id = self.int_arg("chat_id", user.id)
        menu = bot.menu_buttons.get(chat_id) or bot.menu_buttons.get(0) or {"type": "default"}
        return {"commands": resolve_commands(bot, user, chat_id), "menu_button": menu}
