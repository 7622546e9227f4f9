"""Shared plumbing of the Bot API methods: parameters, call context, method registry."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .config import EmulatorConfig
from .limits import ApiError, bad_request
from .models import BotRec, ChatRec, MessageRec
from .state import State


@dataclass
class Upload:
    """A file uploaded in a multipart request."""

    filename: str
    body: bytes
    content_type: str


class Host(Protocol):
    """What method implementations need from the emulator."""

    state: State
    config: EmulatorConfig

    def start_webhook(self, bot: BotRec) -> None:
        """Start (or restart) webhook delivery for ``bot``."""

    def stop_webhook(self, bot: BotRec) -> None:
        """Stop webhook delivery for ``bot``."""


class Params:
    """Request parameters from the query string, a JSON body, a form or a multipart body."""

    def __init__(self, values: dict[str, Any], files: dict[str, Upload]) -> None:
        self.values = values
        self.files = files

    def has(self, name: str) -> bool:
        """True if the parameter is present (and not null)."""
        return self.values.get(name) is not None or name in self.files

    def raw(self, name: str) -> Any:
        """The parameter as received (str for form values, any JSON value for JSON bodies)."""
        return self.values.get(name)

    def get_str(self, name: str) -> str | None:
        """The parameter as a string."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value, ensure_ascii=False)

    def get_int(self, name: str, *, required: bool = False) -> int | None:
        """The parameter as an integer (400 if malformed, or missing while required)."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def get_float(self, name: str, *, required: bool = False) -> float | None:
        """The parameter as a float."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        """The parameter as a boolean ("true"/"1" are true)."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return bool(value)
        return str(value).strip().lower() in ("true", "1", "yes")

    def get_json(self, name: str) -> Any:
        """The parameter as a JSON value (form values are decoded)."""
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        if value.strip() == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None


@dataclass
class Ctx:
    """Everything one Bot API call works with."""

    host: Host
    bot: BotRec
    params: Params

    @property
    def state(self) -> State:
        """The emulator state."""
        return self.host.state

    @property
    def cfg(self) -> EmulatorConfig:
        """The live configuration."""
        return self.host.config

    def chat(self, name: str = "chat_id", *, writable: bool = True) -> ChatRec:
        """Resolve a chat parameter (id or @username); 403 for a blocked private chat."""
        raw = self.params.get_str(name)
        if raw is None or raw.strip() == "":
            raise bad_request(f"{name} is empty")
        raw = raw.strip()
        chat: ChatRec | None = None
        if raw.startswith("@"):
            wanted = raw[1:].lower()
            for candidate in self.bot.chats.values():
                if candidate.type != "private" and (candidate.username or "").lower() == wanted:
                    chat = candidate
                    break
        else:
            try:
                chat = self.bot.chats.get(int(raw))
            except ValueError:
                raise bad_request("chat not found") from None
        if chat is None:
            raise bad_request("chat not found")
        if writable and chat.type == "private" and chat.id in self.bot.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def message(self, chat: ChatRec, missing: str, name: str = "message_id") -> MessageRec:
        """Resolve an existing (not deleted) message of ``chat``; 400 ``missing`` otherwise."""
        message_id = self.params.get_int(name)
        if message_id is None:
            raise bad_request(f"{name} is empty")
        msg = chat.messages.get(message_id)
        if msg is None or msg.deleted:
            raise bad_request(missing)
        return msg


Handler = Callable[[Ctx], Awaitable[Any]]
METHODS: dict[str, Handler] = {}
CANONICAL: dict[str, str] = {}


def api_method(name: str) -> Callable[[Handler], Handler]:
    """Register a Bot API method implementation under its (case-insensitive) name."""

    def register(func: Handler) -> Handler:
        METHODS[name] = func
        CANONICAL[name.lower()] = name
        return func

    return register
