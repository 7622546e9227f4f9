"""Which words signal danger now, and which messages were already answered (no Telegram here).

A message (its text or caption) naming one of the words (not only as a fear: "万一着火") gets
the emergency numbers once: `found` says which words it names, `Answered` remembers the
messages already answered so an edit of one is never answered twice (an edit that newly adds a
word to a message that had none is answered, once).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# The default list (MINHU_EMERGENCY_WORDS replaces it): fire, gas, electricity, water, road,
# violence and calls for help — words a resident uses when someone is in danger now.
DEFAULT_WORDS: tuple[str, ...] = (
    "着火",
    "失火",
    "火灾",
    "起火",
    "冒烟",
    "煤气",
    "燃气泄漏",
    "漏气",
    "触电",
    "溺水",
    "落水",
    "救命",
    "车祸",
    "撞人",
    "打架",
    "打人",
    "持刀",
    "晕倒",
    "昏迷",
    "被困",
)
# How many answered messages a chat remembers (edits come soon after the message).
REMEMBERED = 50
# A group hears the numbers at most once in this window (a group talking about one fire
# should not get them under every message).
GROUP_QUIET = timedelta(minutes=10)


def parse_words(text: str) -> tuple[str, ...]:
    """A configured list: words separated by commas (, or ，); blanks dropped, order kept."""
    words: list[str] = []
    for part in text.replace("，", ",").split(","):
        word = part.strip()
        if word and word not in words:
            words.append(word)
    return tuple(words)


# A word after one of these in the same clause is a worry, not a danger now: "消防通道被堵，
# 万一着火就麻烦了" is a complaint about a fire lane. Any other mention of the word still counts.
HYPOTHETICAL = (
    "万一",
    "如果",
    "要是",
    "假如",
    "一旦",
    "防止",
    "预防",
    "以防",
    "避免",
    "担心",
    "怕",
)
CLAUSE_ENDS = "，。！？；,.!?;\n"
WINDOW = 8  # characters before the word searched for a hypothetical marker


def _hypothetical(text: str, at: int) -> bool:
    before = text[max(0, at - WINDOW) : at]
    for end in CLAUSE_ENDS:
        before = before.rsplit(end, 1)[-1]
    return any(marker in before for marker in HYPOTHETICAL)


def _named(folded: str, word: str) -> bool:
    start = folded.find(word)
    while start >= 0:
        if not _hypothetical(folded, start):
            return True
        start = folded.find(word, start + 1)
    return False


def found(text: str | None, words: Sequence[str]) -> list[str]:
    """The danger words `text` names as happening (not only feared: "万一着火"), in the list's
    order (case-insensitive for Latin words)."""
    if not text:
        return []
    folded = text.casefold()
    return [w for w in words if _named(folded, w.casefold())]


@dataclass
class Answered:
    """The ids of a chat's messages already answered, the newest last (bounded)."""

    ids: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, stored: Iterable[int] | None) -> Answered:
        return cls([int(i) for i in stored or ()][-REMEMBERED:])

    def first_time(self, message_id: int) -> bool:
        """Whether this message is answered now for the first time (and remember it if so)."""
        if message_id in self.ids:
            return False
        self.ids.append(message_id)
        del self.ids[:-REMEMBERED]
        return True


def group_may_hear(last: datetime | None, now: datetime) -> bool:
    """Whether a group may get the numbers now, given when it last got them."""
    return last is None or now - last >= GROUP_QUIET
