"""Bulletins read daily pre-aggregates: the same figures as the raw aggregate of
storage/rankings.py, in milliseconds whatever the number of complaints.

`complaint_sums` (migration 0009) holds, per UTC day and per UTC month of arrival and per
grid, category, handler and origin, the sums of what each complaint contributes; triggers
keep it in the transaction of every write that changes a complaint or links a patrol ticket
to one, and `reaggregate` rebuilds it from the raw rows (`minhu db reaggregate`). A period
[start, end) of local days reads:
- its whole UTC months and days from `complaint_sums`;
- the hours at either end that are not a whole UTC day (local midnight is rarely UTC
  midnight) from the raw rows, with the raw aggregate itself;
- the judgements that depend on the moment the bulletin is made — a deadline that passed with
  the case not yet accepted (or resolved) — from the open cases only, through two partial
  indexes (`complaints_ack_open`, `complaints_resolve_open`).
So the figures equal the raw aggregate exactly (tests/bulletins/test_aggregates.py checks it
on random event streams), in any time zone and across daylight-saving changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from storage import rankings as raw
from storage.codec import to_iso
from storage.db import Database

Key = tuple[int, int, int | None, int]  # grid, category, department (None: the grid), origin

_COUNTS = (
    "received, handled, ack_done, ack_on_time, resolve_done, resolve_on_time, rated, "
    "rating_sum, closed, no_reply, relapses, overdue, sat_judged, satisfied, basic, redone, "
    "ever_resolved"
)
_SUMS = ", ".join(f"SUM({c.strip()})" for c in _COUNTS.split(","))
_SUMS_SQL = f"""
SELECT grid_id, category_id, NULLIF(department_id, 0), origin, {_SUMS}
FROM complaint_sums WHERE span = ? AND bucket >= ? AND bucket < ?
GROUP BY grid_id, category_id, department_id, origin
"""
# Open cases whose deadline passed by :as_of: judged (late) without being done. Each WHERE
# repeats its partial index's condition, so SQLite reads that small index only.
_LATE_SQL = """
SELECT grid_id, category_id, department_id, {origin}, COUNT(*)
FROM complaints INDEXED BY {index}
WHERE created_at >= :start AND created_at < :end AND {open} AND {due} < :as_of
GROUP BY 1, 2, 3, 4
"""
_ACK_LATE = _LATE_SQL.format(
    origin=raw.ORIGIN,
    index="complaints_ack_open",
    open="accepted_at IS NULL AND status <> 'rejected'",
    due="ack_due_at",
)
_RESOLVE_LATE = _LATE_SQL.format(
    origin=raw.ORIGIN,
    index="complaints_resolve_open",
    open="status NOT IN ('rejected', 'resolved', 'closed')",
    due="resolve_due_at",
)
ACK_JUDGED, RESOLVE_JUDGED = 2, 4  # positions in ComplaintGroup's counts


def _utc_days(start: datetime, end: datetime) -> tuple[date, date] | None:
    """The whole UTC days inside [start, end), as [first, last) dates; None if there are none."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first = start.date() if start.time() == time(0) else start.date() + timedelta(days=1)
    last = end.date()
    return (first, last) if first < last else None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _month_on_or_after(day: date) -> date:
    return day if day.day == 1 else (day.replace(day=28) + timedelta(days=4)).replace(day=1)


Bucket = tuple[str, str, str]  # span ('d' days, 'm' months), [from, to)


@dataclass(frozen=True)
class Plan:
    """Where each part of [start, end) is read: whole UTC months and days from the sums,
    the hours at either end from the raw rows; `span` is the part the sums cover."""

    sums: list[Bucket]
    raw: list[tuple[datetime, datetime]]
    span: tuple[datetime, datetime] | None


