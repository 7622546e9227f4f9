"""Random codes people type or show (a booking's, a voucher's, a volunteer's, an invitation's):
one is drawn, checked free, then inserted, in one transaction. SQLite's transactions are BEGIN
IMMEDIATE (one writer at a time): nothing can come between the check and the insert. On
PostgreSQL several workers do it at once, so the check holds the code first: a transaction
checking the same code waits for the holder's end, then sees its row (READ COMMITTED: each
statement sees what was committed before it) and draws another. A code may have to be free
across tables (an activity's and a sign-up's), which one table's UNIQUE cannot say."""

from __future__ import annotations

import aiosqlite

CODES = 0x5D  # the advisory locks' first key (submissions' is 0x5B, outbox claimers' 0x5C)


async def hold(conn: aiosqlite.Connection, code: str) -> None:
    """On PostgreSQL, hold `code` (in this town's schema) until the transaction ends."""
    if not isinstance(conn, aiosqlite.Connection):  # SQLite: BEGIN IMMEDIATE, one writer
        await conn.execute(
            "SELECT pg_advisory_xact_lock(?, hashtext(current_schema() || ':' || ?))",
            (CODES, code),
        )
