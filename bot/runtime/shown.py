"""What this process last put into the messages it edited, so that it never sends Telegram an
edit that changes nothing ("message is not modified", a 400).

A button pressed twice before the first press's edit arrives — or an update handled twice —
runs the same handler twice, and the second run would make the same edit again: the kit's
edits (handlers/kit/edits.py) ask here first and skip it. Per process and bounded: after a
restart the worst case is the one refused edit, which the kit still tolerates.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

Key = tuple[int, int]  # (chat id, message id)
SIZE = 4096  # messages remembered (the most recently edited)


@dataclass
class Shown:
    """The last text (None: not known) and inline keyboard (JSON, "" for none) per message."""

    size: int = SIZE
    _last: OrderedDict[Key, tuple[str | None, str]] = field(default_factory=OrderedDict)

    def unchanged(self, key: Key, *, text: str | None, markup: str) -> bool:
        """Whether an edit to `text` (None: the keyboard alone) and `markup` would change
        nothing we know of."""
        last = self._last.get(key)
        if last is None or last[1] != markup:
            return False
        return text is None or text == last[0]

    def record(self, key: Key, *, text: str | None, markup: str) -> None:
        """The message now shows `text` (None: as before) and `markup`."""
        before = self._last.pop(key, (None, ""))
        self._last[key] = (before[0] if text is None else text, markup)
        while len(self._last) > self.size:
            self._last.popitem(last=False)
