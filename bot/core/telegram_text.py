"""Telegram's text rules, channel-neutral: UTF-16 length and the HTML parse mode (entities)."""

from __future__ import annotations

import re
from typing import Any

Entity = dict[str, Any]

TAG_TYPES: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_ENTITY_RE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[a-zA-Z][a-zA-Z0-9]{0,30});")
_TAG_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_END_TAG_RE = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)?\s*>")
_ATTR_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9_-]*")


class EntityParseError(ValueError):
    """Raised when a text cannot be parsed in the requested parse mode."""


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units, as Telegram counts it."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode("utf-8"))


def _decode_entity(src: str, i: int) -> tuple[str, int]:
    """Decode the character reference at ``src[i]`` (an ``&``); return (char, next index)."""
    match = _ENTITY_RE.match(src, i)
    if match is None:
        raise EntityParseError(
            f'Character "&" must be escaped as "&amp;" at byte offset {_byte_offset(src, i)}'
        )
    body = match.group(1)
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
        if code <= 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise EntityParseError(
                f"Invalid character reference at byte offset {_byte_offset(src, i)}"
            )
        return chr(code), match.end()
    if body not in NAMED_ENTITIES:
        raise EntityParseError(
            f'Unsupported HTML entity "&{body};" at byte offset {_byte_offset(src, i)}'
        )
    return NAMED_ENTITIES[body], match.end()


def _decode_value(src: str, raw: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] == "&":
            ch, i = _decode_entity(raw, i)
            out.append(ch)
        else:
            out.append(raw[i])
            i += 1
    return "".join(out)


def _parse_start_tag(src: str, i: int) -> tuple[str, dict[str, str], int]:
    """Parse ``<name attr=...>`` starting at ``src[i] == '<'``; return (name, attrs, end)."""
    offset = _byte_offset(src, i)
    match = _TAG_NAME_RE.match(src, i + 1)
    if match is None:
        raise EntityParseError(f'Character "<" must be escaped as "&lt;" at byte offset {offset}')
    name = match.group(0).lower()
    if name not in TAG_TYPES:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
    attrs: dict[str, str] = {}
    j = match.end()
    while True:
        while j < len(src) and src[j].isspace():
            j += 1
        if j >= len(src):
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        if src[j] == ">":
            return name, attrs, j + 1
        attr = _ATTR_NAME_RE.match(src, j)
        if attr is None:
            raise EntityParseError(
                f'Unexpected character in start tag "{name}" at byte offset {offset}'
            )
        key = attr.group(0).lower()
        j = attr.end()
        value = ""
        if j < len(src) and src[j] == "=":
            j += 1
            if j < len(src) and src[j] in "\"'":
                quote = src[j]
                end = src.find(quote, j + 1)
                if end < 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
                value = _decode_value(src, src[j + 1 : end])
                j = end + 1
            else:
                start = j
                while j < len(src) and not src[j].isspace() and src[j] not in "<>\"'":
                    j += 1
                if start == j:
                    raise EntityParseError(f"Empty attribute value at byte offset {offset}")
                value = _decode_value(src, src[start:j])
        attrs[key] = value


def _open_entity(name: str, attrs: dict[str, str], src: str, i: int) -> Entity | None:
    """Build the entity prototype for a start tag, or None for a tag that makes no entity."""
    offset = _byte_offset(src, i)
    etype = TAG_TYPES[name]
    entity: Entity = {"type": etype}
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if name == "a":
        href = attrs.get("href", "").strip()
        if not href:
            return None
        entity["url"] = href
    elif name == "code":
        lang = attrs.get("class", "")
        if lang.startswith("language-") and len(lang) > len("language-"):
            entity["language"] = lang[len("language-") :]
    elif name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        emoji_id = attrs.get("emoji-id", "")
        if not emoji_id.isdigit():
            raise EntityParseError(f"Custom emoji identifier expected at byte offset {offset}")
        entity["custom_emoji_id"] = emoji_id
    return entity


def parse_html(src: str) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML into (plain text, entities) or raise :class:`EntityParseError`."""
    out: list[str] = []
    u16 = 0
    stack: list[tuple[str, Entity | None, int]] = []
    entities: list[Entity] = []
    i = 0
    n = len(src)
    while i < n:
        ch = src[i]
        if ch == "&":
            decoded, i = _decode_entity(src, i)
            out.append(decoded)
            u16 += utf16_len(decoded)
        elif ch == ">":
            raise EntityParseError(
                f'Character ">" must be escaped as "&gt;" at byte offset {_byte_offset(src, i)}'
            )
        elif ch == "<" and src.startswith("</", i):
            match = _END_TAG_RE.match(src, i)
            offset = _byte_offset(src, i)
            if match is None:
                raise EntityParseError(f"Unclosed end tag at byte offset {offset}")
            name = (match.group(1) or "").lower()
            if not stack:
                raise EntityParseError(f'Unexpected end tag "{name}" at byte offset {offset}')
            top, proto, start = stack.pop()
            if name != top:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {offset}, expected "</{top}>", '
                    f'found "</{name}>"'
                )
            if proto is not None and u16 > start:
                entity = {**proto, "offset": start, "length": u16 - start}
                if top == "pre" and entities:
                    last = entities[-1]
                    if (
                        last["type"] == "code"
                        and last["offset"] == start
                        and last["length"] == u16 - start
                    ):
                        entities.pop()
                        if "language" in last:
                            entity["language"] = last["language"]
                if top == "code" and not _inside(stack, "pre"):
                    entity.pop("language", None)
                entities.append(entity)
            i = match.end()
        elif ch == "<":
            name, attrs, end = _parse_start_tag(src, i)
            proto = _open_entity(name, attrs, src, i)
            stack.append((name, proto, u16))
            i = end
        else:
            out.append(ch)
            u16 += 2 if ord(ch) > 0xFFFF else 1
            i += 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _inside(stack: list[tuple[str, Entity | None, int]], name: str) -> bool:
    return any(item[0] == name for item in stack)
