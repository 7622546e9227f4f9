"""What an update already committed, so the error handler never calls a saved action failed.

A handler marks its update right after the commit (`Commits.mark`); if anything raises later
in the same update (a lost connection while answering, a bug), `bot.runtime.errors.on_error` finds
the mark and says the action is saved instead of "it did not complete".

A handler that does not mark (a button that changes a state: a sign-up, a consent, a ruling) is
covered too: every update's start is noted (`begin`, the first handler group) with the number
of write transactions its task had committed (`storage.db.committed_here`), and `saved` tells
the error handler whether that number moved since.
"""

from __future__ import annotations

from collections import OrderedDict

from storage.db import committed_here

KEEP = 1024  # updates remembered; errors are handled right after their update


class Commits:
    """Update id → the record it committed (its number or id), the newest KEEP kept."""

    def __init__(self) -> None:
        self._done: OrderedDict[int, str] = OrderedDict()
        self._started: OrderedDict[int, int] = OrderedDict()

    def mark(self, update_id: int, record: str) -> None:
        """Remember that this update committed `record`."""
        self._done[update_id] = record
        while len(self._done) > KEEP:
            self._done.popitem(last=False)

    def begin(self, update_id: int) -> None:
        """An update starts: remember how many writes its task had committed by now."""
        self._started[update_id] = committed_here()
        while len(self._started) > KEEP:
            self._started.popitem(last=False)

    def saved(self, update_id: int) -> bool:
        """Whether this update committed a write since it began (marked or not)."""
        if update_id in self._done:
            return True
        start = self._started.get(update_id)
        return start is not None and committed_here() > start

    def of(self, update_id: int) -> str | None:
        """The record this update committed, if any."""
        return self._done.get(update_id)
