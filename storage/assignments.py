"""Assignments (交办): a complaint, a meeting decision or free text handed to a representative,
a department or a grid worker, with a deadline. One model for meetings and representatives."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.codec import from_iso, record, to_iso
from storage.db import Database, guarded_change

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
    return record(Assignment, row)


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


async def get_in(conn: aiosqlite.Connection, assignment_id: int) -> Assignment | None:
    """One assignment read inside the caller's transaction (also one not committed yet)."""
    cur = await conn.execute("SELECT * FROM assignments WHERE id = ?", (assignment_id,))
    row = await cur.fetchone()
    return _assignment(row) if row else None


async def of_decision(db: Database, decision_id: int) -> list[Assignment]:
    """The assignments made from one meeting decision."""
    rows = await db.fetchall(
        "SELECT * FROM assignments WHERE decision_id = ? ORDER BY id", (decision_id,)
    )
    return [_assignment(r) for r in rows]


# The life of an assignment after `create` (bot.assignments.service applies the rules) -------------

OPEN = ("assigned", "accepted", "returned")  # work the assignee still owes
LISTED = (*OPEN, "done")  # shown in /tasks and /assignments (done: waiting to be verified)
_FIELDS = frozenset(
    {
        "status",
        "accepted_at",
        "done_at",
        "verified_at",
        "escalated_at",
        "recheck_result",
        "rechecked_at",
    }
)


@dataclass(frozen=True)
class AssignmentEvent:
    at: datetime
    actor_id: int | None
    kind: str
    note: str
    photo_file_id: str | None


@dataclass(frozen=True)
class Details:
    """An assignment with what its card shows: timestamps, the subject complaint's number."""

    assignment: Assignment
    accepted_at: datetime | None
    done_at: datetime | None
    verified_at: datetime | None
    escalated_at: datetime | None
    recheck_result: str | None
    complaint_number: str | None
    complaint_text: str | None
    department_name: str | None


@dataclass(frozen=True)
class AssignmentTimer:
    id: int
    kind: str
    assignment_id: int
    due_at: datetime


def _when(value: str | None) -> datetime | None:
    return from_iso(value) if value else None


async def details(db: Database, assignment_id: int) -> Details | None:
    """One assignment with its timestamps and subject."""
    row = await db.fetchone(
        """SELECT a.*, c.number AS complaint_number, c.description AS complaint_text,
                  d.name AS department_name
           FROM assignments a LEFT JOIN complaints c ON c.id = a.complaint_id
           LEFT JOIN departments d ON d.id = a.department_id WHERE a.id = ?""",
        (assignment_id,),
    )
    if row is None:
        return None
    return Details(
        assignment=_assignment(row),
        accepted_at=_when(row["accepted_at"]),
        done_at=_when(row["done_at"]),
        verified_at=_when(row["verified_at"]),
        escalated_at=_when(row["escalated_at"]),
        recheck_result=row["recheck_result"],
        complaint_number=row["complaint_number"],
        complaint_text=row["complaint_text"],
        department_name=row["department_name"],
    )


# Update an assignment only if it is still in `expected_status` (else someone was faster).
change = guarded_change("assignments", _FIELDS)


