"""Telegram's limits: text/caption size, keyboards, callback data, commands and flood control."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from .config import EmulatorConfig
from .textparse import Entity, EntityParseError, parse_html, utf16_len, validate_entities


class ApiError(Exception):
    """An error answered to the bot as ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


MAX_INLINE_BUTTONS = 100  # Telegram answers "reply markup is too long" past this


def bad_request(reason: str) -> ApiError:
    """Return a 400 ``Bad Request: <reason>`` error."""
    return ApiError(400, f"Bad Request: {reason}")


INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
REPLY_ACTIONS = (
    "request_contact",
    "request_location",
    "request_poll",
    "request_users",
    "request_chat",
    "web_app",
)
_URL_RE = re.compile(r"^(https?|tg)://[^\s]+$", re.IGNORECASE)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


def format_text(
    text: Any,
    parse_mode: Any,
    raw_entities: Any,
    cfg: EmulatorConfig,
    *,
    caption: bool = False,
) -> tuple[str, list[Entity]]:
    """Parse ``text`` in ``parse_mode`` and enforce the length limits; return (text, entities)."""
    what = "message caption" if caption else "message text"
    if text is None:
        text = ""
    if not isinstance(text, str):
        text = str(text)
    mode = (parse_mode or "").strip().lower() if isinstance(parse_mode, str) else ""
    entities: list[Entity] = []
    try:
        if mode == "html":
            if cfg.strict_html:
                text, entities = parse_html(text)
            else:
                text, entities = _lenient_html(text)
        elif mode in ("markdown", "markdownv2"):
            raise bad_request(f"unsupported parse_mode {parse_mode!r} in the emulator")
        elif mode:
            raise bad_request(f"unsupported parse_mode: {parse_mode}")
        elif raw_entities is not None:
            entities = validate_entities(raw_entities, text)
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from exc
    if not caption and not text.strip():
        raise bad_request("message text is empty")
    limit = cfg.max_caption if caption else cfg.max_text
    if limit > 0 and utf16_len(text) > limit:
        raise bad_request(f"{what} is too long" if caption else "message is too long")
    return text, entities


def _lenient_html(text: str) -> tuple[str, list[Entity]]:
    try:
        return parse_html(text)
    except EntityParseError:
        stripped = re.sub(r"<[^>]*>", "", text)
        for name, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&amp;", "&")):
            stripped = stripped.replace(name, char)
        return stripped, []


def _check_inline_button(button: Any, cfg: EmulatorConfig) -> None:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton expected")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [key for key in INLINE_ACTIONS if key in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be used"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str):
            raise bad_request("BUTTON_DATA_INVALID")
        size = len(data.encode("utf-8"))
        if size < 1 or (cfg.max_callback_data > 0 and size > cfg.max_callback_data):
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and (not isinstance(button["url"], str) or not _URL_RE.match(button["url"])):
        raise bad_request("BUTTON_URL_INVALID")


def _check_reply_button(button: Any) -> dict[str, Any]:
    if isinstance(button, str):
        button = {"text": button}
    if not isinstance(button, dict):
        raise bad_request("can't parse keyboard button: KeyboardButton expected")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request('can\'t parse keyboard button: Field "text" must be non-empty')
    if sum(1 for key in REPLY_ACTIONS if button.get(key)) > 1:
        raise bad_request("can't parse keyboard button: only one request field may be used")
    return button


def _rows(markup: dict[str, Any], field: str, kind: str) -> list[Any]:
    rows = markup.get(field)
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'field "{field}" of the {kind} must be an Array of Arrays')
    return rows


