"""Broadcasts: who is in an audience, and a broadcast with one outbox row per recipient."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage import outbox, submissions
from storage.codec import record, to_iso
from storage.db import Database

AUDIENCES = ("everyone", "zone", "community", "grid", "role", "meeting")
ROLE_CODES = ("admin", "grid_worker", "department", "representative")
TEMPLATE = "broadcast.announcement"

# People who can be written to: consented, not blocked; muted ones only for urgent notices.
_REACHABLE = "p.blocked_at IS NULL AND (? = 1 OR p.mute_broadcasts = 0)"
_AUDIENCE_SQL = {
    "everyone": f"SELECT p.id, p.language FROM people p WHERE {_REACHABLE}",
    "zone": f"""SELECT p.id, p.language FROM people p JOIN grids g ON g.id = p.grid_id
                JOIN communities c ON c.id = g.community_id
                WHERE {_REACHABLE} AND c.zone_id = ?""",
    "community": f"""SELECT p.id, p.language FROM people p JOIN grids g ON g.id = p.grid_id
                     WHERE {_REACHABLE} AND g.community_id = ?""",
    "grid": f"SELECT p.id, p.language FROM people p WHERE {_REACHABLE} AND p.grid_id = ?",
    "role": f"""SELECT DISTINCT p.id, p.language FROM people p
                JOIN role_grants r ON r.user_id = p.id WHERE {_REACHABLE} AND r.role = ?""",
    "meeting": f"""SELECT DISTINCT p.id, p.language FROM people p
                   JOIN meeting_bookings b ON b.person_id = p.id
                   WHERE {_REACHABLE} AND b.meeting_id = ?
                     AND b.status IN ('booked', 'waitlisted')""",
}


@dataclass(frozen=True)
class Audience:
    kind: str
    ref: int | str | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in AUDIENCES:
            raise ValueError(f"unknown audience {self.kind!r}")
        if self.kind == "role" and self.ref not in ROLE_CODES:
            raise ValueError(f"unknown role {self.ref!r}")
        if self.kind not in ("everyone", "role") and not isinstance(self.ref, int):
            raise ValueError(f"audience {self.kind} needs an id")


@dataclass(frozen=True)
class Broadcast:
    id: int
    created_by: int
    audience_label: str
    text: str
    photo_file_id: str | None
    urgent: bool
    status: str
    total: int
    created_at: datetime
    finished_at: datetime | None
    progress_chat_id: int | None
    progress_message_id: int | None


def _params(audience: Audience, urgent: bool) -> tuple[object, ...]:
    return (int(urgent),) if audience.kind == "everyone" else (int(urgent), audience.ref)


async def recipients(db: Database, audience: Audience, urgent: bool) -> list[tuple[int, str]]:
    """(user id, language) of everyone a broadcast would reach now."""
    rows = await db.fetchall(_AUDIENCE_SQL[audience.kind], _params(audience, urgent))
    return [(int(r[0]), str(r[1])) for r in rows]


async def count_muted(db: Database, audience: Audience) -> int:
    """How many in the audience muted ordinary broadcasts (urgent ones still reach them)."""
    everyone = await recipients(db, audience, urgent=True)
    ordinary = await recipients(db, audience, urgent=False)
    return len(everyone) - len(ordinary)


async def create(
    db: Database,
    *,
    created_by: int,
    audience: Audience,
    text: str,
    photo_file_id: str | None,
    urgent: bool,
    now: datetime,
    key: str | None = None,
    progress_chat_id: int | None = None,
) -> tuple[int, int]:
    """The broadcast row and one outbox row per recipient, in one transaction; (id, total).

    `key` is the preview's submission key: confirming the same preview again sends nothing
    more and gives back the first broadcast. `progress_chat_id` is where its progress shows."""
    async with db.transaction() as conn:
        done = await submissions.find_in(conn, key) if key else None
        if done is not None:
            cur = await conn.execute("SELECT total FROM broadcasts WHERE id = ?", (done.record_id,))
            row = await cur.fetchone()
            return done.record_id, int(row[0]) if row else 0
        cur = await conn.execute(
            """INSERT INTO broadcasts (created_by, audience, audience_kind, audience_ref,
                   audience_label, text, photo_file_id, urgent, status, created_at,
                   progress_chat_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'sending', ?, ?)""",
            (
                created_by,
                audience.kind,
                audience.kind,
                audience.ref if isinstance(audience.ref, int) else None,
                audience.label,
                text,
                photo_file_id,
                int(urgent),
                to_iso(now),
                progress_chat_id,
            ),
        )
        broadcast_id = cur.lastrowid
        assert broadcast_id is not None
        cur = await conn.execute(_AUDIENCE_SQL[audience.kind], _params(audience, urgent))
        people = list(await cur.fetchall())
        for person_id, language in people:
            await outbox.enqueue(
                conn,
                chat_id=person_id,
                kind="broadcast",
                template=TEMPLATE,
                context={
                    "language": language,
                    "text": text,
                    "urgent": urgent,
                    "photos": [photo_file_id] if photo_file_id else [],
                },
                due_at=now,
                dedupe_key=f"broadcast:{broadcast_id}:{person_id}",
                now=now,
                lane=outbox.LANE_PERSONAL if urgent else outbox.LANE_BULK,
                broadcast_id=broadcast_id,
            )
        await conn.execute(
            "UPDATE broadcasts SET total = ? WHERE id = ?", (len(people), broadcast_id)
        )
        if key:
            await submissions.record(conn, key, "broadcast", broadcast_id, now)
    return broadcast_id, len(people)


def _broadcast(row: sqlite3.Row) -> Broadcast:
    return record(Broadcast, row)


async def get(db: Database, broadcast_id: int) -> Broadcast | None:
    """One broadcast."""
    row = await db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
    return _broadcast(row) if row else None


async def recent(db: Database, limit: int = 10) -> list[Broadcast]:
    """The latest broadcasts, newest first."""
    rows = await db.fetchall("SELECT * FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,))
    return [_broadcast(r) for r in rows]


async def running(db: Database) -> list[Broadcast]:
    """Broadcasts still sending (their progress messages need updating)."""
    rows = await db.fetchall("SELECT * FROM broadcasts WHERE status = 'sending' ORDER BY id")
    return [_broadcast(r) for r in rows]


async def set_progress_message(
    db: Database, broadcast_id: int, chat_id: int, message_id: int, shown: str
) -> None:
    """Remember the admin's progress message, edited in place as sending goes on, and what it
    shows (`shown`: a digest of its text)."""
    async with db.transaction() as conn:
        await conn.execute(
            """UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ?,
                   progress_shown = ? WHERE id = ?""",
            (chat_id, message_id, shown, broadcast_id),
        )


async def take_progress_edit(
    db: Database, broadcast_id: int, shown: str
) -> tuple[bool, str | None]:
    """Take the right to edit the progress message to the text of digest `shown`: (False, …)
    when it shows that already (or another process is editing it to that); else (True, the
    digest it showed before, for `give_back_progress_edit`)."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "SELECT progress_shown FROM broadcasts WHERE id = ? /* lock */", (broadcast_id,)
        )
        row = await cur.fetchone()
        before = None if row is None else row[0]
        cur = await conn.execute(
            """UPDATE broadcasts SET progress_shown = ?
               WHERE id = ? AND (progress_shown IS NULL OR progress_shown <> ?)""",
            (shown, broadcast_id, shown),
        )
        return cur.rowcount == 1, before


