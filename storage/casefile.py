"""SQL of the whole case as its handler and its supporters see it: the history that matters
on a card (how many said "me too", the earlier case of a relapse), /inbox with its views and
pages, the "me too" supporters' own cases in /my and their own answer of satisfaction, and the
photo of the finished work for the 办结 notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.codec import from_iso, to_iso
from storage.complaints import row_to_complaint
from storage.db import Database
from storage.models import Complaint

OPEN_SQL = "('submitted', 'accepted', 'transferred', 'reopened', 'escalated')"
DUE_SQL = "CASE WHEN accepted_at IS NULL THEN ack_due_at ELSE resolve_due_at END"
# The /inbox views: fixed SQL, chosen by name (never built from what a user typed).
VIEWS: dict[str, str] = {
    "all": "1 = 1",
    "overdue": f"{DUE_SQL} < ?",
    "new": "accepted_at IS NULL",
    "working": "accepted_at IS NOT NULL",
    "back": "(redo_count > 0 OR parent_id IS NOT NULL OR status = 'reopened')",
}


@dataclass(frozen=True)
class SupporterAnswer:
    """A supporter's "me too" and their own answer to the last 办结 (if any)."""

    at: datetime
    satisfaction: str | None
    answered_at: datetime | None
    reason: str | None = None


def _scope(grid_ids: list[int], department_ids: list[int]) -> str:
    """The cases of these grids (not routed to a department) and departments, as SQL whose
    parameters are the grids' ids, then the departments'."""
    grids = ",".join("?" * len(grid_ids)) or "NULL"
    departments = ",".join("?" * len(department_ids)) or "NULL"
    return f"((department_id IS NULL AND grid_id IN ({grids})) OR department_id IN ({departments}))"


async def inbox_page(
    db: Database,
    grid_ids: list[int],
    department_ids: list[int],
    *,
    view: str,
    now: datetime,
    offset: int,
    limit: int,
) -> tuple[list[dict[str, Any]], int]:
    """One page of open work in one view, soonest deadline first, and how many in the view."""
    if not grid_ids and not department_ids:
        return [], 0
    where = f"status IN {OPEN_SQL} AND {_scope(grid_ids, department_ids)} AND {VIEWS[view]}"
    values: list[Any] = [*grid_ids, *department_ids]
    if view == "overdue":
        values.append(to_iso(now))
    total = await db.fetchval(f"SELECT COUNT(*) FROM complaints WHERE {where}", values)
    rows = await db.fetchall(
        f"""SELECT id, number, status, description, accepted_at, ack_due_at, resolve_due_at,
                   redo_count, parent_id,
                   (SELECT COUNT(*) FROM complaint_supporters s
                    WHERE s.complaint_id = complaints.id) AS supporters
            FROM complaints WHERE {where}
            ORDER BY {DUE_SQL}, id LIMIT ? OFFSET ?""",
        [*values, limit, offset],
    )
    return [dict(r) for r in rows], int(total or 0)


async def supporters_count(db: Database, complaint_id: int) -> int:
    """How many residents said "me too" to a case."""
    found = await db.fetchval(
        "SELECT COUNT(*) FROM complaint_supporters WHERE complaint_id = ?", (complaint_id,)
    )
    return int(found or 0)


