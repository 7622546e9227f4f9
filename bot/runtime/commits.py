"""What an update already committed, so the error handler never calls a saved action failed.

A handler marks its update right after the commit (`Commits.mark`); if anything raises later
in the same update (a lost connection while answering, a bug), `bot.runtime.errors.on_error` finds
the mark and says the action is saved instead of "it did not complete".
"""

from __future__ import annotations

from collections import OrderedDict

KEEP = 1024  # updates remembered; errors are handled right after their update


class Commits:
    """Update id → the record it committed (its number or id), the newest KEEP kept."""

    def __init__(self) -> None:
        self._done: OrderedDict[int, str] = OrderedDict()

    def mark(self, update_id: int, record: str) -> None:
        """Remember that this update committed `record`."""
        self._done[update_id] = record
        while len(self._done) > KEEP:
            self._done.popitem(last=False)

    def of(self, update_id: int) -> str | None:
        """The record this update committed, if any."""
        return self._done.get(update_id)
