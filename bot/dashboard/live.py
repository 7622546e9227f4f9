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
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.dashboard.access import Scope
from bot.dashboard.board import case_row, today
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
    queue: asyncio.Queue[str | None] = field(  # messages as JSON text; None: the end
        default_factory=lambda: asyncio.Queue(QUEUE)
    )


class Live:
    """The poller and its listeners."""

    def __init__(self, db: Database, now: Callable[[], datetime], tz: ZoneInfo) -> None:
        self._db, self._now, self._tz = db, now, tz
        self.listeners: set[Listener] = set()
        self._mark: tuple[int, int] | None = None
        self.open: dict[int, q.CaseRow] = {}  # every open case, as last seen
        self.generation = 0  # moves whenever `open` changes
        self._encoded: dict[str, tuple[int, str]] = {}  # scope key -> (generation, JSON)
        self._today: dict[str, tuple[tuple[int, str], dict[str, int]]] = {}  # same, counts
        self._texts: dict[int, str] = {}  # open case -> its JSON array, encoded once
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
            self.open = {c.id: c for c in await q.open_cases(db, None)}
            self.generation += 1
            return 0
        ids: set[int] = set()
        if mark != self._mark:
            ids.update(await q.changed_since(db, self._mark[0], self._mark[1], limit=MOST))
            if len(ids) >= MOST:  # a flood (an import): every page loads the whole state again
                self.open = {c.id: c for c in await q.open_cases(db, None)}
                self._texts.clear()
                self.generation += 1
                self._mark, self._ruled_at = mark, now
                for listener in list(self.listeners):
                    self._put(listener, _encode({"reload": True}))
                return len(ids)
        assert self._ruled_at is not None
        ids.update(await q.ruled_since(db, self._ruled_at - timedelta(seconds=1)))
        self._ruled_at = now
        self._mark = mark
        if not ids:
            return 0
        rows = await q.cases(db, sorted(ids))
        before = {c.id: getattr(self.open.get(c.id), "zone_id", None) for c in rows}
        for c in rows:
            self._texts.pop(c.id, None)
            if c.status in OPEN_STATUSES:
                self.open[c.id] = c
            else:
                self.open.pop(c.id, None)
        self.generation += 1
        if self.listeners:
            await self._send(rows, before, now)
        return len(rows)

    async def cases_json(self, scope: Scope) -> str:
        """The open cases of a scope as a JSON array, from memory (encoded once for each
        scope and change). Without the feed running (tests), it looks first."""
        if self._task is None or self._mark is None:
            await self.look()
        found = self._encoded.get(scope.key)
        if found is not None and found[0] == self.generation:
            return found[1]
        texts = self._texts
        for case_id in self.open.keys() - texts.keys():
            texts[case_id] = _encode(case_row(self.open[case_id]))
        seen = scope.sees
        text = "[" + ",".join(texts[c.id] for c in self.open.values() if seen(c.zone_id)) + "]"
        self._encoded[scope.key] = (self.generation, text)
        return text

    async def today(self, scope: Scope) -> dict[str, int]:
        """Today's counts of a scope, counted again only after a change (or a new day)."""
        now = self._now()
        key = (self.generation, now.astimezone(self._tz).date().isoformat())
        found = self._today.get(scope.key)
        if found is None or found[0] != key:
            found = (key, await today(self._db, scope, now, self._tz))
            self._today[scope.key] = found
        return found[1]

    async def _send(
        self, rows: list[q.CaseRow], before: dict[int, int | None], now: datetime
    ) -> None:
        sent: dict[str, str | None] = {}  # scope key -> the message (None: nothing for it)
        for listener in list(self.listeners):
            scope = listener.scope
            if scope.key in sent:
                self._put(listener, sent[scope.key])
                continue
            changed, removed = [], []
            for c in rows:
                if c.status in OPEN_STATUSES and scope.sees(c.zone_id):
                    changed.append(case_row(c))
                else:
                    was = before[c.id]
                    if scope.sees(c.zone_id) or (was is not None and scope.sees(was)):
                        removed.append(c.id)
            if not changed and not removed:
                sent[scope.key] = None
                continue
            message = {
                "cases": changed,
                "removed": removed,
                "today": await self.today(scope),
                "now": now.isoformat(timespec="seconds"),
            }
            sent[scope.key] = _encode(message)
            self._put(listener, sent[scope.key])

    def _put(self, listener: Listener, message: str | None) -> None:
        if message is None:
            return
        try:
            listener.queue.put_nowait(message)
        except asyncio.QueueFull:
            log.info("a screen page fell behind; it is dropped and will reconnect")
            self._drop(listener)


def _encode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


OPEN_STATUSES = frozenset({"submitted", "accepted", "transferred", "reopened", "escalated"})
