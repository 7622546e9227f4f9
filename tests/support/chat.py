"""Updates from outside a private chat, edits and membership changes, built as Telegram does."""

from __future__ import annotations

import itertools
from typing import Any

from tests.support.fake_telegram import BOT_USER, Call
from tests.support.harness import Harness, User

GROUP_ID = -1001234567001
CHANNEL_ID = -1001234567002
_message_ids = itertools.count(5000)


def _group(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup", "title": "上强社区居民群"}


def _command_entities(text: str) -> list[dict[str, Any]]:
    if not text.startswith("/"):
        return []
    return [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]


async def send_in_group(bot: Harness, user: User, text: str, chat_id: int = GROUP_ID) -> list[Call]:
    """The user writes in a group the bot is in."""
    message = {
        "message_id": next(_message_ids),
        "date": int(bot.clock.now().timestamp()),
        "chat": _group(chat_id),
        "from": user.as_dict(),
        "text": text,
        "entities": _command_entities(text),
    }
    return await bot._process({"message": message})


async def post_in_channel(bot: Harness, text: str, chat_id: int = CHANNEL_ID) -> list[Call]:
    """Someone posts in a channel the bot administers."""
    post = {
        "message_id": next(_message_ids),
        "date": int(bot.clock.now().timestamp()),
        "chat": {"id": chat_id, "type": "channel", "title": "埭溪晾晒"},
        "sender_chat": {"id": chat_id, "type": "channel", "title": "埭溪晾晒"},
        "text": text,
        "entities": _command_entities(text),
    }
    return await bot._process({"channel_post": post})


async def press_in_group(
    bot: Harness, user: User, data: str, chat_id: int = GROUP_ID
) -> list[Call]:
    """The user presses a button on a bot message in a group."""
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(bot.clock.now().timestamp()),
        "chat": _group(chat_id),
        "from": BOT_USER,
        "text": "…",
        "reply_markup": {"inline_keyboard": [[{"text": "✅", "callback_data": data}]]},
    }
    bot.fake.messages[(chat_id, message["message_id"])] = message
    query = {
        "id": str(next(_message_ids)),
        "from": user.as_dict(),
        "chat_instance": "group",
        "data": data,
        "message": message,
    }
    return await bot._process({"callback_query": query})


async def edit_message(
    bot: Harness, user: User, text: str, chat_id: int | None = None
) -> list[Call]:
    """The user edits one of their earlier messages (in the private chat, or in a group)."""
    chat = _group(chat_id) if chat_id else {"id": user.id, "type": "private"}
    edited = {
        "message_id": next(_message_ids),
        "date": int(bot.clock.now().timestamp()) - 60,
        "edit_date": int(bot.clock.now().timestamp()),
        "chat": chat,
        "from": user.as_dict(),
        "text": text,
        "entities": _command_entities(text),
    }
    return await bot._process({"edited_message": edited})


async def edit_location(bot: Harness, user: User, latitude: float, longitude: float) -> list[Call]:
    """A live location the user shares in the private chat moves (Telegram sends an edit)."""
    edited = {
        "message_id": 4999,
        "date": int(bot.clock.now().timestamp()) - 60,
        "edit_date": int(bot.clock.now().timestamp()),
        "chat": {"id": user.id, "type": "private"},
        "from": user.as_dict(),
        "location": {"latitude": latitude, "longitude": longitude, "live_period": 900},
    }
    return await bot._process({"edited_message": edited})


async def membership(bot: Harness, user: User, old: str, new: str) -> list[Call]:
    """Telegram reports that the user blocked ("kicked") or unblocked ("member") the bot."""

    def member(status: str) -> dict[str, Any]:
        found: dict[str, Any] = {"status": status, "user": BOT_USER | {"is_bot": True}}
        if status == "kicked":
            found["until_date"] = 0
        return found

    update = {
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "from": user.as_dict(),
        "date": int(bot.clock.now().timestamp()),
        "old_chat_member": member(old),
        "new_chat_member": member(new),
    }
    return await bot._process({"my_chat_member": update})
