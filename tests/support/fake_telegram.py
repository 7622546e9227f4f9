"""A fake Bot API behind python-telegram-bot's request seam: no network by construction.

It answers the methods Minhu calls with Telegram-shaped results and records every call, as
PTB's own tests do with `OfflineRequest`. Texts, captions and keyboards are checked by the
emulator's own rules (HTML parsed as Telegram parses it, 4,096 / 1,024 UTF-16 units, button
data), so every test that sends a message also proves it fits. End-to-end tests use the real
emulator instead.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from bot.emulator.config import EmulatorConfig
from bot.emulator.limits import ApiError, format_text, validate_reply_markup

BOT_ID = 7000001
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Minhu", "username": "minhu_test_bot"}
LIMITS = EmulatorConfig()  # Telegram's limits, as the emulator enforces them


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None
    files: dict[str, bytes] = field(default_factory=dict)  # uploads: field name -> bytes


@dataclass
class FakeTelegram(BaseRequest):
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    # Faults to answer, in order, to the next calls of a method: (method, code, description,
    # retry_after); code 0 raises a timeout as a slow network would.
    faults: list[tuple[str, int, str, int]] = field(default_factory=list)
    _ids: dict[int, itertools.count[int]] = field(default_factory=dict)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    def _next_id(self, chat_id: int) -> int:
        return next(self._ids.setdefault(chat_id, itertools.count(1000)))

    def _message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        msg = {
            "message_id": self._next_id(chat_id),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": BOT_USER,
            **content,
        }
        self.messages[(chat_id, msg["message_id"])] = msg
        return msg

    def _answer(self, method: str, p: dict[str, Any]) -> Any:
        chat_id = int(p["chat_id"]) if "chat_id" in p else 0
        if chat_id in self.blocked and (method.startswith("send") or method.startswith("edit")):
            raise _Refused(403, "Forbidden: bot was blocked by the user")
        photo = [{"file_id": "AgAD-fake", "file_unique_id": "u", "width": 90, "height": 90}]
        try:
            _check_limits(method, p)
        except ApiError as refused:
            raise _Refused(refused.code, refused.description) from None
        if method == "getMe":
            return BOT_USER | {
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "sendMessage":
            return self._message(chat_id, text=p["text"], **_markup(p))
        if method == "sendPhoto":
            return self._message(chat_id, photo=photo, caption=p.get("caption"), **_markup(p))
        if method == "sendMediaGroup":
            return [self._message(chat_id, photo=photo) for _ in p["media"]]
        if method == "sendVoice":
            voice = {"file_id": str(p["voice"]), "file_unique_id": "v", "duration": 1}
            return self._message(chat_id, voice=voice)
        if method == "sendLocation":
            return self._message(
                chat_id, location={"latitude": p["latitude"], "longitude": p["longitude"]}
            )
        if method == "sendDocument":
            return self._message(
                chat_id,
                document={"file_id": "doc", "file_unique_id": "d"},
                caption=p.get("caption"),
            )
        if method in ("editMessageText", "editMessageCaption", "editMessageReplyMarkup"):
            key = (chat_id, int(p["message_id"]))
            if key not in self.messages:
                raise _Refused(400, "Bad Request: message to edit not found")
            msg = self.messages[key]
            if method == "editMessageText" and "text" not in msg:  # a photo, as Telegram says
                raise _Refused(400, "Bad Request: there is no text in the message to edit")
            if "text" in p:
                msg["text"] = p["text"]
            if "caption" in p:
                msg["caption"] = p["caption"]
            msg.pop("reply_markup", None)
            msg.update(_markup(p))
            msg["edit_date"] = int(time.time())
            return msg
        if method in (
            "answerCallbackQuery",
            "setMyCommands",
            "deleteMyCommands",
            "deleteWebhook",
            "sendChatAction",
        ):
            return True
        if method == "getUpdates":
            return []
        raise _Refused(404, "Not Found")

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        call = Call(api_method, params)
        if request_data is not None and request_data.contains_files:
            for name, value in (request_data.multipart_data or {}).items():
                call.files[name] = value[1] if isinstance(value, tuple) else value
        self.calls.append(call)
        for fault in self.faults:
            if fault[0] == api_method:
                self.faults.remove(fault)
                _, code, description, retry_after = fault
                if code == 0:
                    raise TimedOut("fake timeout")
                body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
                if retry_after:
                    body["parameters"] = {"retry_after": retry_after}
                return code, json.dumps(body).encode()
        try:
            call.result = self._answer(api_method, params)
        except _Refused as refused:
            body = {"ok": False, "error_code": refused.code, "description": refused.description}
            return refused.code, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": call.result}).encode()

    # What tests look at -------------------------------------------------------------------

    def sent_to(self, chat_id: int, since: int = 0) -> list[Call]:
        """Message-producing calls to one chat, from call index `since` on."""
        return [
            c
            for c in self.calls[since:]
            if c.params.get("chat_id") is not None
            and int(c.params["chat_id"]) == chat_id
            and (c.method.startswith("send") or c.method.startswith("edit"))
        ]

    def texts(self, chat_id: int, since: int = 0) -> list[str]:
        """Texts (and captions) sent or edited in one chat."""
        return [
            str(c.params.get("text") or c.params.get("caption") or "")
            for c in self.sent_to(chat_id, since)
        ]

    def answers(self, since: int = 0) -> list[str]:
        """Toast texts of answered callback queries."""
        return [
            str(c.params.get("text", ""))
            for c in self.calls[since:]
            if c.method == "answerCallbackQuery"
        ]


class _Refused(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


def _check_limits(method: str, p: dict[str, Any]) -> None:
    """Refuse as Telegram would a text, caption or keyboard that breaks its rules."""
    if method == "answerCallbackQuery" and len(str(p.get("text") or "")) > 200:
        raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
    if method in ("sendMessage", "editMessageText"):
        format_text(p.get("text"), p.get("parse_mode"), p.get("entities"), LIMITS)
    if "caption" in p:
        format_text(p["caption"], p.get("parse_mode"), None, LIMITS, caption=True)
    for item in p.get("media") or []:
        if isinstance(item, dict) and "caption" in item:
            format_text(item["caption"], item.get("parse_mode"), None, LIMITS, caption=True)
    markup = p.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    validate_reply_markup(markup, LIMITS)


def _markup(params: dict[str, Any]) -> dict[str, Any]:
    markup = params.get("reply_markup")
    if markup is None:
        return {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return {"reply_markup": markup} if "inline_keyboard" in markup else {}
