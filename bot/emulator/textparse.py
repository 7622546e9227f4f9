"""The emulator's text handling: bot commands, explicit entities and safe HTML for the chat page."""

from __future__ import annotations

import html
import re
from typing import Any

from bot.core.telegram_text import Entity, EntityParseError, parse_html, utf16_len

__all__ = [
    "Entity",
    "EntityParseError",
    "bot_command_entities",
    "entities_to_html",
    "parse_html",
    "utf16_len",
    "validate_entities",
]

_COMMAND_RE = re.compile(r"(?<![\w/])/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]{3,32})?(?![\w/])")
_SAFE_HREF_RE = re.compile(r"^(https?|tg|mailto):", re.IGNORECASE)


def bot_command_entities(text: str) -> list[Entity]:
    """Return ``bot_command`` entities for every /command in ``text`` (like Telegram clients)."""
    entities: list[Entity] = []
    for match in _COMMAND_RE.finditer(text):
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group(0)),
            }
        )
    return entities


def validate_entities(raw: Any, text: str) -> list[Entity]:
    """Check an explicit ``entities`` array and return it clipped to the text."""
    if not isinstance(raw, list):
        raise EntityParseError("entities must be an Array")
    total = utf16_len(text)
    result: list[Entity] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise EntityParseError("can't parse MessageEntity: type is missing")
        offset, length = item.get("offset"), item.get("length")
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0:
            raise EntityParseError("can't parse MessageEntity: bad offset or length")
        length = min(length, total - offset)
        if length > 0:
            result.append({**item, "offset": offset, "length": length})
    result.sort(key=lambda e: (e["offset"], -e["length"]))
    return result


def _u16_to_index(text: str) -> list[int]:
    """Map each UTF-16 offset (0..len) to a code point index."""
    table: list[int] = []
    for idx, ch in enumerate(text):
        table.append(idx)
        if ord(ch) > 0xFFFF:
            table.append(idx)
    table.append(len(text))
    return table


def _open_tag(entity: Entity, text: str) -> tuple[str, str]:
    etype = entity.get("type")
    simple = {"bold": "b", "italic": "i", "underline": "u", "strikethrough": "s", "code": "code"}
    if etype in simple:
        tag = simple[str(etype)]
        return f"<{tag}>", f"</{tag}>"
    if etype == "pre":
        lang = html.escape(str(entity.get("language", "")), quote=True)
        return f'<pre data-language="{lang}">', "</pre>"
    if etype in ("text_link", "url", "email"):
        href = str(entity.get("url") or text)
        if etype == "email":
            href = "mailto:" + href
        if not _SAFE_HREF_RE.match(href):
            href = "http://" + href if etype == "url" else "#"
        safe = html.escape(href, quote=True)
        return f'<a href="{safe}" target="_blank" rel="noopener noreferrer">', "</a>"
    if etype in ("blockquote", "expandable_blockquote"):
        cls = ' class="expandable"' if etype == "expandable_blockquote" else ""
        return f"<blockquote{cls}>", "</blockquote>"
    css = "tg-" + re.sub(r"[^a-z_]", "", str(etype)).replace("_", "-")
    return f'<span class="{css}">', "</span>"


def entities_to_html(text: str, entities: list[Entity] | None) -> str:
    """Render text + entities as safe HTML (everything escaped; only known tags emitted)."""
    if not entities:
        return html.escape(text, quote=False)
    table = _u16_to_index(text)
    last = len(table) - 1
    spans: list[tuple[int, int, int, Entity]] = []
    for order, ent in enumerate(entities):
        try:
            start_u16 = max(0, int(ent["offset"]))
            end_u16 = min(last, start_u16 + int(ent["length"]))
        except (KeyError, TypeError, ValueError):
            continue
        if start_u16 >= end_u16 or start_u16 > last:
            continue
        spans.append((table[start_u16], table[end_u16], order, ent))
    starts: dict[int, list[tuple[int, int, int, Entity]]] = {}
    for span in sorted(spans, key=lambda s: (s[0], -s[1], s[2])):
        starts.setdefault(span[0], []).append(span)
    out: list[str] = []
    stack: list[tuple[int, str, str]] = []  # (end, open, close)
    for pos in range(len(text) + 1):
        if any(item[0] <= pos for item in stack):
            reopen: list[tuple[int, str, str]] = []
            while any(item[0] <= pos for item in stack):
                item = stack.pop()
                out.append(item[2])
                if item[0] > pos:
                    reopen.append(item)
            for item in reversed(reopen):
                out.append(item[1])
                stack.append(item)
        for start, end, _order, ent in starts.get(pos, []):
            open_html, close_html = _open_tag(ent, text[start:end])
            out.append(open_html)
            stack.append((end, open_html, close_html))
        if pos < len(text):
            out.append(html.escape(text[pos], quote=False))
    return "".join(out)