def validate_reply_markup(
    markup: Any, cfg: EmulatorConfig, *, inline_only: bool = False
) -> dict[str, Any] | None:
    """Validate a reply_markup object and return a normalised copy (None when absent)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = _rows(markup, "inline_keyboard", "InlineKeyboardMarkup")
        if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
            raise bad_request("reply markup is too long")
        for row in rows:
            for button in row:
                _check_inline_button(button, cfg)
        return {"inline_keyboard": rows}
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = _rows(markup, "keyboard", "ReplyKeyboardMarkup")
        if not rows or not any(rows):
            raise bad_request("keyboard must be non-empty")
        result = dict(markup)
        result["keyboard"] = [[_check_reply_button(b) for b in row] for row in rows if row]
        return result
    if "remove_keyboard" in markup:
        if markup["remove_keyboard"] is not True:
            raise bad_request("can't parse ReplyKeyboardRemove: remove_keyboard must be true")
        return dict(markup)
    if "force_reply" in markup:
        if markup["force_reply"] is not True:
            raise bad_request("can't parse ForceReply: force_reply must be true")
        return dict(markup)
    raise bad_request("can't parse reply keyboard markup JSON object")


def validate_commands(commands: Any) -> list[dict[str, str]]:
    """Validate the ``commands`` array of setMyCommands."""
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    result: list[dict[str, str]] = []
    for cmd in commands:
        if not isinstance(cmd, dict):
            raise bad_request("can't parse BotCommand")
        name, desc = cmd.get("command"), cmd.get("description")
        if not isinstance(name, str) or not _COMMAND_RE.match(name.lower()):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(desc, str) or not 1 <= len(desc) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        result.append({"command": name.lower(), "description": desc})
    return result


class TokenBucket:
    """A token bucket (``rate`` tokens/second, capacity ``burst``) on an injectable clock."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = float(burst)
        self.stamp = clock()

    def configure(self, rate: float, burst: int) -> None:
        """Change rate/capacity (keeps the current fill level, capped at the new burst)."""
        self._refill()
        self.rate, self.burst = rate, burst
        self.tokens = min(self.tokens, float(burst))

    def _refill(self) -> None:
        now = self.clock()
        if now > self.stamp:
            self.tokens = min(float(self.burst), self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self, n: int = 1) -> float:
        """Seconds until ``n`` tokens are available (0 when they are available now)."""
        self._refill()
        need = min(float(n), float(self.burst)) - self.tokens
        if need <= 1e-9:
            return 0.0
        if self.rate <= 0:
            return math.inf
        return need / self.rate

    def take(self, n: int = 1) -> None:
        """Consume ``n`` tokens (call after :meth:`wait_time` returned 0)."""
        self._refill()
        self.tokens = max(0.0, self.tokens - min(float(n), float(self.burst)))


class FloodControl:
    """Per bot flood control: one overall bucket plus one bucket per chat."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.overall: TokenBucket | None = None
        self.chats: dict[int, TokenBucket] = {}

    def _bucket(self, current: TokenBucket | None, rate: float, burst: int) -> TokenBucket:
        if current is None:
            return TokenBucket(rate, burst, self.clock)
        if current.rate != rate or current.burst != burst:
            current.configure(rate, burst)
        return current

    def check(self, cfg: EmulatorConfig, chat_id: int, chat_type: str, n: int = 1) -> None:
        """Consume ``n`` tokens for a message to ``chat_id`` or raise a 429 :class:`ApiError`."""
        if not cfg.flood_control:
            return
        self.overall = self._bucket(self.overall, cfg.overall_rate, cfg.overall_burst)
        if chat_type == "private":
            rate, burst = cfg.private_rate, cfg.private_burst
        else:
            rate, burst = cfg.group_rate, cfg.group_burst
        chat_bucket = self._bucket(self.chats.get(chat_id), rate, burst)
        self.chats[chat_id] = chat_bucket
        wait = max(self.overall.wait_time(n), chat_bucket.wait_time(n))
        if wait > 0:
            retry = 2**31 - 1 if math.isinf(wait) else max(1, math.ceil(wait - 1e-9))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
        self.overall.take(n)
        chat_bucket.take(n)
