"""Record types of the emulator state and their Telegram / client-API JSON views."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from .limits import FloodControl
from .media import FileRec
from .textparse import entities_to_html

NOT_BY_DEFAULT = {"chat_member", "message_reaction", "message_reaction_count"}


@dataclass
class UserRec:
    """A Telegram user (human or bot)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        """Telegram ``User`` object."""
        obj: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            obj["last_name"] = self.last_name
        if self.username:
            obj["username"] = self.username
        if self.language_code and not self.is_bot:
            obj["language_code"] = self.language_code
        return obj


@dataclass
class MessageRec:
    """A message in a chat; ``data`` is the Telegram object without reply_markup/reply_to."""

    bot_id: int
    chat_id: int
    message_id: int
    from_bot: bool
    data: dict[str, Any]
    markup: dict[str, Any] | None = None
    reply_to: MessageRec | None = None
    seq: int = 0
    deleted: bool = False

    @property
    def inline_markup(self) -> dict[str, Any] | None:
        """The inline keyboard attached to the message, if any."""
        if self.markup is not None and "inline_keyboard" in self.markup:
            return self.markup
        return None

    def to_api(self, nested: bool = True) -> dict[str, Any]:
        """Telegram ``Message`` object as the bot sees it."""
        obj = dict(self.data)
        inline = self.inline_markup
        if inline is not None and inline["inline_keyboard"]:
            obj["reply_markup"] = inline
        if nested and self.reply_to is not None:
            obj["reply_to_message"] = self.reply_to.to_api(nested=False)
        return obj

    def has_callback(self, data: str) -> bool:
        """True if the message currently shows an inline button with this callback_data."""
        inline = self.inline_markup
        if inline is None or self.deleted:
            return False
        return any(
            isinstance(b, dict) and b.get("callback_data") == data
            for row in inline["inline_keyboard"]
            for b in row
        )

    def to_client(self, file_url: Any) -> dict[str, Any]:
        """The message as a user sees it (client API view); ``file_url(bot_id, file_id)``."""
        d = self.data
        view: dict[str, Any] = {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "seq": self.seq,
            "from_bot": self.from_bot,
            "from": d.get("from") or d.get("sender_chat"),
            "date": d.get("date"),
            "edited": "edit_date" in d,
            "deleted": self.deleted,
        }
        for key in ("edit_date", "media_group_id", "location", "contact", "sticker", "voice"):
            if key in d:
                view[key] = d[key]
        if "text" in d:
            view["text"] = d["text"]
            view["entities"] = d.get("entities", [])
            view["html"] = entities_to_html(d["text"], d.get("entities"))
        if "caption" in d:
            view["caption"] = d["caption"]
            view["caption_entities"] = d.get("caption_entities", [])
            view["html_caption"] = entities_to_html(d["caption"], d.get("caption_entities"))
        if "photo" in d:
            view["photo"] = [
                {**size, "url": file_url(self.bot_id, size["file_id"])} for size in d["photo"]
            ]
        if "document" in d:
            view["document"] = {
                **d["document"],
                "url": file_url(self.bot_id, d["document"]["file_id"]),
            }
        if self.markup is not None:
            view["reply_markup"] = self.markup
        if self.reply_to is not None:
            view["reply_to_message_id"] = self.reply_to.message_id
        return view


@dataclass
class ChatRec:
    """A chat of one bot: private chat with a user, group, supergroup or channel."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    user: UserRec | None = None
    members: set[int] = field(default_factory=set)
    messages: dict[int, MessageRec] = field(default_factory=dict)
    recent: OrderedDict[int, MessageRec] = field(default_factory=OrderedDict)
    next_message_id: int = 1
    reply_keyboard: dict[str, Any] | None = None

    def to_api(self) -> dict[str, Any]:
        """Telegram ``Chat`` object."""
        obj: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None:
            obj["first_name"] = self.user.first_name
            if self.user.last_name:
                obj["last_name"] = self.user.last_name
            if self.user.username:
                obj["username"] = self.user.username
        else:
            obj["title"] = self.title or ""
            if self.username:
                obj["username"] = self.username
        return obj

    def to_client(self) -> dict[str, Any]:
        """Chat description for the client API."""
        obj = self.to_api()
        obj["members"] = sorted(self.members)
        obj["reply_keyboard"] = self.reply_keyboard
        obj["last_message_id"] = self.next_message_id - 1
        return obj


@dataclass
class CallbackRec:
    """A callback query sent by a user and its answer (if any)."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    forged: bool = False
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int | None = None

    def to_client(self) -> dict[str, Any]:
        """Client API view."""
        return {
            "id": self.id,
            "user_id": self.user_id,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "data": self.data,
            "forged": self.forged,
            "answered": self.answered,
            "text": self.text,
            "show_alert": self.show_alert,
            "url": self.url,
            "cache_time": self.cache_time,
        }


@dataclass
class Counters:
    """Per bot request counters."""

    methods: Counter[str] = field(default_factory=Counter)
    status: Counter[str] = field(default_factory=Counter)
    errors: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=50))
    error_counts: Counter[str] = field(default_factory=Counter)

    def record(
        self, method: str, code: int, description: str | None = None, chat_id: str | None = None
    ) -> None:
        """Count one request of ``method`` answered with HTTP ``code``."""
        self.methods[method] += 1
        self.status[str(code)] += 1
        if code >= 300:
            self.error_counts[description or ""] += 1
            self.errors.append(
                {
                    "method": method,
                    "error_code": code,
                    "description": description,
                    "chat_id": chat_id,
                    "time": time.time(),
                }
            )

    def reset(self) -> None:
        """Zero all counters."""
        self.methods.clear()
        self.status.clear()
        self.errors.clear()
        self.error_counts.clear()

    def to_dict(self) -> dict[str, Any]:
        """Client API view."""
        status = {"400": 0, "403": 0, "429": 0}
        status.update(self.status)
        return {
            "methods": dict(self.methods),
            "status": status,
            "errors": list(self.errors),
            "error_counts": dict(self.error_counts),
            "requests": sum(self.methods.values()),
        }


@dataclass
class WebhookRec:
    """An active webhook of a bot."""

    url: str
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class BotRec:
    """One bot and everything that belongs to it."""

    token: str
    user: UserRec
    flood: FloodControl
    chats: dict[int, ChatRec] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    updates: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = 1
    allowed_updates: list[str] | None = None
    poll_generation: int = 0
    webhook: WebhookRec | None = None
    webhook_task: asyncio.Task[None] | None = None
    commands: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    menu_buttons: dict[int, dict[str, Any]] = field(default_factory=dict)
    texts: dict[tuple[str, str], str] = field(default_factory=dict)
    files: dict[str, FileRec] = field(default_factory=dict)
    files_by_path: dict[str, FileRec] = field(default_factory=dict)
    callbacks: dict[str, CallbackRec] = field(default_factory=dict)
    counters: Counters = field(default_factory=Counters)

    @property
    def id(self) -> int:
        """The bot's user id."""
        return self.user.id

    def accepts(self, kind: str) -> bool:
        """Whether updates of ``kind`` are delivered under the bot's allowed_updates."""
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in NOT_BY_DEFAULT

    def to_client(self) -> dict[str, Any]:
        """Client API view (no token)."""
        return {
            **self.user.to_api(),
            "webhook_url": self.webhook.url if self.webhook else None,
            "pending_update_count": len(self.updates),
            "chats": len(self.chats),
        }
