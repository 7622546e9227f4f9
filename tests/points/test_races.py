"""Two workers (two Database objects, as two processes) spending at the same moment: a
resident's balance is never spent twice and the last unit of stock goes to one of them.
On PostgreSQL the two transactions are held side by side (tests/support/races.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.points import ledger
from bot.points.rules import Cause, Stale
from storage import points as store
from storage.db import Database
from tests.support.races import meet

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
NewDatabase = Callable[..., Awaitable["str | Path"]]
PERSON = 100001
BALANCE = "SELECT COALESCE(SUM(amount), 0) FROM points_ledger WHERE person_id = ?"


async def _town(address: str | Path, points: int) -> None:
    async with Database(address) as db, db.transaction() as conn:
        stamp = NOW.isoformat()
        await conn.execute(
            "INSERT INTO people (id, first_name, language, consented_at, created_at, updated_at) "
            "VALUES (?, '王阿姨', 'zh-CN', ?, ?, ?)",
            (PERSON, stamp, stamp, stamp),
        )
        await ledger.credit(conn, PERSON, points, Cause.ACTIVITY, now=NOW, ref="a1")


async def _spend(db: Database, amount: int, ref: str) -> int | None:
    """The balance left, or None when refused."""
    try:
        async with db.transaction() as conn:
            return await ledger.debit(conn, PERSON, amount, Cause.REDEEM, now=NOW, ref=ref)
    except Stale:
        return None


async def test_two_workers_spending_one_balance_at_once_never_spend_it_twice(
    new_database: NewDatabase,
) -> None:
    address = await new_database("race.db")
    await _town(address, 100)
    async with Database(address) as one, Database(address) as two:
        meeting = meet([one, two], BALANCE)
        results = await asyncio.gather(_spend(one, 80, "r1"), _spend(two, 80, "r2"))
        assert sorted(results, key=lambda r: r is None) == [20, None]  # one spent, one refused
        assert await store.balance(one, PERSON) == 20  # never below zero
        if one.backend == "postgres":  # the second waited for the first one's lock
            assert meeting.lock_waits == 1


async def test_two_workers_taking_the_last_unit_of_stock_leave_none_below_zero(
    new_database: NewDatabase,
) -> None:
    address = await new_database("stock.db")
    await _town(address, 100)
    async with Database(address) as db, db.transaction() as conn:
        item = await store.add_item(
            conn, title="理发券", points=10, stock=1, zone_id=None, provider_id=None,
            by=PERSON, now=NOW,
        )  # fmt: skip

    async def take(db: Database) -> bool:
        async with db.transaction() as conn:
            return await store.take_stock(conn, item)

    async with Database(address) as one, Database(address) as two:
        meet([one, two], "UPDATE points_items SET stock")
        taken = await asyncio.gather(take(one), take(two))
        assert sorted(taken) == [False, True]
        found = await store.item(one, item)
        assert found is not None and found.stock == 0


async def test_two_people_using_one_family_invite_at_once_use_it_once(
    new_database: NewDatabase,
) -> None:
    address = await new_database("invite.db")
    await _town(address, 0)
    async with Database(address) as db, db.transaction() as conn:
        await store.add_invite(conn, "ABCD2345", PERSON, NOW, NOW + timedelta(days=1))

    async def use(db: Database) -> bool:
        """Whether this one got the invitation (it was not used already)."""
        async with db.transaction() as conn:
            found = await store.take_invite(conn, "ABCD2345", NOW)
            assert found is not None and found[0] == PERSON
            return not found[2]

    async with Database(address) as one, Database(address) as two:
        meeting = meet([one, two], "family_invites")
        used = await asyncio.gather(use(one), use(two))
        assert sorted(used) == [False, True]  # one family link, not two
        if one.backend == "postgres":
            assert meeting.lock_waits == 1
