"""A leader starting while other workers send (PostgreSQL): the rows they claimed a moment
ago are theirs, not put back to be sent twice; a claim older than the lease, of a worker that
is gone, is put back and sent once."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.clock import ManualClock
from bot.runtime.delivery import CLAIM_LEASE, Delivery
from storage import outbox
from storage.cluster import Session
from storage.db import Database

NOW = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)


def worker(db: Database, clock: ManualClock) -> Delivery:
    return Delivery(db, None, clock)  # type: ignore[arg-type]  # claims only: nothing rendered


async def _enqueue(db: Database, key: str) -> None:
    async with db.transaction() as conn:
        await outbox.enqueue(
            conn, chat_id=1001, kind="notice", template="t", context={}, due_at=NOW,
            dedupe_key=key, now=NOW,
        )  # fmt: skip


async def _state(db: Database, key: str) -> str:
    return str(await db.fetchval("SELECT state FROM outbox WHERE dedupe_key = ?", (key,)))


async def test_a_new_leader_leaves_a_live_workers_send_alone(url: str, db: Database) -> None:
    clock = ManualClock(NOW)
    await _enqueue(db, "reply")
    async with Database(url) as other:
        sender = worker(other, clock)  # a worker sends a reply right after its commit …
        life = await Session(url).open()
        await life.hold_claimer(sender.claimer)  # … and lives (as `minhu worker` holds it)
        item = await outbox.claim_key(other, "reply", clock.now(), sender.claimer)
        assert item is not None
        leader = worker(db, clock)  # … while a new leader starts up
        assert await leader.recover() == 0
        assert await _state(db, "reply") == "sending"  # still the worker's: not sent twice
        assert await outbox.claim(db, clock.now(), 10, leader.claimer) == []
        await life.close()  # the worker dies (SIGKILL closes its connections)
        assert await leader.recover() == 1  # at once, not after the lease
        assert await _state(db, "reply") == "pending"


async def test_a_claim_of_a_process_that_never_lived_as_a_worker_waits_for_no_lease(
    db: Database,
) -> None:
    """`minhu run` on PostgreSQL restarted: the rows its last life claimed are sent at once."""
    clock = ManualClock(NOW)
    await _enqueue(db, "old")
    before = worker(db, clock)
    assert await outbox.claim_key(db, "old", clock.now(), before.claimer) is not None
    assert await worker(db, clock).recover() == 1


async def test_a_gone_workers_claim_is_put_back_after_the_lease(db: Database) -> None:
    clock = ManualClock(NOW)
    await _enqueue(db, "lost")
    await _enqueue(db, "mine")
    gone, leader = worker(db, clock), worker(db, clock)
    assert await outbox.claim_key(db, "lost", clock.now(), gone.claimer) is not None
    assert await outbox.claim_key(db, "mine", clock.now(), leader.claimer) is not None
    clock.advance(CLAIM_LEASE)
    assert await leader.recover() == 1  # the gone worker's row, not the leader's own send
    assert await _state(db, "lost") == "pending"
    assert await _state(db, "mine") == "sending"
    again = await outbox.claim(db, clock.now(), 10, leader.claimer)
    assert [i.id for i in again] == [
        int(await db.fetchval("SELECT id FROM outbox WHERE dedupe_key = 'lost'"))
    ]
