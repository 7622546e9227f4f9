"""Several workers on one PostgreSQL database: stored updates, chats' leases, the leader."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from storage import cluster, inbound
from storage.db import Database

NOW = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
T = NOW.timestamp()
LEASE = 5.0


def body(update_id: int, chat: int) -> str:
    return json.dumps({"update_id": update_id, "message": {"chat": {"id": chat}}})


async def keep(db: Database, update_id: int, chat: int) -> bool:
    return await inbound.store(db, update_id, f"chat:{chat}", body(update_id, chat), NOW)


async def test_a_retried_update_is_stored_once(db: Database) -> None:
    assert await keep(db, 1, 7)
    assert not await keep(db, 1, 7)  # Telegram retried: acknowledged, not stored again
    assert await inbound.waiting(db) == 1


async def test_two_workers_claiming_at_once_never_hold_one_chat(url: str, db: Database) -> None:
    for update_id in range(1, 41):
        await keep(db, update_id, update_id % 20)
    async with Database(url) as other:  # another process's connections
        claims = [
            (name, inbound.claim(which, name, T, T + LEASE, 50))
            for _ in range(5)
            for which, name in ((db, "a"), (other, "b"))
        ]
        rounds = await asyncio.gather(*(claim for _, claim in claims))
    holders: dict[str, set[str]] = {}
    for (name, _), keys in zip(claims, rounds, strict=True):
        for key in keys:
            holders.setdefault(key, set()).add(name)
    assert len(holders) == 20  # every chat taken …
    assert all(len(names) == 1 for names in holders.values())  # … by one worker only
    rows = await db.fetchall("SELECT chat_key, worker FROM chat_leases")
    assert {r[0]: {r[1]} for r in rows} == holders


async def test_a_chat_is_handled_in_update_order_and_stays_with_its_worker(db: Database) -> None:
    for update_id in (30, 10, 20):
        await keep(db, update_id, 7)
    await keep(db, 15, 8)
    assert await inbound.claim(db, "a", T, T + LEASE, 1) == ["chat:7"]
    seen = []
    while (item := await inbound.next_update(db, "chat:7", "a", T, T + LEASE)) is not None:
        seen.append(item.update_id)
        assert item.body["update_id"] == item.update_id
        assert await inbound.done(db, item, "a", NOW)
    assert seen == [10, 20, 30]
    assert await db.fetchval("SELECT body FROM inbound_updates WHERE update_id = 10") == ""
    # Emptied, the chat stays a's (its conversations are in a's memory): a new update of it
    # goes to a, not to b …
    await keep(db, 40, 7)
    assert await inbound.claim(db, "b", T + 1, T + 1 + LEASE, 5) == ["chat:8"]
    assert await inbound.claim(db, "a", T + 1, T + 1 + LEASE, 5) == ["chat:7"]
    # … until a frees it (idle, or stopping): then b takes it at once.
    await inbound.release(db, "a", ["chat:7"])
    assert await inbound.claim(db, "b", T + 2, T + 2 + LEASE, 5) == ["chat:7", "chat:8"]


async def test_an_expired_lease_hands_the_chat_over(db: Database) -> None:
    await keep(db, 1, 7)
    await keep(db, 2, 7)
    assert await inbound.claim(db, "a", T, T + LEASE, 5) == ["chat:7"]
    first = await inbound.next_update(db, "chat:7", "a", T, T + LEASE)
    assert first is not None and first.update_id == 1
    # Worker a is killed mid-update: no heartbeat. Before the lease ends, nobody takes it …
    assert await inbound.claim(db, "b", T + LEASE - 1, T + 2 * LEASE, 5) == []
    # … after, b does, and begins again at the update a never finished.
    later = T + LEASE + 1
    assert await inbound.claim(db, "b", later, later + LEASE, 5) == ["chat:7"]
    again = await inbound.next_update(db, "chat:7", "b", later, later + LEASE)
    assert again is not None and (again.update_id, again.attempts) == (1, 2)
    # Were a only slow, it learns it lost the chat and cannot mark anything done.
    assert not await inbound.done(db, first, "a", NOW)
    with pytest.raises(inbound.LeaseLost):
        await inbound.next_update(db, "chat:7", "a", later, later + LEASE)
    assert await inbound.renew(db, "a", ["chat:7"], later, later + LEASE) == set()
    assert await inbound.renew(db, "b", ["chat:7"], later, later + LEASE) == {"chat:7"}
    assert await inbound.done(db, again, "b", NOW)


async def test_handled_updates_are_pruned_after_a_day(db: Database) -> None:
    await keep(db, 1, 7)
    await inbound.claim(db, "a", T, T + LEASE, 5)
    item = await inbound.next_update(db, "chat:7", "a", T, T + LEASE)
    assert item is not None and await inbound.done(db, item, "a", NOW)
    await keep(db, 2, 7)  # still waiting: never pruned
    assert await inbound.prune(db, NOW.replace(hour=21)) == 1
    assert await inbound.waiting(db) == 1


async def test_the_second_worker_leads_once_the_first_ones_connection_is_gone(url: str) -> None:
    first = await cluster.Session(url).open()
    second = await cluster.Session(url).open()
    try:
        assert await first.try_lead()
        assert not await second.try_lead()
        assert await first.alive()
        await first.close()  # the leader died: the server frees its lock
        assert not await first.alive()
        assert await second.try_lead()
    finally:
        await first.close()
        await second.close()


async def test_a_notification_wakes_a_listener(url: str, db: Database) -> None:
    session = await cluster.Session(url).open()
    heard = asyncio.Event()
    try:
        await session.listen(cluster.INBOUND, heard.set)
        await cluster.notify(db, cluster.INBOUND)
        await asyncio.wait_for(heard.wait(), 10)
    finally:
        await session.close()
    assert heard.is_set()


async def test_a_stored_update_wakes_a_listener_once(url: str, db: Database) -> None:
    session = await cluster.Session(url).open()
    heard: list[int] = []
    both = asyncio.Event()

    def hear() -> None:
        heard.append(1)
        if len(heard) == 2:
            both.set()

    try:
        await session.listen(cluster.INBOUND, hear)
        wake = cluster.channel(cluster.INBOUND, url)
        assert await inbound.store(db, 1, "chat:7", body(1, 7), NOW, wake)
        assert not await inbound.store(db, 1, "chat:7", body(1, 7), NOW, wake)  # a retry
        assert await inbound.store(db, 2, "chat:7", body(2, 7), NOW, wake)
        await asyncio.wait_for(both.wait(), 10)
        await session.conn.fetchval("SELECT 1")  # anything else in flight is in by now
    finally:
        await session.close()
    assert heard == [1, 1]  # the two new updates, not the retry
