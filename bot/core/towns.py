"""Several towns on one deployment (a district, 区): the towns file named by `MINHU_TOWNS`.

Each town is its own bot (token), admins, time zone, bulletin channel and data: a schema of
its own on PostgreSQL (the deployment's URL with `search_path` set to the town's key), or a
SQLite file of its own beside the deployment's (`minhu.db` → `minhu-<key>.db`). A town's
Settings are the deployment's with the town's own values put over them, so nothing of one town
reaches another's bot by construction. The district's admins see every town and get the
district bulletin, published to the district's channel through one town's bot.

The file is TOML:

    [district]
    name = "吴兴区"
    admins = [1001]                 # district admins' Telegram user ids
    channel = -1001234567890        # the district bulletin's channel (optional)
    publisher = "zhili"             # whose bot publishes it (default: the first town)

    [[town]]
    key = "zhili"                   # schema, webhook path and file name: a-z, 0-9, _
    name = "织里镇"
    token = "123456:ABC…"
    admins = [11, 12]
    timezone = "Asia/Shanghai"      # optional: MINHU_TIMEZONE
    bulletin_channel = -100…        # optional: MINHU_BULLETIN_CHAT_ID
    database = "…"                  # optional: derived as above
    webhook_secret = "…"            # optional: derived from MINHU_WEBHOOK_SECRET and the key
    web_port = 8081                 # optional: the town's screen (MINHU_WEB_PORT + its index)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.config import TOKEN_RE, ConfigError, Settings

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
# Schemas PostgreSQL keeps for itself, and the one every database starts with.
RESERVED = frozenset({"public", "information_schema"})
MAX_TOWNS = 100
NAME_LIMIT = 32


@dataclass(frozen=True)
class Town:
    """One town of the district: its key, its name, and its whole settings."""

    key: str
    name: str
    settings: Settings


@dataclass(frozen=True)
class District:
    """The towns of one deployment, and who sees all of them."""

    name: str
    admin_ids: frozenset[int]
    channel: int | None
    publisher: str  # the key of the town whose bot publishes the district bulletin
    towns: tuple[Town, ...]

    def town(self, key: str) -> Town:
        for town in self.towns:
            if town.key == key:
                return town
        raise KeyError(key)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admin_ids


def town_database(base: str, key: str) -> str:
    """Where a town's data lives: its schema on PostgreSQL, its own file on SQLite."""
    if base.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(base)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "search_path"]
        query.append(("search_path", key))
        # Not urlunsplit: it drops the empty host of a local socket (postgresql:///minhu).
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}{fragment}"
    path = Path(base)
    return str(path.with_name(f"{path.stem}-{key}{path.suffix or '.db'}"))


def town_secret(base: str, key: str) -> str:
    """A town's webhook secret derived from the deployment's (Telegram allows A-Z a-z 0-9 _ -)."""
    if not base:
        return ""
    return hmac.new(base.encode(), key.encode(), hashlib.sha256).hexdigest()[:48]


def load_towns(path: str | Path, base: Settings) -> District:
    """Read the towns file; raise ConfigError with one line naming what is wrong."""
    where = Path(path)
    try:
        data = tomllib.loads(where.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"MINHU_TOWNS: cannot read {where}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"MINHU_TOWNS: {where} is not valid TOML: {exc}") from None
    district = _table(data.get("district", {}), "[district]")
    entries = data.get("town")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"MINHU_TOWNS: {where} has no [[town]]")
    if len(entries) > MAX_TOWNS:
        raise ConfigError(f"MINHU_TOWNS: at most {MAX_TOWNS} towns, {where} has {len(entries)}")
    towns = tuple(_town(_table(e, "[[town]]"), base, i) for i, e in enumerate(entries))
    _unique(towns)
    keys = [t.key for t in towns]
    publisher = _text(district, "publisher", "[district]", default=keys[0])
    if publisher not in keys:
        raise ConfigError(f"MINHU_TOWNS: [district] publisher {publisher!r} is not a town's key")
    return District(
        name=_text(district, "name", "[district]", default="区"),
        admin_ids=_ids(district, "admins", "[district]"),
        channel=_chat(district, "channel", "[district]"),
        publisher=publisher,
        towns=towns,
    )


