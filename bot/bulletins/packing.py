"""Rows packed into Telegram messages: at most 4,096 characters each, a row never split, a
section continued in the next message repeating its heading. Length is measured in UTF-16 code
units of the HTML source, never less than what Telegram counts after parsing the tags."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape, unescape

MESSAGE_LIMIT = 4096
_TAG = re.compile(r"<[^>]+>")


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Section:
    heading: str
    rows: list[str]


def pack(
    head: str,
    sections: Iterable[Section],
    foot: str,
    continued: Callable[[str], str],
    limit: int = MESSAGE_LIMIT,
) -> list[str]:
    """Pack rows into messages under `limit`; a heading never ends a message alone."""
    messages: list[str] = []
    current: list[str] = []
    size = 0

    def put(piece: str, gap: str) -> bool:
        nonlocal size
        extra = utf16_len(piece) + (utf16_len(gap) if current else 0)
        if current and size + extra > limit:
            return False
        if current:
            current.append(gap)
        current.append(piece)
        size += extra
        return True

    def flush() -> None:
        nonlocal size
        if current:
            messages.append("".join(current))
            current.clear()
            size = 0

    if not put(fit(head, limit), ""):  # pragma: no cover - the first piece always fits
        raise AssertionError
    for section in sections:
        for index, row in enumerate(section.rows):
            first = f"{section.heading}\n{row}" if index == 0 else row
            if put(fit(first, limit), "\n\n" if index == 0 else "\n"):
                continue
            flush()
            again = first if index == 0 else f"{continued(section.heading)}\n{row}"
            put(fit(again, limit), "")
    if not put(fit(foot, limit), "\n\n"):
        flush()
        put(fit(foot, limit), "")
    flush()
    return messages


def strip_tags(html: str) -> str:
    """Telegram HTML as the plain text it shows."""
    return unescape(_TAG.sub("", html))


def fit(piece: str, limit: int) -> str:
    """A piece longer than a whole message (a pathological name) loses its formatting and
    is cut, rather than being split in the middle of a tag."""
    if utf16_len(piece) <= limit:
        return piece
    plain = strip_tags(piece)
    while utf16_len(escape(plain, quote=False)) > limit - 1:
        plain = plain[: max(0, len(plain) - max(1, len(plain) // 20))]
    return escape(plain, quote=False) + "…"
