"""Client API, observer side: chats, messages (long poll), events, counters, config, files."""

from __future__ import annotations

from typing import Any

from .clientbase import ClientError, ClientHandler, endpoint
from .models import ChatRec, MessageRec

CHAT_TYPES = ("group", "supergroup", "channel")


class ChatsHandler(ClientHandler):
    """``/api/chats``: list chats (of a user) or create a group/supergroup/channel."""

    @endpoint
    async def get(self) -> dict[str, Any]:
        """List the bot's chats; with ``user_id`` only those the user sees."""
        bot = self.get_bot()
        chats = list(bot.chats.values())
        if self.arg("user_id") not in (None, ""):
            uid = self.int_arg("user_id")
            chats = [c for c in chats if (c.id == uid if c.type == "private" else uid in c.members)]
        return {"chats": [c.to_client() for c in chats]}

    @endpoint
    async def post(self) -> dict[str, Any]:
        """Create ``{type, title, members: [uid...], username?}``."""
        bot = self.get_bot()
        chat_type = self.arg("type", "supergroup")
        title = self.arg("title")
        if chat_type not in CHAT_TYPES:
            raise ClientError(400, f"type must be one of {', '.join(CHAT_TYPES)}")
        if not isinstance(title, str) or not title.strip():
            raise ClientError(400, "title is required")
        members = self.arg("members") or []
        if not isinstance(members, list):
            raise ClientError(400, "members must be a list of user ids")
        ids = []
        for raw in members:
            ids.append(self.get_user(raw).id)
        username = self.arg("username") or None
        chat = self.host.state.create_group(bot, chat_type, title.strip(), ids, username)
        return {"chat": chat.to_client()}


class ChatHandler(ClientHandler):
    """``GET /api/chats/{chat_id}``."""

    @endpoint
    async def get(self, chat_id: str) -> dict[str, Any]:
        """One chat with its members and current reply keyboard."""
        return {"chat": self.get_chat(self.get_bot(), chat_id).to_client()}


class ChatMembersHandler(ClientHandler):
    """``POST /api/chats/{chat_id}/members {user_ids: [...]}`` adds members."""

    @endpoint
    async def post(self, chat_id: str) -> dict[str, Any]:
        """Add users to a group/channel (no service message)."""
        chat = self.get_chat(self.get_bot(), chat_id)
        if chat.type == "private":
            raise ClientError(400, "private chats have no members to add")
        raw = self.arg("user_ids")
        if raw is None and self.arg("user_id") is not None:
            raw = [self.arg("user_id")]
        if not isinstance(raw, list):
            raise ClientError(400, "user_ids must be a list")
        for uid in raw:
            chat.members.add(self.get_user(uid).id)
        return {"chat": chat.to_client()}


def _count_bot(messages: list[MessageRec]) -> int:
    return sum(1 for m in messages if m.from_bot)


class MessagesHandler(ClientHandler):
    """``GET /api/chats/{chat_id}/messages?after_seq=S&wait=T&min_bot=N``."""

    @endpoint
    async def get(self, chat_id_raw: str) -> dict[str, Any]:
        """Messages changed after ``after_seq``; long-polls for ``min_bot`` bot changes."""
        state, bot = self.host.state, self.get_bot()
        chat_id = int(chat_id_raw)
        if chat_id not in bot.chats and chat_id not in state.users:
            raise ClientError(404, f"chat {chat_id} not found")
        after = self.int_arg("after_seq", 0)
        wait = self.wait_arg("wait")
        min_bot = self.int_arg("min_bot", 1)

        def changed() -> list[MessageRec]:
            chat = bot.chats.get(chat_id)
            return list(state.iter_changed(after, chat)) if chat else []

        done = True
        if wait > 0:
            done = await state.notifier.wait_for(
                lambda: state.closed or _count_bot(changed()) >= min_bot, wait
            )
        messages = changed()
        messages.reverse()
        chat: ChatRec | None = bot.chats.get(chat_id)
        return {
            "seq": state.seq,
            "messages": [m.to_client(self.file_url) for m in messages],
            "reply_keyboard": chat.reply_keyboard if chat else None,
            "timed_out": not done,
        }


