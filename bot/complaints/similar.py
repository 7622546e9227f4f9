"""Find open complaints that say the same thing as a new one, to offer as "me too".

Chinese has no spaces, so descriptions are compared on characters. Both texts are normalised
(NFKC, lower case, no punctuation, Chinese numerals before a building word as digits, filler
and politeness words dropped, a few everyday synonyms unified), then scored 0..100 as the
larger of:

- a symmetric score: 1/4 `fuzz.ratio` on the strings plus 3/4 `fuzz.token_sort_ratio` on
  their characters and character bigrams (order-free, close to a Dice overlap);
- a containment score: 0.7 x the share of the shorter text's bigrams found in the longer, so
  a terse "电梯坏了" still finds "2号楼电梯坏了好几天没人修". It needs two distinct bigrams, so
  one- or two-character texts only match texts about as short as they are.

Texts naming different buildings, units, rooms, areas, phases or gates (3幢 / 8幢, 东门 / 南门) are
different problems — another lamp, another car — and their score is multiplied by 0.4.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

THRESHOLD = 50.0
CONTAINMENT_WEIGHT = 0.7
PLACE_PENALTY = 0.4

# Politeness, particles and words every complaint has; longer alternatives first.
_FILLER = re.compile(
    "请问|您好|你好|麻烦|谢谢|一下|希望|尽快|处理|解决|帮忙|小区|有人|那边|这边|已经|里面"
    "|请|的|了|很|又|还|吧|啊|呢|吗|呀|在|有|里"
)
_SYNONYMS = (
    (re.compile(r"消火栓"), "消防栓"),
    (re.compile(r"(?<![看听])不见|丢失"), "丢"),
    (re.compile(r"没有"), "没"),
    (re.compile(r"一个?星期|一个?礼拜|一周|(?<![十\d])七天"), "一周"),
    (re.compile(r"好?[几两三四五六七八九十多\d]+天"), "几天"),
    (re.compile(r"臭味|异味|气味|味道"), "臭"),
    (re.compile(r"噪音|噪声|声音"), "吵"),
    (re.compile(r"渗水"), "漏水"),
)
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
_CN_NUMBER = re.compile(r"([零一二两三四五六七八九十]{1,3})(?=幢|栋|号|单元|层|楼|室|期|区)")
_BUILDING = re.compile(r"(\d+)(?:栋|号楼)")
_PLACE = re.compile(r"(\d+)(幢|单元|室|区|期)|([东西南北])([门区])")


@dataclass(frozen=True)
class Candidate:
    """An open complaint in the same grid and category."""

    complaint_id: int
    number: str
    description: str


@dataclass(frozen=True)
class Match:
    """A candidate and how similar it is to the new description (0..100)."""

    candidate: Candidate
    score: float


def _cn_to_int(numeral: str) -> int:
    tens, ten, units = numeral.partition("十")
    if not ten:
        return int("".join(str(_DIGITS[c]) for c in numeral))
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0)


def normalise(text: str) -> str:
    """Reduce a description to the characters that carry its meaning."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(c for c in text if unicodedata.category(c)[0] in "LN")
    text = _CN_NUMBER.sub(lambda m: str(_cn_to_int(m.group(1))), text)
    text = _BUILDING.sub(r"\1幢", text)
    text = _FILLER.sub("", text)
    for pattern, replacement in _SYNONYMS:
        text = pattern.sub(replacement, text)
    return text


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _tokens(text: str) -> str:
    return " ".join([*text, *(text[i : i + 2] for i in range(len(text) - 1))])


def _places(text: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for number, kind, direction, side in _PLACE.findall(text):
        found.setdefault(kind or side, set()).add(number or direction)
    return found


def _places_differ(x: str, y: str) -> bool:
    px, py = _places(x), _places(y)
    return any(px[kind].isdisjoint(py[kind]) for kind in px.keys() & py.keys())


def _score(x: str, y: str) -> float:
    if not x or not y:
        return 0.0
    symmetric = 0.25 * fuzz.ratio(x, y) + 0.75 * fuzz.token_sort_ratio(_tokens(x), _tokens(y))
    bx, by = _bigrams(x), _bigrams(y)
    shorter = min(len(bx), len(by))
    contained = 100 * len(bx & by) / shorter if shorter >= 2 else 0.0
    score = max(symmetric, CONTAINMENT_WEIGHT * contained)
    return score * PLACE_PENALTY if _places_differ(x, y) else score


def similarity(a: str, b: str) -> float:
    """Score how alike two complaint descriptions are, 0..100."""
    return _score(normalise(a), normalise(b))


def find_similar(
    description: str,
    candidates: Iterable[Candidate],
    *,
    threshold: float = THRESHOLD,
    limit: int = 3,
) -> list[Match]:
    """Return up to `limit` candidates scoring at least `threshold`, best first."""
    wanted = normalise(description)
    matches = [Match(c, _score(wanted, normalise(c.description))) for c in candidates]
    matches = [m for m in matches if m.score >= threshold]
    matches.sort(key=lambda m: (-m.score, m.candidate.complaint_id))
    return matches[: max(limit, 0)]
