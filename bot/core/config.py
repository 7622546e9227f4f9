"""Configuration from the environment (a `.env` file in the working directory is read too)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.bulletins.rankings import Weights
from bot.emergency.words import DEFAULT_WORDS, parse_words
from bot.visits.rules import DEFAULT_KINDS, Kind, parse_kinds

TELEGRAM_API_URL = "https://api.telegram.org/bot"
TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,200}$")


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message is one clear line."""


@dataclass(frozen=True)
class Settings:
    """Everything Minhu reads from its environment."""

    token: str
    api_url: str = TELEGRAM_API_URL
    database: str = "minhu.db"
    timezone: str = "Asia/Shanghai"
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    persistence_interval: float = 1.0
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str = ""
    rate_limit: bool = True
    clock_offset_file: str = ""  # tests only: a file holding seconds to add to the clock
    timer_sweep: float = 30.0
    # Words that get the emergency numbers first (bot/emergency/words.py).
    emergency_words: tuple[str, ...] = DEFAULT_WORDS
    # Bulletins (晾晒): where they go, when, in which language, and how units are scored.
    bulletin_chat_id: int | None = None
    bulletin_language: str = "zh-CN"
    bulletin_weekly: tuple[int, time] | None = (0, time(9))  # Monday 09:00
    bulletin_monthly: tuple[int, time] | None = (1, time(9))  # the 1st, 09:00
    bulletin_weights: Weights = field(default_factory=Weights)
    bulletin_min_cases: int = 3
    # The escalation ladder (bot/escalation/): reminder before each deadline, 催办 at it and
    # every working day after at `ladder_urge_at`, 通报 after `ladder_report_after` working
    # days overdue; one digest a working day at `ladder_digest_at` (None: off).
    ladder_remind_before: timedelta = timedelta(hours=4)
    ladder_urge_at: time = time(9)
    ladder_report_after: int = 3
    ladder_digest_at: time | None = time(8, 30)
    # Home visits (bot/visits/): the kinds of household and their cadences in days.
    visit_kinds: tuple[Kind, ...] = DEFAULT_KINDS
    # The command centre's screen (bot/dashboard/): its port (None: off), where it listens,
    # the address the bot's links start with, and the key that signs them.
    web_port: int | None = None
    web_listen: str = "127.0.0.1"
    web_url: str = ""
    web_secret: str = ""
    # Several towns on one deployment (bot/core/towns.py): the towns file, and which town
    # these settings are ("" for a deployment of one town).
    towns_file: str = ""
    town: str = ""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def screen_url(self) -> str:
        """The screen's public address, as the bot's links give it (no trailing slash)."""
        return (self.web_url or f"http://127.0.0.1:{self.web_port or 0}").rstrip("/")

    @property
    def file_url(self) -> str:
        """The file download base in python-telegram-bot's `base_file_url` form."""
        if self.api_url.endswith("/bot"):
            return self.api_url[: -len("bot")] + "file/bot"
        return self.api_url.rstrip("/") + "/file/bot"


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines of a .env file (comments and blank lines ignored)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def load_settings(
    env: dict[str, str] | None = None,
    *,
    dotenv: Path | None = Path(".env"),
    require_token: bool = True,
) -> Settings:
    """Build Settings from `env` (default os.environ) over a .env file; raise ConfigError."""
    merged: dict[str, str] = read_dotenv(dotenv) if dotenv else {}
    merged.update(os.environ if env is None else env)

    token = merged.get("TELEGRAM_BOT_TOKEN", "").strip()
    if require_token and not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set (put it in the environment or .env)")
    if token and not TOKEN_RE.match(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN is malformed (expected <digits>:<secret>)")

    api_url = merged.get("MINHU_TELEGRAM_API_URL", "").strip() or TELEGRAM_API_URL
    if not re.match(r"^https?://[^\s/]+", api_url):
        raise ConfigError(f"MINHU_TELEGRAM_API_URL is not an http(s) URL: {api_url!r}")

    timezone = merged.get("MINHU_TIMEZONE", "").strip() or "Asia/Shanghai"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"MINHU_TIMEZONE is not a known time zone: {timezone!r}") from None

    admin_ids: set[int] = set()
    for part in merged.get("MINHU_ADMIN_IDS", "").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ConfigError(f"MINHU_ADMIN_IDS must be comma-separated user ids, got {part!r}")
        admin_ids.add(int(part))

    interval_text = merged.get("MINHU_PERSISTENCE_INTERVAL", "1").strip()
    try:
        interval = float(interval_text)
        if not 0 < interval <= 60:
            raise ValueError
    except ValueError:
        raise ConfigError(
            f"MINHU_PERSISTENCE_INTERVAL must be seconds in (0, 60], got {interval_text!r}"
        ) from None

    port_text = merged.get("MINHU_WEBHOOK_PORT", "8443").strip()
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"MINHU_WEBHOOK_PORT must be a port number, got {port_text!r}")

    rate_text = merged.get("MINHU_RATE_LIMIT", "on").strip().lower() or "on"
    if rate_text not in ("on", "off"):
        raise ConfigError(f"MINHU_RATE_LIMIT must be on or off, got {rate_text!r}")

    return Settings(
        token=token,
        api_url=api_url,
        database=merged.get("MINHU_DATABASE", "").strip() or "minhu.db",
        timezone=timezone,
        admin_ids=frozenset(admin_ids),
        persistence_interval=interval,
        webhook_url=merged.get("MINHU_WEBHOOK_URL", "").strip(),
        webhook_listen=merged.get("MINHU_WEBHOOK_LISTEN", "").strip() or "127.0.0.1",
        webhook_port=int(port_text),
        webhook_secret=merged.get("MINHU_WEBHOOK_SECRET", "").strip(),
        rate_limit=rate_text == "on",
        clock_offset_file=merged.get("MINHU_CLOCK_OFFSET_FILE", "").strip(),
        timer_sweep=_seconds(merged, "MINHU_TIMER_SWEEP", "30"),
        emergency_words=parse_words(merged.get("MINHU_EMERGENCY_WORDS", "")) or DEFAULT_WORDS,
        **_bulletin_settings(merged),
        **_ladder_settings(merged),
        visit_kinds=_visit_kinds(merged),
        **_web_settings(merged),
        towns_file=merged.get("MINHU_TOWNS", "").strip(),
    )


