"""The points ledger: every credit and debit is a new row with its cause, written inside the
caller's transaction; the balance is the sum of the rows and never goes below zero (checked
here inside the transaction, and by the table's trigger as a backstop). A correction is a new
row, never a change to an old one."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.points.rules import Cause, Stale
from storage import points as store


async def credit(
    conn: aiosqlite.Connection,
    person_id: int,
    amount: int,
    cause: Cause,
    *,
    now: datetime,
    ref: str = "",
    note: str = "",
    by_id: int | None = None,
) -> bool:
    """Add points; False when this cause and reference were credited already (or nothing)."""
    if amount <= 0:
        return False
    return await store.add_entry(
        conn, person_id, amount, cause, now=now, ref=ref, note=note, by_id=by_id
    )


async def debit(
    conn: aiosqlite.Connection,
    person_id: int,
    amount: int,
    cause: Cause,
    *,
    now: datetime,
    ref: str = "",
    note: str = "",
    by_id: int | None = None,
) -> int:
    """Take points; the balance left. Refused (Stale "too_few") when the balance is short."""
    have = await store.hold_balance(conn, person_id)  # two debits at once take turns
    if amount <= 0 or have < amount:
        raise Stale("too_few", balance=have, points=amount)
    added = await store.add_entry(
        conn, person_id, -amount, cause, now=now, ref=ref, note=note, by_id=by_id
    )
    return have - amount if added else have


async def correct(
    conn: aiosqlite.Connection,
    person_id: int,
    amount: int,
    *,
    now: datetime,
    note: str,
    by_id: int,
) -> int:
    """A correction by staff (+ or -), as a new row; the balance after it."""
    if amount < 0:
        return await debit(
            conn, person_id, -amount, Cause.CORRECTION, now=now, note=note, by_id=by_id
        )
    await credit(conn, person_id, amount, Cause.CORRECTION, now=now, note=note, by_id=by_id)
    return await store.balance_in(conn, person_id)