def plan(start: datetime, end: datetime) -> Plan:
    days = _utc_days(start, end)
    if days is None:
        return Plan([], [(start, end)], None)
    first, last = days
    months = _month_on_or_after(first), last.replace(day=1)
    sums: list[Bucket] = []
    day_ranges = [(first, last)]
    if months[0] < months[1]:
        sums.append(("m", months[0].isoformat()[:7], months[1].isoformat()[:7]))
        day_ranges = [(first, months[0]), (months[1], last)]
    sums += [("d", a.isoformat(), b.isoformat()) for a, b in day_ranges if a < b]
    ends = ((start, _midnight(first)), (_midnight(last), end))
    return Plan(sums, [(a, b) for a, b in ends if a < b], (_midnight(first), _midnight(last)))


async def complaint_groups(
    db: Database, start: datetime, end: datetime, as_of: datetime
) -> list[raw.ComplaintGroup]:
    """`storage.rankings.complaint_groups`, from the pre-aggregates."""
    where = plan(start, end)
    sums: dict[Key, list[int]] = {}

    def add(key: Key, counts: list[int]) -> None:
        into = sums.setdefault(key, [0] * len(counts))
        for i, n in enumerate(counts):
            into[i] += n

    for bucket in where.sums:
        for r in await db.fetchall(_SUMS_SQL, bucket):
            add((r[0], r[1], r[2], r[3]), [int(v) for v in r[4:]])
    for a, b in where.raw:
        for g in await raw.complaint_groups(db, a, b, as_of):
            add((g.grid_id, g.category_id, g.department_id, g.origin), _counts(g))
    if where.span is not None:
        params: Any = {
            "start": to_iso(where.span[0]),
            "end": to_iso(where.span[1]),
            "as_of": to_iso(as_of),
        }
        for position, sql in ((ACK_JUDGED, _ACK_LATE), (RESOLVE_JUDGED, _RESOLVE_LATE)):
            for r in await db.fetchall(sql, params):
                sums[(r[0], r[1], r[2], r[3])][position] += r[4]
    return [
        raw.ComplaintGroup(*key, *counts)
        for key, counts in sorted(sums.items(), key=lambda kv: _order(kv[0]))
    ]


def _counts(g: raw.ComplaintGroup) -> list[int]:
    return [
        g.received, g.handled, g.ack_judged, g.ack_on_time, g.resolve_judged,
        g.resolve_on_time, g.rated, g.rating_sum, g.closed, g.no_reply, g.relapses, g.overdue,
        g.sat_judged, g.satisfied, g.basic, g.redone, g.ever_resolved,
    ]  # fmt: skip


def _order(key: Key) -> tuple[int, int, int, int]:
    """The raw aggregate's GROUP BY order (NULL departments first)."""
    grid, category, department, origin = key
    return grid, category, -1 if department is None else department, origin


async def counts_by_grid_category(
    db: Database, start: datetime, end: datetime
) -> dict[tuple[int, int], int]:
    """`storage.rankings.counts_by_grid_category`, from the pre-aggregates."""
    where = plan(start, end)
    parts = []
    for bucket in where.sums:
        rows = await db.fetchall(
            f"""SELECT grid_id, category_id, SUM(received) FROM complaint_sums
                WHERE span = ? AND bucket >= ? AND bucket < ? AND origin IN {raw.RESIDENTS}
                GROUP BY grid_id, category_id""",
            bucket,
        )
        parts.append({(r[0], r[1]): int(r[2]) for r in rows})
    for a, b in where.raw:
        parts.append(await raw.counts_by_grid_category(db, a, b))
    counts: dict[tuple[int, int], int] = {}
    for part in parts:
        for key, n in part.items():
            counts[key] = counts.get(key, 0) + n
    return counts


async def reaggregate(db: Database) -> int:
    """Rebuild the pre-aggregates from the raw rows in one transaction; returns the number of
    day rows."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM complaint_sums")
        await conn.execute(
            f"""INSERT INTO complaint_sums
                SELECT span, bucket, grid_id, category_id, department_id, origin, {_SUMS}
                FROM complaint_facts
                GROUP BY span, bucket, grid_id, category_id, department_id, origin"""
        )
        cur = await conn.execute("SELECT COUNT(*) FROM complaint_sums WHERE span = 'd'")
        row = await cur.fetchone()
    return int(row[0]) if row else 0