async def give_back_progress_edit(
    db: Database, broadcast_id: int, shown: str, before: str | None
) -> None:
    """An edit to `shown` taken with `take_progress_edit` did not go through: the message still
    shows `before`, and whoever comes next tries."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE broadcasts SET progress_shown = ? WHERE id = ? AND progress_shown = ?",
            (before, broadcast_id, shown),
        )


async def figures(db: Database, broadcast_id: int) -> dict[str, int]:
    """Delivered / blocked / failed / pending counts of one broadcast."""
    rows = await db.fetchall(
        """SELECT CASE WHEN state = 'failed' AND last_error = 'blocked' THEN 'blocked'
                       WHEN state = 'failed' AND last_error LIKE 'blocked:%' THEN 'blocked'
                       ELSE state END AS s, COUNT(*)
           FROM outbox WHERE broadcast_id = ? GROUP BY s""",
        (broadcast_id,),
    )
    found = {r[0]: int(r[1]) for r in rows}
    return {
        "sent": found.get("sent", 0),
        "blocked": found.get("blocked", 0),
        "failed": found.get("failed", 0) + found.get("dead", 0),
        "pending": found.get("pending", 0) + found.get("sending", 0),
        "cancelled": found.get("dropped", 0),
    }


async def finish_if_done(db: Database, broadcast_id: int, now: datetime) -> bool:
    """Mark a broadcast done once nothing of it is pending; True if it is finished."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            """UPDATE broadcasts SET status = 'done', finished_at = ?
               WHERE id = ? AND status = 'sending' AND NOT EXISTS (
                   SELECT 1 FROM outbox
                   WHERE broadcast_id = ? AND state IN ('pending', 'sending'))""",
            (to_iso(now), broadcast_id, broadcast_id),
        )
        return cur.rowcount == 1


async def cancel(db: Database, broadcast_id: int, now: datetime) -> int:
    """Stop a running broadcast: its pending rows are dropped. Returns how many."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            """UPDATE outbox SET state = 'dropped', last_error = 'cancelled'
               WHERE broadcast_id = ? AND state = 'pending'""",
            (broadcast_id,),
        )
        dropped = cur.rowcount
        await conn.execute(
            """UPDATE broadcasts SET status = 'cancelled', finished_at = ?
               WHERE id = ? AND status = 'sending'""",
            (to_iso(now), broadcast_id),
        )
    return dropped
