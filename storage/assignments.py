"""Assignments (交办): a complaint, a meeting decision or free text handed to a representative,
a department or a grid worker, with a deadline. One model for meetings and representatives."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import from_iso, to_iso
from storage.db import Database

SUBJECTS = ("complaint", "decision", "text")


@dataclass(frozen=True)
class Assignment:
    id: int
    subject_kind: str
    complaint_id: int | None
    decision_id: int | None
    text: str
    assignee_id: int | None
    department_id: int | None
    status: str
    due_at: datetime
    assigned_by: int
    created_at: datetime


def _assignment(row: sqlite3.Row) -> Assignment:
    return Assignment(
        id=row["id"],
        subject_kind=row["subject_kind"],
        complaint_id=row["complaint_id"],
        decision_id=row["decision_id"],
        text=row["text"],
        assignee_id=row["assignee_id"],
        department_id=row["department_id"],
        status=row["status"],
        due_at=from_iso(row["due_at"]),
        assigned_by=row["assigned_by"],
        created_at=from_iso(row["created_at"]),
    )


async def create(
    conn: aiosqlite.Connection,
    *,
    subject_kind: str,
    text: str,
    due_at: datetime,
    assigned_by: int,
    now: datetime,
    assignee_id: int | None = None,
    department_id: int | None = None,
    complaint_id: int | None = None,
    decision_id: int | None = None,
) -> int:
    """A new assignment and its first event, inside the caller's transaction."""
    if subject_kind not in SUBJECTS:
        raise ValueError(f"unknown subject {subject_kind!r}")
    if (assignee_id is None) == (department_id is None):
        raise ValueError("an assignment goes to one person or one department")
    cur = await conn.execute(
        """INSERT INTO assignments (subject_kind, complaint_id, decision_id, text, assignee_id,
               department_id, due_at, assigned_by, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            subject_kind,
            complaint_id,
            decision_id,
            text,
            assignee_id,
            department_id,
            to_iso(due_at),
            assigned_by,
            to_iso(now),
            to_iso(now),
        ),
    )
    assignment_id = cur.lastrowid
    assert assignment_id is not None
    await conn.execute(
        "INSERT INTO assignment_events (assignment_id, at, actor_id, kind) "
        "VALUES (?, ?, ?, 'assigned')",
        (assignment_id, to_iso(now), assigned_by),
    )
    return assignment_id


async def get(db: Database, assignment_id: int) -> Assignment | None:
    """One assignment."""
    row = await db.fetchone("SELECT * FROM assignments WHERE id = ?", (assignment_id,))
    return _assignment(row) if row else None


async def of_decision(db: Database, decision_id: int) -> list[Assignment]:
    """The assignments made from one meeting decision."""
    rows = await db.fetchall(
        "SELECT * FROM assignments WHERE decision_id = ? ORDER BY id", (decision_id,)
    )
    return [_assignment(r) for r in rows]