class EventsHandler(ClientHandler):
    """``GET /api/events?after_seq=S&timeout=T[&bot=]``: changes across all chats."""

    @endpoint
    async def get(self) -> dict[str, Any]:
        """Long-poll for message changes after ``after_seq`` in any chat."""
        state = self.host.state
        bot_id = self.get_bot().id if self.arg("bot") not in (None, "") else None
        after = self.int_arg("after_seq", 0)

        def changed() -> list[MessageRec]:
            found = state.iter_changed(after)
            return [m for m in found if bot_id is None or m.bot_id == bot_id]

        timeout = self.wait_arg("timeout")
        if timeout > 0:
            await state.notifier.wait_for(lambda: state.closed or bool(changed()), timeout)
        events = []
        for msg in reversed(changed()):
            chat = state.bots[msg.bot_id].chats.get(msg.chat_id)
            events.append(
                {
                    "bot_id": msg.bot_id,
                    "chat_id": msg.chat_id,
                    "chat_type": chat.type if chat else None,
                    "message": msg.to_client(self.file_url),
                    "reply_keyboard": chat.reply_keyboard if chat else None,
                }
            )
        return {"seq": state.seq, "events": events}


class CountersHandler(ClientHandler):
    """``GET /api/counters[?bot=]`` and ``POST /api/counters/reset[?bot=]``."""

    @endpoint
    async def get(self) -> dict[str, Any]:
        """Counters of one bot (``bot`` given) or of all bots."""
        if self.arg("bot") not in (None, ""):
            bot = self.get_bot()
            return {"bot_id": bot.id, **bot.counters.to_dict()}
        bots = self.host.state.bots
        return {"bots": {str(bid): bot.counters.to_dict() for bid, bot in bots.items()}}

    @endpoint
    async def post(self) -> dict[str, Any]:
        """Reset counters (of one bot when ``bot`` is given)."""
        bots = self.host.state.bots
        targets = [self.get_bot()] if self.arg("bot") not in (None, "") else list(bots.values())
        for bot in targets:
            bot.counters.reset()
        return {"reset": [bot.id for bot in targets]}


class ConfigHandler(ClientHandler):
    """``GET /api/config``, ``PATCH /api/config {field: value}`` (POST works too)."""

    @endpoint
    async def get(self) -> dict[str, Any]:
        """Current configuration."""
        return {"config": self.host.config.to_dict()}

    @endpoint
    async def patch(self) -> dict[str, Any]:
        """Change configuration fields at runtime."""
        changes = {k: v for k, v in self.body.items() if k != "bot"}
        if {"host", "port"} & changes.keys():
            raise ClientError(400, "host and port cannot be changed at runtime")
        try:
            self.host.config.update(changes)
        except ValueError as exc:
            raise ClientError(400, str(exc)) from None
        return {"config": self.host.config.to_dict()}

    post = patch


class UpdatesHandler(ClientHandler):
    """``GET /api/updates[?bot=]``: the bot's pending (unconfirmed) updates, for debugging."""

    @endpoint
    async def get(self) -> dict[str, Any]:
        """Pending updates."""
        bot = self.get_bot()
        return {"updates": list(bot.updates), "next_update_id": bot.next_update_id}


class ResetHandler(ClientHandler):
    """``POST /api/reset``: forget users, chats, messages and pending updates (bots stay)."""

    @endpoint
    async def post(self) -> dict[str, Any]:
        """Reset the emulator state except bots and configuration."""
        self.host.state.reset()
        return {"seq": self.host.state.seq}


class ClientFileHandler(ClientHandler):
    """``GET /api/files/{bot_id}/{file_id}``: file content for the chat page (no token)."""

    async def get(self, bot_id: str, file_id: str) -> None:
        """Serve the file bytes (or redirect for files sent as URLs)."""
        bot = self.host.state.bots.get(int(bot_id))
        rec = bot.files.get(file_id) if bot else None
        if rec is None:
            self.send_json(404, {"ok": False, "error": "file not found"})
            return
        if rec.data is None and rec.url:
            self.redirect(rec.url)
            return
        self.set_header("Content-Type", rec.mime_type or "application/octet-stream")
        self.set_header("Cache-Control", "max-age=3600")
        self.finish(rec.data or b"")


class BotMessageCountsHandler(ClientHandler):
    """``GET /api/stats/bot-messages[?bot=]``: how many messages the bot sent to each chat."""

    @endpoint
    async def get(self) -> dict[str, Any]:
        """Chat id → number of (not deleted) bot messages, for exactly-once checks."""
        bot = self.get_bot()
        counts = {
            str(chat.id): sum(1 for m in chat.messages.values() if m.from_bot and not m.deleted)
            for chat in bot.chats.values()
        }
        return {"counts": {k: v for k, v in counts.items() if v}}
