"""Helpers for the delivery tests: many people at once, outbox rows, waiting on conditions."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from storage import broadcasts, outbox
from storage.db import Database
from tests.support.databases import raw_connection
from tests.support.e2e import BOT_ID

POSTGRES_IDS = 10_000_000  # added to a test's first id on PostgreSQL


def add_people(client: httpx.Client, database: Path | str, first_id: int, count: int) -> list[int]:
    """`count` consented residents in the database, each with an open chat in the emulator.

    The emulator lives the whole session, so the [postgres] run of a test takes other ids than
    its [sqlite] run (their messages would be counted together)."""
    if str(database).startswith(("postgresql://", "postgres://")):
        first_id += POSTGRES_IDS
    client.post(
        "/api/users/bulk",
        json={
            "bot": BOT_ID,
            "count": count,
            "start_id": first_id,
            "first_name": "居民",
            "started": True,
            "language_code": "zh-hans",
        },
    ).raise_for_status()
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    ids = list(range(first_id, first_id + count))
    with raw_connection(database) as db:
        grid = db.execute("SELECT id FROM grids ORDER BY id LIMIT 1").fetchone()[0]
        db.executemany(
            "INSERT INTO people (id, first_name, language, grid_id, consented_at, created_at,"
            " updated_at) VALUES (?, '居民', 'zh-CN', ?, ?, ?, ?)",
            [(i, grid, stamp, stamp, stamp) for i in ids],
        )
    return ids


def broadcast(database: Path | str, text: str, urgent: bool = False) -> tuple[int, int]:
    """A broadcast to everyone, written as the /broadcast command would."""

    async def run() -> tuple[int, int]:
        async with Database(database) as db:
            return await broadcasts.create(
                db,
                created_by=1,
                audience=broadcasts.Audience("everyone"),
                text=text,
                photo_file_id=None,
                urgent=urgent,
                now=datetime.now(UTC),
            )

    return asyncio.run(run())


def reminders(
    database: Path | str, ids: list[int], *, due_ago: float, expires_in: float, tag: str
) -> None:
    """One reminder per person, due in the past; expiring `expires_in` seconds from now."""

    async def run() -> None:
        now = datetime.now(UTC)
        async with Database(database) as db, db.transaction() as conn:
            for uid in ids:
                await outbox.enqueue(
                    conn,
                    chat_id=uid,
                    kind="reminder",
                    template="notices.reminder",
                    context={"language": "zh-CN", "text": f"{tag} 提醒"},
                    due_at=now - timedelta(seconds=due_ago),
                    dedupe_key=f"{tag}:{uid}",
                    now=now,
                    expires_at=now + timedelta(seconds=expires_in),
                )

    asyncio.run(run())


def outbox_states(database: Path | str) -> dict[str, int]:
    with raw_connection(database) as db:
        return dict(db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())


def broadcast_status(database: Path | str, broadcast_id: int) -> str:
    """'sending' until the progress job sees no row pending or sending, then 'done'."""
    with raw_connection(database) as db:
        row = db.execute("SELECT status FROM broadcasts WHERE id = ?", (broadcast_id,)).fetchone()
    return str(row[0])


def bot_message_counts(client: httpx.Client) -> dict[int, int]:
    r = client.get("/api/stats/bot-messages", params={"bot": BOT_ID})
    r.raise_for_status()
    return {int(k): int(v) for k, v in r.json()["counts"].items()}


def wait_until(condition, client: httpx.Client, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    """Re-check `condition` each time the emulator sees something happen (long poll)."""
    deadline = time.monotonic() + timeout
    seq = int(client.get("/api/events", params={"after_seq": 1 << 40}).json()["seq"])
    while not condition():
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out waiting for {what}")
        r = client.get(
            "/api/events", params={"after_seq": seq, "timeout": min(2.0, left)}, timeout=10
        )
        seq = max(seq, int(r.json()["seq"]))
