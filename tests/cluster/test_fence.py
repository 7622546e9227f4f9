"""Fencing: a worker whose heartbeat is late stops a chat's handling itself, FENCE seconds
before its lease runs out, so that no other worker can have started it yet."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.core.clock import ManualClock
from bot.runtime.cluster import FENCE, LEASE, Worker


async def test_a_chat_not_renewed_in_time_is_stopped_before_its_lease_ends() -> None:
    clock = ManualClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    worker = Worker(app=None, db=None, clock=clock, name="w1")  # type: ignore[arg-type]
    handling = asyncio.create_task(asyncio.Event().wait())
    now = clock.now().timestamp()
    worker.active["chat:7"] = handling
    worker.held["chat:7"] = worker.renewed["chat:7"] = now
    worker.held["chat:8"] = worker.renewed["chat:8"] = now + 2  # renewed later
    clock.advance(timedelta(seconds=LEASE - FENCE))
    worker.fence()  # just in time: both kept
    assert set(worker.held) == {"chat:7", "chat:8"}
    clock.advance(timedelta(seconds=0.5))
    worker.fence()
    assert set(worker.held) == {"chat:8"} and "chat:7" not in worker.renewed
    await asyncio.sleep(0)  # the cancellation lands
    assert handling.cancelled()
