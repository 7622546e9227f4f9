"""Token buckets shared by every process on one PostgreSQL database (the cluster's flood gate).

`take` refills and takes one token from each scope in one transaction, all or none; a row is
locked while it is taken from, so two workers never spend one token. Times are seconds since
the epoch, from the caller's clock. PostgreSQL only (LEAST, GREATEST).
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True)
class Scope:
    """One bucket: its key, refill rate (tokens a second), size, and the fill a take needs."""

    key: str
    rate: float
    burst: float
    floor: float = 1.0


class _Short(Exception):
    def __init__(self, wait: float) -> None:
        self.wait = wait


_F = "DOUBLE PRECISION"
_TAKE = f"""INSERT INTO flood_buckets (scope, tokens, stamp)
           VALUES (?1, CAST(?2 AS {_F}) - 1, CAST(?3 AS {_F}))
           ON CONFLICT (scope) DO UPDATE
           SET tokens = LEAST(CAST(?2 AS {_F}), flood_buckets.tokens
                              + (CAST(?3 AS {_F}) - flood_buckets.stamp) * CAST(?4 AS {_F})) - 1,
               stamp = GREATEST(flood_buckets.stamp, CAST(?3 AS {_F}))
           WHERE LEAST(CAST(?2 AS {_F}), flood_buckets.tokens
                       + (CAST(?3 AS {_F}) - flood_buckets.stamp) * CAST(?4 AS {_F}))
                 >= CAST(?5 AS {_F})
           RETURNING tokens"""
_HAVE = f"""SELECT tokens + (CAST(? AS {_F}) - stamp) * CAST(? AS {_F})
            FROM flood_buckets WHERE scope = ?"""


async def take(db: Database, scopes: list[Scope], now: float) -> float:
    """Take a token from every scope: 0 when taken, else the seconds to wait (none taken)."""
    try:
        async with db.transaction() as conn:
            for scope in scopes:
                cur = await conn.execute(
                    _TAKE, (scope.key, scope.burst, now, scope.rate, scope.floor)
                )
                if await cur.fetchone() is None:
                    cur = await conn.execute(_HAVE, (now, scope.rate, scope.key))
                    row = await cur.fetchone()
                    have = float(row[0]) if row else 0.0
                    raise _Short(max(scope.floor - have, 0.0) / scope.rate + 1e-3)
    except _Short as short:
        return short.wait
    return 0.0


async def prune(db: Database, before: float) -> int:
    """Forget buckets unused since `before` (a new one starts full, as a rested one is)."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            f"DELETE FROM flood_buckets WHERE stamp < CAST(? AS {_F})", (before,)
        )
    return int(cur.rowcount)