def _web_settings(values: dict[str, str]) -> dict[str, Any]:
    port_text = values.get("MINHU_WEB_PORT", "").strip().lower()
    if port_text in ("", "off"):
        port = None
    elif port_text.isdigit() and 0 < int(port_text) < 65536:
        port = int(port_text)
    else:
        raise ConfigError(f"MINHU_WEB_PORT must be a port number or off, got {port_text!r}")
    url = values.get("MINHU_WEB_URL", "").strip()
    if url and not re.match(r"^https?://[^\s/]+", url):
        raise ConfigError(f"MINHU_WEB_URL is not an http(s) URL: {url!r}")
    secret = values.get("MINHU_WEB_SECRET", "").strip()
    if secret and len(secret) < 16:
        raise ConfigError("MINHU_WEB_SECRET must be at least 16 characters")
    return {
        "web_port": port,
        "web_listen": values.get("MINHU_WEB_LISTEN", "").strip() or "127.0.0.1",
        "web_url": url,
        "web_secret": secret,
    }


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _bulletin_settings(values: dict[str, str]) -> dict[str, Any]:
    chat_text = values.get("MINHU_BULLETIN_CHAT_ID", "").strip()
    if chat_text and not re.fullmatch(r"-?\d{1,20}", chat_text):
        raise ConfigError(
            f"MINHU_BULLETIN_CHAT_ID must be a chat id like -1001234567890, got {chat_text!r}"
        )
    language = values.get("MINHU_BULLETIN_LANGUAGE", "").strip() or "zh-CN"
    if language not in ("zh-CN", "en"):
        raise ConfigError(f"MINHU_BULLETIN_LANGUAGE must be zh-CN or en, got {language!r}")
    try:
        weights = Weights.parse(values.get("MINHU_BULLETIN_WEIGHTS", ""))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    min_text = values.get("MINHU_BULLETIN_MIN_CASES", "3").strip() or "3"
    if not min_text.isdigit() or not 1 <= int(min_text) <= 1000:
        raise ConfigError(f"MINHU_BULLETIN_MIN_CASES must be a number 1..1000, got {min_text!r}")
    return {
        "bulletin_chat_id": int(chat_text) if chat_text else None,
        "bulletin_language": language,
        "bulletin_weekly": _when(values, "MINHU_BULLETIN_WEEKLY", "mon 09:00", weekly=True),
        "bulletin_monthly": _when(values, "MINHU_BULLETIN_MONTHLY", "1 09:00", weekly=False),
        "bulletin_weights": weights,
        "bulletin_min_cases": int(min_text),
    }