async def supporters_count_in(conn: aiosqlite.Connection, complaint_id: int) -> int:
    """The same, read through the writer (inside a change's transaction)."""
    cur = await conn.execute(
        "SELECT COUNT(*) FROM complaint_supporters WHERE complaint_id = ?", (complaint_id,)
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def number_in(conn: aiosqlite.Connection, complaint_id: int | None) -> str | None:
    """A case's number through the writer (the earlier case of a relapse); None for none."""
    if complaint_id is None:
        return None
    cur = await conn.execute("SELECT number FROM complaints WHERE id = ?", (complaint_id,))
    row = await cur.fetchone()
    return str(row[0]) if row else None


async def number_of(db: Database, complaint_id: int | None) -> str | None:
    """A case's number (the earlier case of a relapse); None for none."""
    if complaint_id is None:
        return None
    found = await db.fetchval("SELECT number FROM complaints WHERE id = ?", (complaint_id,))
    return None if found is None else str(found)


async def supported_by(db: Database, person_id: int, limit: int) -> list[Complaint]:
    """The cases a person said "me too" to, latest first (without photos and history)."""
    rows = await db.fetchall(
        """SELECT c.* FROM complaint_supporters s JOIN complaints c ON c.id = s.complaint_id
           WHERE s.person_id = ? ORDER BY s.at DESC, c.id DESC LIMIT ?""",
        (person_id, limit),
    )
    return [row_to_complaint(r) for r in rows]


async def count_supported(db: Database, person_id: int) -> int:
    """How many cases a person said "me too" to."""
    found = await db.fetchval(
        "SELECT COUNT(*) FROM complaint_supporters WHERE person_id = ?", (person_id,)
    )
    return int(found or 0)


async def supporter_answer(
    db: Database, complaint_id: int, person_id: int
) -> SupporterAnswer | None:
    """A person's "me too" on a case and their own answer; None if they are no supporter."""
    row = await db.fetchone(
        "SELECT at, satisfaction, answered_at, reason FROM complaint_supporters "
        "WHERE complaint_id = ? AND person_id = ?",
        (complaint_id, person_id),
    )
    if row is None:
        return None
    answered = row["answered_at"]
    return SupporterAnswer(
        from_iso(row["at"]),
        row["satisfaction"],
        from_iso(answered) if answered else None,
        row["reason"],
    )


async def record_supporter_answer(
    conn: aiosqlite.Connection,
    complaint_id: int,
    person_id: int,
    satisfaction: str,
    *,
    resolved_at: datetime,
    now: datetime,
) -> bool:
    """A supporter's own answer to the 办结 of `resolved_at`, once (False: answered already)."""
    cur = await conn.execute(
        """UPDATE complaint_supporters SET satisfaction = ?, answered_at = ?, reason = NULL
           WHERE complaint_id = ? AND person_id = ?
             AND (answered_at IS NULL OR answered_at < ?)""",
        (satisfaction, to_iso(now), complaint_id, person_id, to_iso(resolved_at)),
    )
    return cur.rowcount == 1


async def record_supporter_reason(
    conn: aiosqlite.Connection,
    complaint_id: int,
    person_id: int,
    reason: str,
    answered_at: datetime,
) -> bool:
    """Why a supporter said 不满意, once, for the answer given at `answered_at`."""
    cur = await conn.execute(
        """UPDATE complaint_supporters SET reason = ?
           WHERE complaint_id = ? AND person_id = ? AND satisfaction = 'unsatisfied'
             AND answered_at = ? AND reason IS NULL""",
        (reason, complaint_id, person_id, to_iso(answered_at)),
    )
    return cur.rowcount == 1


async def answers_in(conn: aiosqlite.Connection, complaint_id: int) -> dict[str, int]:
    """The supporters' answers to a case, counted by answer."""
    cur = await conn.execute(
        "SELECT satisfaction, COUNT(*) FROM complaint_supporters "
        "WHERE complaint_id = ? AND satisfaction IS NOT NULL GROUP BY satisfaction",
        (complaint_id,),
    )
    return {str(r[0]): int(r[1]) for r in await cur.fetchall()}


async def resolution_photos_in(conn: aiosqlite.Connection, complaint_id: int) -> list[str]:
    """The photos of the finished work, latest 办结 last, read through the writer."""
    cur = await conn.execute(
        "SELECT file_id FROM complaint_photos WHERE complaint_id = ? AND stage = 'resolution' "
        "ORDER BY position",
        (complaint_id,),
    )
    return [str(r[0]) for r in await cur.fetchall()]


async def earlier_reasons_in(
    conn: aiosqlite.Connection, complaint_id: int, before: datetime, limit: int
) -> list[dict[str, str]]:
    """Why a case came (back) before `before`: the latest 重办, reopen and 转办 events with their
    words, oldest first, read through the writer."""
    cur = await conn.execute(
        """SELECT kind, at, note FROM complaint_events
           WHERE complaint_id = ? AND at < ? AND note <> ''
             AND kind IN ('redo', 'reopened', 'transferred')
           ORDER BY at DESC, id DESC LIMIT ?""",
        (complaint_id, to_iso(before), limit),
    )
    rows = list(await cur.fetchall())
    return [{"kind": str(r[0]), "at": str(r[1]), "note": str(r[2])} for r in reversed(rows)]
