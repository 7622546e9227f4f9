"""The rules of /nearby, plain Python: which grids are neighbours, what of a case neighbours
read, and how the list is paged.

Neighbours of a grid are the grids of its community and those whose boundaries touch it
(a corner of one within `TOUCH` of an edge of the other). A case is shown by its category,
status, age, "me too" count and the first words of its description with phone numbers,
long digit runs (ID cards, plates), room numbers and "王阿姨"-style names masked; never its
reporter, address, location or photos.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.places.geometry import Point, Polygon, box, distance, edges

SOLVED_DAYS = 30  # recently solved: resolved or closed within this many days
SHORT_TEXT = 40  # characters of the description shown
PAGE_SIZE = 5  # cases a page
TOUCH = 1e-5  # degrees (~1 m): boundaries this close touch


_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    # phones, ID cards, plates' digits, however they are split (spaces, dashes, dots, slashes,
    # brackets, middle dots; full-width ones too)
    (re.compile(r"[+＋]?\(?\d[\d\s\-.．/／·・()（）－]{5,}\d"), "＊＊＊"),
    (re.compile(r"\d+\s*(?:室|号房|户)"), "＊＊室"),
    (
        re.compile(
            r"[\u4e00-\u9fff](?=(?:阿姨|叔叔|大爷|大妈|大伯|大娘|奶奶|爷爷|阿婆|阿公"
            r"|先生|女士|小姐|师傅|老师|医生|老板|书记|主任))"
        ),
        "某",
    ),
    (re.compile(r"(?<=[老小])[\u4e00-\u9fff](?=家|说|的|在|他|她)"), "某"),
)


def public_text(description: str, limit: int = SHORT_TEXT) -> str:
    """The first words of a description as neighbours read them: masked, then shortened."""
    text = " ".join(description.split())
    for pattern, mask in _MASKS:
        text = pattern.sub(mask, text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def age_days(created_at: datetime, now: datetime) -> int:
    """Whole days since the case was filed (0 on the day itself)."""
    return max(0, (now - created_at) // timedelta(days=1))


def solved_since(now: datetime) -> datetime:
    """Cases solved after this moment still count as recently solved."""
    return now - timedelta(days=SOLVED_DAYS)


@dataclass(frozen=True)
class Page:
    number: int  # 0-based, clamped to the pages there are
    count: int  # pages in all (at least 1)
    start: int
    stop: int


def page_of(total: int, wanted: int, size: int = PAGE_SIZE) -> Page:
    """The page `wanted` of `total` items (a page beyond the last shows the last)."""
    count = max(1, -(-total // size))
    number = min(max(0, wanted), count - 1)
    return Page(number, count, number * size, min(total, (number + 1) * size))


def _corners(polygons: Sequence[Polygon]) -> Iterator[Point]:
    for polygon in polygons:
        for ring in polygon:
            for p in ring:
                yield (p[0], p[1])


def touching(a: Sequence[Polygon], b: Sequence[Polygon], tolerance: float = TOUCH) -> bool:
    """Whether two grids' boundaries touch: boxes within reach, and a corner of one on an
    edge of the other."""
    if not a or not b:
        return False
    ax0, ay0, ax1, ay1 = box(a)
    bx0, by0, bx1, by1 = box(b)
    if ax0 > bx1 + tolerance or bx0 > ax1 + tolerance:
        return False
    if ay0 > by1 + tolerance or by0 > ay1 + tolerance:
        return False
    for first, second in ((a, b), (b, a)):
        edges_of = list(edges(second))
        for corner in _corners(first):
            if any(distance(corner, e) <= tolerance for e in edges_of):
                return True
    return False
