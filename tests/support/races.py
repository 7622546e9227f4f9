"""Two workers' transactions interleaved on purpose, to show a race (or that a lock stops it).

`meet(dbs, after)` holds each Database's next transaction right after its first statement
containing `after`, until every other one reached the same point too — the interleaving in
which a read-then-write race does its harm — or waits for a row lock one of them holds
(PostgreSQL; the lock that prevents the race). Then all go on. No timing decides the
interleaving: the held transactions wait for each other, or for the server to report the
lock wait, which the test polls.

SQLite has one writer (BEGIN IMMEDIATE): a second transaction cannot even begin while the
first one is open, so the interleaving is PostgreSQL's only; on SQLite the tests run the same
calls concurrently without holding anything.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from storage.db import Database

PATIENCE = 60.0  # seconds (a shared, busy machine) before a test gives up on the meeting


class _Held:
    """A connection whose statements run as usual; the one containing `after` then waits."""

    def __init__(self, raw: Any, on_reached: Any, after: str) -> None:
        self._raw, self._on_reached, self._after = raw, on_reached, after
        self.done = False

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return _Awaitable(self._execute(sql, params))

    async def _execute(self, sql: str, params: Sequence[Any]) -> Any:
        cur = await self._raw.execute(sql, params)
        if not self.done and self._after in sql:
            self.done = True
            await self._on_reached()
        return cur

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class _Awaitable:
    def __init__(self, run: Any) -> None:
        self._run = run

    def __await__(self) -> Any:
        return self._run.__await__()

    async def __aenter__(self) -> Any:
        return await self._run

    async def __aexit__(self, *exc: object) -> None:
        return None


class Meeting:
    """See the module's docstring. `reached` counts the transactions that got to the point;
    `lock_waits` the times one found another waiting on a lock instead."""

    def __init__(self, dbs: Sequence[Database], after: str) -> None:
        self.dbs, self.after = list(dbs), after
        self.reached = 0
        self.lock_waits = 0
        self._all = asyncio.Event()

    async def _waiting_for_locks(self) -> int:
        return int(
            await self.dbs[0].fetchval(
                "SELECT COUNT(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )

    async def _on_reached(self) -> None:
        self.reached += 1
        if self.reached >= len(self.dbs):
            self._all.set()
            return
        deadline = time.monotonic() + PATIENCE
        while not self._all.is_set():
            missing = len(self.dbs) - self.reached
            if await self._waiting_for_locks() >= missing:
                self.lock_waits += 1
                return  # the others wait for what this transaction holds: go on
            assert time.monotonic() < deadline, "the other transactions never came"
            await asyncio.sleep(0.01)  # polling the server's lock table, not timing a race

    def hold(self, db: Database) -> None:
        """Hold `db`'s transactions at the meeting point (each once)."""
        plain = db.transaction
        meeting = self

        @asynccontextmanager
        async def transaction() -> AsyncIterator[Any]:
            async with plain() as raw:
                yield _Held(raw, meeting._on_reached, meeting.after)

        db.transaction = transaction  # type: ignore[method-assign]


def meet(dbs: Sequence[Database], after: str) -> Meeting:
    """Hold each database's transactions after their first statement containing `after`."""
    meeting = Meeting(dbs, after)
    if all(db.backend == "postgres" for db in dbs):
        for db in dbs:
            meeting.hold(db)
    return meeting
