"""Tornado handlers of the bot side: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>``."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from tornado.web import RequestHandler

from . import methods_edit, methods_misc, methods_send
from .apicore import CANONICAL, METHODS, Ctx, Host, Params, Upload
from .limits import ApiError

log = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,100}$")
_LOADED = (methods_edit, methods_misc, methods_send)  # importing registers the methods


def is_token(token: str) -> bool:
    """True if ``token`` has the ``<digits>:<secret>`` form."""
    return bool(TOKEN_RE.match(token))


class BotApiHandler(RequestHandler):
    """Serves every Bot API method for every bot."""

    def initialize(self, host: Host) -> None:
        """Keep a reference to the emulator."""
        self.host = host

    def check_xsrf_cookie(self) -> None:
        """The Bot API has no XSRF protection."""

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload, ensure_ascii=False))

    def _params(self) -> Params:
        values: dict[str, Any] = {}
        for key, items in self.request.query_arguments.items():
            values[key] = items[-1].decode("utf-8", "replace")
        ctype = self.request.headers.get("Content-Type", "")
        if "application/json" in ctype and self.request.body:
            try:
                body = json.loads(self.request.body)
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON object expected")
            values.update(body)
        else:
            for key, items in self.request.body_arguments.items():
                values[key] = items[-1].decode("utf-8", "replace")
        files = {
            name: Upload(f[-1]["filename"], f[-1]["body"], f[-1]["content_type"])
            for name, f in self.request.files.items()
            if f
        }
        return Params(values, files)

    async def get(self, token: str, method: str) -> None:
        """GET /bot<token>/<method>."""
        await self._handle(token, method)

    async def post(self, token: str, method: str) -> None:
        """POST /bot<token>/<method>."""
        await self._handle(token, method)

    async def _handle(self, token: str, method: str) -> None:
        if not is_token(token):
            self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        bot = self.host.state.ensure_bot(token)
        if bot is None:
            self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        name = CANONICAL.get(method.lower())
        if name is None:
            bot.counters.record(method or "(empty)", 404, "Not Found")
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        params: Params | None = None
        try:
            params = self._params()
            result = await METHODS[name](Ctx(self.host, bot, params))
        except ApiError as exc:
            chat_id = params.get_str("chat_id") if params is not None else None
            bot.counters.record(name, exc.code, exc.description, chat_id)
            payload: dict[str, Any] = {
                "ok": False,
                "error_code": exc.code,
                "description": exc.description,
            }
            if exc.retry_after is not None:
                payload["parameters"] = {"retry_after": exc.retry_after}
            self._reply(exc.code, payload)
            return
        except Exception as exc:
            log.exception("emulator: %s failed", name)
            bot.counters.record(name, 500, f"Internal Server Error: {exc!r}")
            self._reply(
                500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
            )
            return
        bot.counters.record(name, 200)
        self._reply(200, {"ok": True, "result": result})


class FileDownloadHandler(RequestHandler):
    """Serves ``/file/bot<token>/<file_path>`` like api.telegram.org."""

    def initialize(self, host: Host) -> None:
        """Keep a reference to the emulator."""
        self.host = host

    async def get(self, token: str, path: str) -> None:
        """Download a stored file."""
        bot = self.host.state.bots.get(int(token.split(":", 1)[0])) if is_token(token) else None
        if bot is None or bot.token != token:
            self.set_status(401)
            self.finish({"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        rec = bot.files_by_path.get(path)
        if rec is None:
            self.set_status(404)
            self.finish({"ok": False, "error_code": 404, "description": "Not Found"})
            return
        if rec.data is None and rec.url:
            self.redirect(rec.url)
            return
        self.set_header("Content-Type", rec.mime_type or "application/octet-stream")
        self.finish(rec.data or b"")
