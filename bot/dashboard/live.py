"""The live feed: one poller per server process asks the database what changed (a cheap
watermark every half second — so a change made by another process is seen too) and hands
each open page the changed cases its scope may see, with today's counts of that scope.

A page that stops reading (its queue full) is dropped; it reconnects and reloads. A case that
left a scope (closed, or moved to another zone) is sent as removed only to the scopes that
saw it before — another zone's page never learns of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.dashboard.access import Scope
from bot.dashboard.board import case_row, day_start
from storage import dashboard_board as q
from storage.db import Database

log = logging.getLogger(__name__)

INTERVAL = 0.5  # seconds between looks at the database
QUEUE = 200  # messages a page may be behind before it is dropped
MOST = 2000  # changed cases read in one look


@dataclass(eq=False)
class Listener:
    """One open page."""

    scope: Scope
    queue: asyncio.Queue[dict[str, Any] | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE)
    )


class Live:
    """The poller and its listeners."""

    def __init__(self, db: Database, now: Callable[[], datetime], tz: ZoneInfo) -> None:
        self._db, self._now, self._tz = db, now, tz
        self.listeners: set[Listener] = set()
        self._mark: tuple[int, int] | None = None
        self._zone_of: dict[int, int] = {}  # open case -> its zone, as last seen
        self._ruled_at: datetime | None = None
        self._task: asyncio.Task[None] | None = None
        self.looks = 0  # how many times the database was asked (tests and the benchmark)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="minhu-screen-live")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for listener in list(self.listeners):
            self._drop(listener)

    def listen(self, scope: Scope) -> Listener:
        listener = Listener(scope)
        self.listeners.add(listener)
        return listener

    def _drop(self, listener: Listener) -> None:
        self.listeners.discard(listener)
        while not listener.queue.empty():  # what it did not read is of no use now
            listener.queue.get_nowait()
        listener.queue.put_nowait(None)  # the page's stream ends

    def leave(self, listener: Listener) -> None:
        self.listeners.discard(listener)

    async def _run(self) -> None:
        while True:
            try:
                await self.look()
            except Exception:  # a locked or busy database: look again at the next tick
                log.exception("the screen's live feed could not read the database")
            await asyncio.sleep(INTERVAL)

    async def look(self) -> int:
        """One look: send what changed since the last; how many cases changed."""
        self.looks += 1
        db, now = self._db, self._now()
        mark = await q.watermark(db)
        if self._mark is None:
            self._mark, self._ruled_at = mark, now
            self._zone_of = {c.id: c.zone_id for c in await q.open_cases(db, None)}
            return 0
        ids: set[int] = set()
        if mark != self._mark:
            ids.update(await q.changed_since(db, self._mark[0], self._mark[1], limit=MOST))
        assert self._ruled_at is not None
        ids.update(await q.ruled_since(db, self._ruled_at - timedelta(seconds=1)))
        self._ruled_at = now
        self._mark = mark
        if not ids:
            return 0
        rows = await q.cases(db, sorted(ids))
        before = {c.id: self._zone_of.get(c.id) for c in rows}
        for c in rows:
            if c.status in OPEN_STATUSES:
                self._zone_of[c.id] = c.zone_id
            else:
                self._zone_of.pop(c.id, None)
        if self.listeners:
            await self._send(rows, before, now)
        return len(rows)

    async def _send(
        self, rows: list[q.CaseRow], before: dict[int, int | None], now: datetime
    ) -> None:
        today: dict[str, dict[str, int]] = {}
        for listener in list(self.listeners):
            scope = listener.scope
            changed, removed = [], []
            for c in rows:
                if c.status in OPEN_STATUSES and scope.sees(c.zone_id):
                    changed.append(case_row(c))
                else:
                    was = before[c.id]
                    if scope.sees(c.zone_id) or (was is not None and scope.sees(was)):
                        removed.append(c.id)
            if not changed and not removed:
                continue
            if scope.key not in today:
                new, accepted, closed = await q.today(
                    self._db, scope.zones, day_start(now, self._tz)
                )
                today[scope.key] = {"new": new, "accepted": accepted, "closed": closed}
            message = {
                "cases": changed,
                "removed": removed,
                "today": today[scope.key],
                "now": now.isoformat(timespec="seconds"),
            }
            try:
                listener.queue.put_nowait(message)
            except asyncio.QueueFull:
                log.info("a screen page fell behind; it is dropped and will reconnect")
                self._drop(listener)


OPEN_STATUSES = frozenset({"submitted", "accepted", "transferred", "reopened", "escalated"})
