"""Which words signal danger now, and which messages were already answered (no Telegram here).

A message (its text or caption) naming one of the words gets the emergency numbers once:
`found` says which words it names, `Answered` remembers the messages already answered so an
edit of one is never answered twice (an edit that newly adds a word to a message that had none
is answered, once).
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


def found(text: str | None, words: Sequence[str]) -> list[str]:
    """The danger words `text` names, in the list's order (case-insensitive for Latin words)."""
    if not text:
        return []
    folded = text.casefold()
    return [w for w in words if w.casefold() in folded]


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
