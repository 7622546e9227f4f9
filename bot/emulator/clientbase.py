"""Base handler of the client API (JSON in, JSON out, ``{"ok": false, "error"}`` on failure)."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from tornado.web import RequestHandler

from .apicore import Host
from .models import BotRec, ChatRec, UserRec

log = logging.getLogger(__name__)

MAX_WAIT = 120.0


class ClientError(Exception):
    """A client API error answered as ``{"ok": false, "error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def endpoint(
    func: Callable[..., Awaitable[dict[str, Any]]],
) -> Callable[..., Awaitable[None]]:
    """Turn a handler returning a dict into one that writes JSON and maps ClientError."""

    @wraps(func)
    async def wrapper(self: ClientHandler, *args: str) -> None:
        try:
            result = await func(self, *args)
        except ClientError as exc:
            self.send_json(exc.status, {"ok": False, "error": exc.message})
            return
        except Exception as exc:
            log.exception("client API failure")
            self.send_json(500, {"ok": False, "error": f"internal error: {exc!r}"})
            return
        self.send_json(200, {"ok": True, **result})

    return wrapper


class ClientHandler(RequestHandler):
    """Common helpers of client API handlers."""

    def initialize(self, host: Host) -> None:
        """Keep a reference to the emulator."""
        self.host = host
        self._body: dict[str, Any] | None = None

    def check_xsrf_cookie(self) -> None:
        """The client API is a local test tool without XSRF protection."""

    def set_default_headers(self) -> None:
        """Allow tools on other origins (e.g. a dev page) to call the API."""
        self.set_header("Access-Control-Allow-Origin", "*")
        self.set_header("Access-Control-Allow-Headers", "Content-Type")
        self.set_header("Access-Control-Allow-Methods", "GET, POST, PATCH, OPTIONS")
        self.set_header("Cache-Control", "no-store")

    async def options(self, *args: str) -> None:
        """CORS preflight."""
        self.set_status(204)
        self.finish()

    def send_json(self, status: int, payload: dict[str, Any]) -> None:
        """Write a JSON response."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(payload, ensure_ascii=False))

    @property
    def body(self) -> dict[str, Any]:
        """The request body as a dict (JSON, form or multipart fields)."""
        if self._body is None:
            ctype = self.request.headers.get("Content-Type", "")
            if "application/json" in ctype or (
                self.request.body[:1] in (b"{", b"[") and "form" not in ctype
            ):
                try:
                    data = json.loads(self.request.body or b"{}")
                except ValueError:
                    raise ClientError(400, "request body is not valid JSON") from None
                if not isinstance(data, dict):
                    raise ClientError(400, "JSON object expected")
                self._body = data
            else:
                self._body = {
                    k: v[-1].decode("utf-8", "replace")
                    for k, v in self.request.body_arguments.items()
                }
        return self._body

    def arg(self, name: str, default: Any = None) -> Any:
        """A parameter from the body, else from the query string."""
        if self.request.method in ("POST", "PATCH") and name in self.body:
            return self.body[name]
        value = self.get_query_argument(name, None)
        return default if value is None else value

    def int_arg(self, name: str, default: int | None = None, *, required: bool = False) -> int:
        """An integer parameter (400 when malformed or missing while required)."""
        value = self.arg(name)
        if value is None or value == "":
            if required or default is None:
                raise ClientError(400, f"{name} is required")
            return default
        try:
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        except (TypeError, ValueError):
            raise ClientError(400, f"{name} must be an integer") from None

    def float_arg(self, name: str, default: float | None = None) -> float:
        """A float parameter."""
        value = self.arg(name)
        if value is None or value == "":
            if default is None:
                raise ClientError(400, f"{name} is required")
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ClientError(400, f"{name} must be a number") from None

    def bool_arg(self, name: str) -> bool:
        """A boolean parameter (true/1/yes)."""
        value = self.arg(name)
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1", "yes") if value is not None else False

    def wait_arg(self, name: str) -> float:
        """A long-poll duration in seconds, capped."""
        return max(0.0, min(MAX_WAIT, self.float_arg(name, 0.0)))

    def get_bot(self, required: bool = True) -> BotRec:
        """The bot selected by the ``bot`` parameter, else the default bot."""
        state = self.host.state
        raw = self.arg("bot")
        if raw not in (None, ""):
            try:
                bot = state.bots.get(int(str(raw).split(":", 1)[0]))
            except ValueError:
                raise ClientError(400, "bot must be a bot id") from None
            if bot is None:
                raise ClientError(404, f"unknown bot {raw}")
            return bot
        if state.default_bot_id is None:
            raise ClientError(
                404, "no bot yet: let a bot call the Bot API first or POST /api/bots {token}"
            )
        return state.bots[state.default_bot_id]

    def get_user(self, uid: str | int) -> UserRec:
        """A user by id (404 when unknown)."""
        user = self.host.state.users.get(int(uid))
        if user is None:
            raise ClientError(404, f"unknown user {uid}")
        return user

    def get_chat(self, bot: BotRec, chat_id: str | int) -> ChatRec:
        """A chat of ``bot`` by id (404 when unknown)."""
        chat = bot.chats.get(int(chat_id))
        if chat is None:
            raise ClientError(404, f"chat {chat_id} not found")
        return chat

    def file_url(self, bot_id: int, file_id: str) -> str:
        """Client URL of a stored file."""
        return self.host.state.file_url(bot_id, file_id)
