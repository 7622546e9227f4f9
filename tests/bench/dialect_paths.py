"""The statements the dialect row times, and the four ways it runs them (tests/bench/dialect.py).

The statements (tests/bench/dialect_sql.py, read from storage/ itself) are a report's hot
path: reading a person and their conversations, the submit transaction (the submission key's
lock and look-up, the year's counter, the complaint, two photo rows, its event, the submission,
the reply in the outbox), the conversation state saved, the reply's claim and finish, and an
update's life on PostgreSQL (stored, its chat claimed, taken, done). One script of actions
(`ACTIONS`) runs them through any `Way`:

- "ours": storage.postgres (the translator and its cache, our asyncpg pool, the aiosqlite-like
  cursor), given the SQLite texts as the storage modules do;
- "raw": asyncpg with the same statements hand-written in PostgreSQL's dialect (the floor);
- "sa_text": SQLAlchemy 2 async over asyncpg, the hand-written PostgreSQL texts as `text()`;
- "sa_core": SQLAlchemy 2 async, each statement built as a Core construct on every call, as a
  storage function written with Core would (tables reflected once at start; `dialect_core`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from storage.submissions import LOCKS
from tests.bench.dialect_sql import KIND, OURS, RAW, Outcome


class Way:
    """How statements run: `read` outside a transaction, `tx()` a write transaction whose
    `run`/`many` take the key of a statement and its parameters; each call is timed."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {k: [] for k in RAW}

    async def open(self, url: str) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def _read(self, key: str, params: tuple[Any, ...]) -> list[Any]:
        raise NotImplementedError

    def _tx(self) -> Any:
        raise NotImplementedError

    async def read(self, key: str, params: tuple[Any, ...]) -> list[Any]:
        t0 = time.perf_counter()
        rows = await self._read(key, params)
        self.samples[key].append(time.perf_counter() - t0)
        return rows

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Tx]:
        async with self._tx() as conn:
            yield Tx(self, conn)

    async def run(self, conn: Any, key: str, params: tuple[Any, ...]) -> Outcome:
        raise NotImplementedError

    async def many(self, conn: Any, key: str, rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError


class Tx:
    """One transaction of a `Way`: its statements, timed each."""

    def __init__(self, way: Way, conn: Any) -> None:
        self.way, self.conn = way, conn

    async def run(self, key: str, params: tuple[Any, ...]) -> Outcome:
        t0 = time.perf_counter()
        done = await self.way.run(self.conn, key, params)
        self.way.samples[key].append(time.perf_counter() - t0)
        return done

    async def many(self, key: str, rows: list[tuple[Any, ...]]) -> None:
        t0 = time.perf_counter()
        await self.way.many(self.conn, key, rows)
        self.way.samples[key].append(time.perf_counter() - t0)


class Ours(Way):
    """storage.postgres, counting its translator's calls (and cache hits)."""

    async def open(self, url: str) -> None:
        from storage.postgres import PostgresDatabase

        class Counted(PostgresDatabase):
            calls = 0

            def statement(self, sql: str, *, many: bool = False) -> Any:
                self.calls += 1
                return super().statement(sql, many=many)

        self.db = await Counted(url).open()

    async def close(self) -> None:
        await self.db.close()

    def cache(self) -> dict[str, int]:
        """Translator calls, translations made (cache misses) and parameter-type look-ups."""
        made = len(self.db._statements)
        return {
            "calls": self.db.calls,
            "translated": made,
            "hits": self.db.calls - made,
            "types_asked": len(self.db._types),
        }

    async def _read(self, key: str, params: tuple[Any, ...]) -> list[Any]:
        return await self.db.fetchall(OURS[key], params)

    def _tx(self) -> Any:
        return self.db.transaction()

    async def run(self, conn: Any, key: str, params: tuple[Any, ...]) -> Outcome:
        cur = await conn.execute(OURS[key], params)
        return await cur.fetchall(), cur.rowcount, cur.lastrowid

    async def many(self, conn: Any, key: str, rows: list[tuple[Any, ...]]) -> None:
        await conn.executemany(OURS[key], rows)


async def _no_reset(conn: Any) -> None:
    return None  # as storage.postgres: no round trip on each release


class Raw(Way):
    """asyncpg's pool, PostgreSQL's own texts."""

    async def open(self, url: str) -> None:
        import asyncpg  # type: ignore[import-untyped]

        self.pool = await asyncpg.create_pool(url, min_size=1, max_size=5, reset=_no_reset)

    async def close(self) -> None:
        await self.pool.close()

    async def _read(self, key: str, params: tuple[Any, ...]) -> list[Any]:
        async with self.pool.acquire() as conn:
            return list(await conn.fetch(RAW[key], *params))

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[Any]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield conn

    async def run(self, conn: Any, key: str, params: tuple[Any, ...]) -> Outcome:
        kind = KIND[key]
        if kind == "id":
            return [], 1, await conn.fetchval(RAW[key], *params)
        if kind == "rows":
            rows = await conn.fetch(RAW[key], *params)
            return list(rows), len(rows), None
        status = await conn.execute(RAW[key], *params)
        return [], int(status.rsplit(" ", 1)[-1]) if status[-1:].isdigit() else -1, None

    async def many(self, conn: Any, key: str, rows: list[tuple[Any, ...]]) -> None:
        await conn.executemany(RAW[key], rows)


def _named(text: str) -> str:
    return re.sub(r"\$(\d+)", r":p\1", text)


def _binds(params: tuple[Any, ...]) -> dict[str, Any]:
    return {f"p{i}": v for i, v in enumerate(params, 1)}


class SqlAlchemy(Way):
    """SQLAlchemy 2 async over asyncpg: `text()` of the hand-written texts, or (core=True)
    Core constructs built per call (dialect_core). Reads on an AUTOCOMMIT engine: no BEGIN and
    ROLLBACK around a lone SELECT, as our pool and the floor send none."""

    def __init__(self, core: bool) -> None:
        super().__init__()
        self.core = core

    async def open(self, url: str) -> None:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        self.engine = create_async_engine(
            url.replace("postgresql://", "postgresql+asyncpg://"), pool_size=5
        )
        self.reads = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.texts = {k: text(_named(v)) for k, v in RAW.items()}
        if self.core:
            from tests.bench import dialect_core

            self.build = await dialect_core.builders(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()

    def _statement(self, key: str, params: tuple[Any, ...]) -> tuple[Any, Any]:
        if self.core:
            return self.build[key](*params)
        return self.texts[key], _binds(params)

    async def _read(self, key: str, params: tuple[Any, ...]) -> list[Any]:
        async with self.reads.connect() as conn:
            return list((await conn.execute(*self._statement(key, params))).all())

    def _tx(self) -> Any:
        return self.engine.begin()

    async def run(self, conn: Any, key: str, params: tuple[Any, ...]) -> Outcome:
        result = await conn.execute(*self._statement(key, params))
        kind = KIND[key]
        if kind == "id":
            return [], 1, result.scalar_one()
        if kind == "rows":
            rows = list(result.all())
            return rows, len(rows), None
        return [], result.rowcount, None

    async def many(self, conn: Any, key: str, rows: list[tuple[Any, ...]]) -> None:
        if self.core:
            statement, _ = self.build[key](*rows[0])
            await conn.execute(statement, [self.build[key](*r)[1] for r in rows])
        else:
            await conn.execute(self.texts[key], [_binds(r) for r in rows])


WAYS: dict[str, Callable[[], Way]] = {
    "ours": Ours,
    "raw": Raw,
    "sa_text": lambda: SqlAlchemy(core=False),
    "sa_core": lambda: SqlAlchemy(core=True),
}


class Town:
    """What the actions need of the database: a person, a category and grid, a chat, and the
    iteration's unique numbers (`seed` keeps processes apart)."""

    def __init__(self, person: int, category: int, grid: int, seed: int) -> None:
        self.person, self.category, self.grid, self.seed = person, category, grid, seed
        self.chat, self.worker = f"bench-{seed}", f"w{seed}"


async def read(way: Way, town: Town, u: int) -> None:
    await way.read("people.get", (town.person,))
    await way.read("conversations_of", (f"[{town.person},%", f"[{town.person}]"))


def _key(town: Town, u: int) -> str:
    return f"b{town.seed}-{u}"


async def report(way: Way, town: Town, u: int) -> None:
    key, stamp, person = _key(town, u), datetime.now(UTC).isoformat(), town.person
    async with way.tx() as t:
        await t.run("submission.lock", (LOCKS, key))
        await t.run("submission.find", (key,))
        await t.run("counter.upsert", ("complaint:2099", 1))
        rows, _, _ = await t.run("counter.read", ("complaint:2099",))
        number = f"MH-2099-{rows[0][0]:06d}"
        _, _, cid = await t.run(
            "complaint.insert",
            (
                number,
                "complaint",
                town.category,
                town.grid,
                person,
                0,
                "路灯坏了",
                None,
                None,
                None,
                None,
                None,
                stamp,
                stamp,
            ),
        )
        await t.many("photos.insert", [(cid, f"f{key}-{j}", f"u{key}-{j}", j) for j in (0, 1)])
        await t.run("event.insert", (cid, stamp, person))
        await t.run("submission.record", (key, "complaint", cid, stamp))
        context = json.dumps({"language": "zh", "number": number}, ensure_ascii=False)
        await t.run(
            "outbox.enqueue",
            (
                person,
                0,
                "report.submitted",
                "report.submitted",
                context,
                stamp,
                None,
                f"submitted:{key}",
                None,
                stamp,
            ),
        )
    async with way.tx() as t:
        await t.many("state.save", [("report", json.dumps([person, person]), json.dumps(u % 7))])


async def outbox(way: Way, town: Town, u: int) -> None:
    stamp = datetime.now(UTC).isoformat()
    async with way.tx() as t:
        rows, _, _ = await t.run(
            "outbox.claim_key", ("bench", stamp, f"submitted:{_key(town, u)}", stamp)
        )
    if len(rows) != 1:
        raise AssertionError(f"the reply of {_key(town, u)} was not claimed")
    async with way.tx() as t:
        await t.run("outbox.finish", ("sent", None, "sent", stamp, rows[0][0]))


async def update(way: Way, town: Town, u: int) -> None:
    stamp, chat, worker = datetime.now(UTC).isoformat(), town.chat, town.worker
    update_id = town.seed * 1_000_000 + u
    async with way.tx() as t:
        await t.run("update.store", (update_id, chat, '{"message": {}}', stamp))
        await t.run("lease.insert", (chat,))
    now = time.time()
    async with way.tx() as t:
        rows, _, _ = await t.run("chat.claim", (worker, now + 10, now, worker, 1))
    async with way.tx() as t:
        _, held, _ = await t.run("lease.renew", (now + 10, chat, worker, now))
        taken, _, _ = await t.run("update.next", (chat,))
    async with way.tx() as t:
        await t.run("update.done", (stamp, update_id, chat, worker))
    if [r[0] for r in rows] != [chat] or held != 1 or taken[0][0] != update_id:
        raise AssertionError(f"update {update_id}: claimed {rows}, held {held}, took {taken}")


Action = Callable[[Way, Town, int], Awaitable[None]]
ACTIONS: dict[str, tuple[Action, tuple[str, ...]]] = {
    "read": (read, ("people.get", "conversations_of")),
    "report": (
        report,
        (
            "submission.lock",
            "submission.find",
            "counter.upsert",
            "counter.read",
            "complaint.insert",
            "photos.insert",
            "event.insert",
            "submission.record",
            "outbox.enqueue",
            "state.save",
        ),
    ),
    "outbox": (outbox, ("outbox.claim_key", "outbox.finish")),
    "update": (
        update,
        ("update.store", "lease.insert", "chat.claim", "lease.renew", "update.next", "update.done"),
    ),
}