def _when(
    values: dict[str, str], name: str, default: str, *, weekly: bool
) -> tuple[int, time] | None:
    """'mon 09:00' (weekly) or '1 09:00' (day of the month, 1–28); 'off' turns it off."""
    text = (values.get(name, "").strip() or default).lower()
    if text == "off":
        return None
    day_text, _, clock = text.partition(" ")
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", clock.strip())
    if weekly:
        day = WEEKDAYS.index(day_text) if day_text in WEEKDAYS else -1
    else:
        day = int(day_text) if day_text.isdigit() and 1 <= int(day_text) <= 28 else -1
    if day < 0 or match is None:
        example = "mon 09:00" if weekly else "1 09:00 (day 1–28)"
        raise ConfigError(f"{name} must look like {example!r} or be 'off', got {text!r}")
    return day, time(int(match[1]), int(match[2]))


def _ladder_settings(values: dict[str, str]) -> dict[str, Any]:
    hours_text = values.get("MINHU_LADDER_REMIND_HOURS", "4").strip() or "4"
    try:
        hours = float(hours_text)
        if not 0 < hours <= 72:
            raise ValueError
    except ValueError:
        raise ConfigError(
            f"MINHU_LADDER_REMIND_HOURS must be hours in (0, 72], got {hours_text!r}"
        ) from None
    after_text = values.get("MINHU_LADDER_REPORT_AFTER", "3").strip() or "3"
    if not after_text.isdigit() or not 1 <= int(after_text) <= 30:
        raise ConfigError(
            f"MINHU_LADDER_REPORT_AFTER must be working days 1..30, got {after_text!r}"
        )
    digest_text = (values.get("MINHU_LADDER_DIGEST_AT", "").strip() or "08:30").lower()
    return {
        "ladder_remind_before": timedelta(hours=hours),
        "ladder_urge_at": _clock(values, "MINHU_LADDER_URGE_AT", "09:00"),
        "ladder_report_after": int(after_text),
        "ladder_digest_at": None
        if digest_text == "off"
        else _clock(values, "MINHU_LADDER_DIGEST_AT", "08:30"),
    }


def _visit_kinds(values: dict[str, str]) -> tuple[Kind, ...]:
    try:
        return parse_kinds(values.get("MINHU_VISIT_KINDS", ""))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _clock(values: dict[str, str], name: str, default: str) -> time:
    """A local time of day, HH:MM."""
    text = values.get(name, "").strip() or default
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text)
    if match is None:
        raise ConfigError(f"{name} must be a time like '09:00', got {text!r}")
    return time(int(match[1]), int(match[2]))


def _seconds(values: dict[str, str], name: str, default: str) -> float:
    text = values.get(name, default).strip() or default
    try:
        seconds = float(text)
        if not 0 < seconds <= 3600:
            raise ValueError
    except ValueError:
        raise ConfigError(f"{name} must be seconds in (0, 3600], got {text!r}") from None
    return seconds