async def add_event(
    conn: aiosqlite.Connection,
    assignment_id: int,
    *,
    kind: str,
    actor_id: int | None,
    now: datetime,
    note: str = "",
    photo_file_id: str | None = None,
) -> int:
    """One line of an assignment's history; its id."""
    cur = await conn.execute(
        "INSERT INTO assignment_events (assignment_id, at, actor_id, kind, note, photo_file_id) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (assignment_id, to_iso(now), actor_id, kind, note, photo_file_id),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def events(db: Database, assignment_id: int) -> list[AssignmentEvent]:
    """An assignment's history, oldest first."""
    rows = await db.fetchall(
        "SELECT at, actor_id, kind, note, photo_file_id FROM assignment_events "
        "WHERE assignment_id = ? ORDER BY id",
        (assignment_id,),
    )
    return [AssignmentEvent(from_iso(r[0]), r[1], r[2], r[3], r[4]) for r in rows]


async def of_assignee(
    db: Database, user_id: int, department_ids: list[int], limit: int = 30
) -> list[Assignment]:
    """What a person (or their departments) still has to do or have verified, soonest first."""
    marks = ",".join("?" * len(department_ids)) or "NULL"
    states = ",".join("?" * len(LISTED))
    rows = await db.fetchall(
        f"""SELECT * FROM assignments WHERE status IN ({states})
              AND (assignee_id = ? OR department_id IN ({marks}))
            ORDER BY due_at, id LIMIT ?""",
        (*LISTED, user_id, *department_ids, limit),
    )
    return [_assignment(r) for r in rows]


async def listed(db: Database, now: datetime, limit: int = 30) -> tuple[list[Assignment], int]:
    """Open and done-but-unverified assignments, overdue first; and how many there are."""
    states = ",".join("?" * len(LISTED))
    opened = ",".join("?" * len(OPEN))
    rows = await db.fetchall(
        f"""SELECT * FROM assignments WHERE status IN ({states})
            ORDER BY CASE WHEN status IN ({opened}) AND due_at < ? THEN 0 ELSE 1 END,
                     due_at, id
            LIMIT ?""",
        (*LISTED, *OPEN, to_iso(now), limit),
    )
    total = await db.fetchval(
        f"SELECT COUNT(*) FROM assignments WHERE status IN ({states})", LISTED
    )
    return [_assignment(r) for r in rows], int(total)


# Timers: reminders, escalation at the deadline, the re-check (回头看) ----------------------


async def add_timer(
    conn: aiosqlite.Connection, kind: str, assignment_id: int, due_at: datetime, now: datetime
) -> None:
    """Schedule inside the caller's transaction; a cancelled twin comes back to life."""
    await conn.execute(
        """INSERT INTO assignment_timers (kind, assignment_id, due_at, dedupe_key, created_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(dedupe_key) DO UPDATE SET state = 'pending'
           WHERE assignment_timers.state = 'cancelled'""",
        (
            kind,
            assignment_id,
            to_iso(due_at),
            f"{kind}:{assignment_id}:{to_iso(due_at)}",
            to_iso(now),
        ),
    )


async def cancel_timers(conn: aiosqlite.Connection, assignment_id: int) -> None:
    """Drop an assignment's pending timers (its state changed; new ones follow)."""
    await conn.execute(
        "UPDATE assignment_timers SET state = 'cancelled' "
        "WHERE assignment_id = ? AND state = 'pending'",
        (assignment_id,),
    )


async def due_timers(db: Database, now: datetime, limit: int = 100) -> list[AssignmentTimer]:
    """Pending timers whose time has come, oldest first."""
    rows = await db.fetchall(
        "SELECT id, kind, assignment_id, due_at FROM assignment_timers "
        "WHERE state = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?",
        (to_iso(now), limit),
    )
    return [AssignmentTimer(r[0], r[1], r[2], from_iso(r[3])) for r in rows]


async def finish_timer(conn: aiosqlite.Connection, timer_id: int, now: datetime) -> bool:
    """Mark a timer done inside the caller's transaction; False if it was not pending."""
    cur = await conn.execute(
        "UPDATE assignment_timers SET state = 'done', done_at = ? "
        "WHERE id = ? AND state = 'pending'",
        (to_iso(now), timer_id),
    )
    return cur.rowcount == 1


async def next_timer(db: Database) -> datetime | None:
    """When the earliest pending timer falls due."""
    value = await db.fetchval("SELECT MIN(due_at) FROM assignment_timers WHERE state = 'pending'")
    return from_iso(value) if value else None


async def pending_timers(db: Database, assignment_id: int) -> list[AssignmentTimer]:
    """An assignment's pending timers (for tests and the card)."""
    rows = await db.fetchall(
        "SELECT id, kind, assignment_id, due_at FROM assignment_timers "
        "WHERE assignment_id = ? AND state = 'pending' ORDER BY due_at, id",
        (assignment_id,),
    )
    return [AssignmentTimer(r[0], r[1], r[2], from_iso(r[3])) for r in rows]


async def unscheduled(db: Database, limit: int = 100) -> list[Assignment]:
    """Open assignments that never had a timer (made by `create` elsewhere, e.g. meetings)."""
    states = ",".join("?" * len(OPEN))
    rows = await db.fetchall(
        f"""SELECT * FROM assignments a WHERE status IN ({states}) AND NOT EXISTS
              (SELECT 1 FROM assignment_timers t WHERE t.assignment_id = a.id)
            ORDER BY id LIMIT ?""",
        (*OPEN, limit),
    )
    return [_assignment(r) for r in rows]