def _town(entry: dict[str, Any], base: Settings, index: int) -> Town:
    key = entry.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key) or key in RESERVED:
        raise ConfigError(
            f"MINHU_TOWNS: town {index + 1}'s key must be a-z, 0-9 or _ (a letter first, "
            f"at most 31, not public), got {key!r}"
        )
    where = f"town {key!r}"
    token = entry.get("token")
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        raise ConfigError(f"MINHU_TOWNS: {where} needs a token like <digits>:<secret>")
    timezone = _text(entry, "timezone", where, default=base.timezone)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"MINHU_TOWNS: {where}'s timezone is unknown: {timezone!r}") from None
    port = entry.get("web_port")
    if port is None:
        port = None if base.web_port is None else base.web_port + index
    elif not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError(f"MINHU_TOWNS: {where}'s web_port must be a port number")
    webhook = f"{base.webhook_url.rstrip('/')}/{key}" if base.webhook_url else ""
    bulletin = _chat(entry, "bulletin_channel", where)
    settings = replace(
        base,
        token=token,
        admin_ids=_ids(entry, "admins", where) or base.admin_ids,
        timezone=timezone,
        database=_text(entry, "database", where, default=town_database(base.database, key)),
        bulletin_chat_id=base.bulletin_chat_id if bulletin is None else bulletin,
        webhook_url=webhook,
        webhook_secret=(
            _text(entry, "webhook_secret", where, default="")
            if "webhook_secret" in entry  # else derived; none without MINHU_WEBHOOK_SECRET
            else town_secret(base.webhook_secret, key)
        ),
        web_port=port,
        town=key,
    )
    return Town(key=key, name=_text(entry, "name", where, default=key), settings=settings)


def _unique(towns: tuple[Town, ...]) -> None:
    for label, values in (
        ("key", [t.key for t in towns]),
        ("token", [t.settings.token for t in towns]),
        ("database", [t.settings.database for t in towns]),
        ("name", [t.name for t in towns]),
    ):
        seen = {v for v in values if values.count(v) > 1}
        if seen:
            shown = "(hidden)" if label == "token" else repr(sorted(seen)[0])
            raise ConfigError(f"MINHU_TOWNS: two towns share the {label} {shown}")
    ports = [t.settings.web_port for t in towns if t.settings.web_port is not None]
    if len(ports) != len(set(ports)):
        raise ConfigError("MINHU_TOWNS: two towns' screens share a web_port")


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"MINHU_TOWNS: {where} must be a table")
    return value


def _text(entry: dict[str, Any], name: str, where: str, *, default: str) -> str:
    value = entry.get(name, default)
    if not isinstance(value, str) or not value.strip() or len(value) > 512:
        raise ConfigError(f"MINHU_TOWNS: {where}'s {name} must be a non-empty string")
    if name == "name" and len(value) > NAME_LIMIT:
        raise ConfigError(f"MINHU_TOWNS: {where}'s name is over {NAME_LIMIT} characters")
    return value.strip()


def _ids(entry: dict[str, Any], name: str, where: str) -> frozenset[int]:
    value = entry.get(name, [])
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
    ):
        raise ConfigError(f"MINHU_TOWNS: {where}'s {name} must be a list of user ids")
    return frozenset(value)


def _chat(entry: dict[str, Any], name: str, where: str) -> int | None:
    value = entry.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value == 0:
        raise ConfigError(f"MINHU_TOWNS: {where}'s {name} must be a chat id like -100…")
    return value


def district_of(settings: Settings) -> District | None:
    """The district of MINHU_TOWNS, or None for a deployment of one town."""
    return load_towns(settings.towns_file, settings) if settings.towns_file else None


def town_settings(settings: Settings, district: District | None, key: str | None) -> Settings:
    """The settings a command on one town's data uses (`--town KEY`): the only town, or the
    one named; without MINHU_TOWNS, the deployment's own."""
    if district is None:
        if key is not None:
            raise ConfigError(f"--town {key} needs MINHU_TOWNS (the towns file)")
        return settings
    keys = ", ".join(t.key for t in district.towns)
    if key is None:
        if len(district.towns) == 1:
            return district.towns[0].settings
        raise ConfigError(
            f"MINHU_TOWNS has {len(district.towns)} towns: name one with --town ({keys})"
        )
    try:
        return district.town(key).settings
    except KeyError:
        raise ConfigError(f"--town {key!r} is not a town of MINHU_TOWNS ({keys})") from None
