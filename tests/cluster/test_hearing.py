"""A worker hearing of a stored update (the receiver's NOTIFY, its payload the chat key) claims
only when it must: the chat's drain under way takes it, and a chat another worker holds is left
to that worker (found by one claim; the claim every POLL seconds still looks at every chat)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from bot.core.clock import ManualClock
from bot.runtime.cluster import LEASE, Worker
from storage import inbound
from storage.db import Database

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


async def test_a_chat_under_way_takes_its_new_update_without_a_claim() -> None:
    worker = Worker(app=None, db=None, clock=ManualClock(NOW), name="a")  # type: ignore[arg-type]
    draining = asyncio.create_task(asyncio.Event().wait())
    worker.active["chat:7"] = draining
    worker.hear("chat:7")
    assert worker.heard == {"chat:7"} and not worker.wake.is_set() and not worker.wanted
    worker.hear("chat:8")  # nobody's that this worker knows of: a claim
    assert worker.wanted == {"chat:8"} and worker.wake.is_set()
    draining.cancel()


async def test_a_stopping_worker_starts_no_chat_on_hearing_of_it() -> None:
    worker = Worker(app=None, db=None, clock=ManualClock(NOW), name="a")  # type: ignore[arg-type]
    worker.held["chat:7"] = NOW.timestamp()  # idle, still this worker's
    worker.stopping = True  # its chats are about to be freed for the others
    worker.hear("chat:7")
    worker.hear("chat:8")
    assert worker.active == {} and not worker.wanted and not worker.wake.is_set()


async def test_a_chat_another_worker_holds_is_claimed_once_then_left_to_it(db: Database) -> None:
    body = json.dumps({"update_id": 1, "message": {"chat": {"id": 7}}})
    assert await inbound.store(db, 1, "chat:7", body, NOW)
    now = NOW.timestamp()
    assert await inbound.claim(db, "b", now, now + LEASE, 5) == ["chat:7"]  # b holds it
    clock = ManualClock(NOW)
    worker = Worker(app=None, db=db, clock=clock, name="a")  # type: ignore[arg-type]
    worker.hear("chat:7")
    assert worker.wake.is_set()
    assert await worker.claim() == []  # b's: nothing for a
    assert worker.others == {"chat:7": now + LEASE} and not worker.wanted
    worker.wake.clear()
    worker.hear("chat:7")  # b's next update: b hears it too; a makes no claim
    assert not worker.wake.is_set() and not worker.wanted
    await inbound.release(db, "b", ["chat:7"])  # b stopped cleanly …
    assert await worker.claim() == ["chat:7"]  # … the claim every POLL seconds takes it
    assert worker.others == {}
    worker.active["chat:7"].cancel()
    await asyncio.gather(worker.active["chat:7"], return_exceptions=True)
