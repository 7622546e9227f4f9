"""The points ledger: any sequence of credits, debits, refunds and corrections keeps the
balance equal to the sum of the rows and never below zero; a refused debit writes nothing; a
row is never changed; the table itself refuses a row that would go negative."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.points import ledger
from bot.points.rules import Cause, Stale
from storage import points as store
from storage.db import Database

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
NewDatabase = Callable[..., Awaitable["str | Path"]]
PERSON = 100001

steps = st.lists(
    st.tuples(
        st.sampled_from(["credit", "debit", "refund", "correct"]),
        st.integers(min_value=-300, max_value=300),
    ),
    max_size=40,
)


async def _with_person(path: str | Path) -> Database:
    db = await Database(path).open()
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO people (id, first_name, language, consented_at, created_at, updated_at) "
            "VALUES (?, '王阿姨', 'zh-CN', ?, ?, ?)",
            (PERSON, NOW.isoformat(), NOW.isoformat(), NOW.isoformat()),
        )
    return db


async def _apply(db: Database, step: str, amount: int, n: int) -> int:
    """One step; the change it should make to the balance (0 when refused)."""
    try:
        async with db.transaction() as conn:
            have = await store.balance_in(conn, PERSON)
            if step == "credit":
                added = await ledger.credit(
                    conn, PERSON, amount, Cause.ACTIVITY, now=NOW, ref=str(n)
                )
                return amount if added else 0
            if step == "refund":
                added = await ledger.credit(conn, PERSON, amount, Cause.REFUND, now=NOW, ref=str(n))
                return amount if added else 0
            if step == "debit":
                left = await ledger.debit(
                    conn, PERSON, abs(amount) or 1, Cause.REDEEM, now=NOW, ref=str(n)
                )
                return left - have
            left = await ledger.correct(conn, PERSON, amount, now=NOW, note="更正", by_id=1)
            return left - have
    except Stale:
        return 0


async def _run(path: Path, sequence: list[tuple[str, int]]) -> None:
    db = await _with_person(path)
    try:
        expected = 0
        for n, (step, amount) in enumerate(sequence):
            expected += await _apply(db, step, amount, n)
            total, rows = await store.sum_and_rows(db, PERSON)
            assert total == sum(rows) == expected
            assert total >= 0
            assert 0 not in rows
    finally:
        await db.close()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=steps)
def test_any_sequence_keeps_the_balance_the_sum_and_never_negative(
    tmp_path_factory: pytest.TempPathFactory, sequence: list[tuple[str, int]]
) -> None:
    asyncio.run(_run(tmp_path_factory.mktemp("ledger") / "minhu.db", sequence))


async def test_a_debit_beyond_the_balance_is_refused_and_writes_nothing(
    new_database: NewDatabase,
) -> None:
    db = await _with_person(await new_database())
    try:
        async with db.transaction() as conn:
            await ledger.credit(conn, PERSON, 30, Cause.ACTIVITY, now=NOW, ref="1")
        with pytest.raises(Stale):
            async with db.transaction() as conn:
                await ledger.debit(conn, PERSON, 31, Cause.REDEEM, now=NOW, ref="9")
        assert await store.sum_and_rows(db, PERSON) == (30, [30])
    finally:
        await db.close()


async def test_the_table_refuses_a_negative_balance_and_any_change(
    new_database: NewDatabase,
) -> None:
    """The table's own triggers (SQLite's, and their PostgreSQL form) refuse, whatever wrote."""
    db = await _with_person(await new_database())
    try:
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO points_ledger (person_id, amount, cause, at) "
                "VALUES (?, 5, 'correction', ?)",
                (PERSON, NOW.isoformat()),
            )
        with pytest.raises(Exception, match="negative"):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO points_ledger (person_id, amount, cause, at) "
                    "VALUES (?, -6, 'correction', ?)",
                    (PERSON, NOW.isoformat()),
                )
        with pytest.raises(Exception, match="append-only"):
            async with db.transaction() as conn:
                await conn.execute("UPDATE points_ledger SET amount = 500")
        assert await store.sum_and_rows(db, PERSON) == (5, [5])
    finally:
        await db.close()


async def test_an_activity_is_credited_once_whatever_happens(new_database: NewDatabase) -> None:
    db = await _with_person(await new_database())
    try:
        for _ in range(3):
            async with db.transaction() as conn:
                await ledger.credit(conn, PERSON, 20, Cause.ACTIVITY, now=NOW, ref="7")
        assert await store.sum_and_rows(db, PERSON) == (20, [20])
    finally:
        await db.close()
