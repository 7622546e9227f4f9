"""SQL of dispute mediation (矛盾调解): cases, their two parties, sessions, deadlines, and the
counts the statistics read (kind, zone, outcome: never a name or a word of a case).

Confidential: a case's words are read here only for its parties, its mediator, the dispatch
centre and admins (`bot.mediation.service.visible` decides who); `counts` reads no text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.codec import from_iso, record, to_iso
from storage.complaints import count_up
from storage.db import Database

_CASE = """SELECT m.*, g.name AS grid_name, c.zone_id AS zone_id FROM mediations m
           JOIN grids g ON g.id = m.grid_id JOIN communities c ON c.id = g.community_id"""


@dataclass(frozen=True)
class Mediation:
    id: int
    number: str
    grid_id: int
    grid_name: str
    zone_id: int
    kind: str
    summary: str
    status: str
    mediator_id: int | None
    opened_by: int | None
    complaint_id: int | None
    opened_at: datetime
    contact_due_at: datetime
    result_due_at: datetime
    contacted_at: datetime | None
    terms: str | None
    terms_photo: str | None
    referral: str | None
    reason: str | None
    closed_at: datetime | None
    followup_at: datetime | None
    relapsed: bool


@dataclass(frozen=True)
class Party:
    id: int
    mediation_id: int
    side: str
    person_id: int | None
    name: str | None
    invite_code: str | None
    consent: str
    consent_by: int | None
    consent_at: datetime | None
    kept: int | None
    answered_at: datetime | None


@dataclass(frozen=True)
class Session:
    id: int
    mediation_id: int
    starts_at: datetime
    place: str
    helpers: str
    attended_applicant: int | None
    attended_other: int | None


async def insert(
    conn: aiosqlite.Connection,
    *,
    grid_id: int,
    kind: str,
    summary: str,
    now: datetime,
    contact_due_at: datetime,
    result_due_at: datetime,
    mediator_id: int | None,
    opened_by: int | None = None,
    complaint_id: int | None = None,
) -> tuple[int, str]:
    """A new case (status pending: the other party's consent is not given yet): id, number."""
    prefix = f"TJ-{now.year}-"
    cur = await conn.execute(
        "SELECT COUNT(*) FROM mediations WHERE number LIKE ? || '%'", (prefix,)
    )
    row = await cur.fetchone()  # where the year's counter starts (two workers counting: one)
    seq = await count_up(conn, f"mediation:{now.year}", (int(row[0]) if row else 0) + 1)
    number = f"{prefix}{seq:06d}"
    cur = await conn.execute(
        """INSERT INTO mediations (number, grid_id, kind, summary, mediator_id, opened_by,
               complaint_id, opened_at, contact_due_at, result_due_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            number,
            grid_id,
            kind,
            summary,
            mediator_id,
            opened_by,
            complaint_id,
            to_iso(now),
            to_iso(contact_due_at),
            to_iso(result_due_at),
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid, number


async def insert_party(
    conn: aiosqlite.Connection,
    mediation_id: int,
    side: str,
    *,
    person_id: int | None,
    name: str | None,
    invite_code: str | None = None,
    consent: str = "pending",
    consent_by: int | None = None,
    consent_at: datetime | None = None,
) -> None:
    """One side of a case."""
    await conn.execute(
        """INSERT INTO mediation_parties (mediation_id, side, person_id, name, invite_code,
               consent, consent_by, consent_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            mediation_id,
            side,
            person_id,
            name,
            invite_code,
            consent,
            consent_by,
            to_iso(consent_at) if consent_at else None,
        ),
    )


async def get(db: Database, mediation_id: int) -> Mediation | None:
    """One case."""
    row = await db.fetchone(f"{_CASE} WHERE m.id = ?", (mediation_id,))
    return record(Mediation, row) if row else None


async def parties(db: Database, mediation_id: int) -> list[Party]:
    """The applicant, then the other side."""
    rows = await db.fetchall(
        "SELECT * FROM mediation_parties WHERE mediation_id = ? ORDER BY side", (mediation_id,)
    )
    return [record(Party, r) for r in rows]


async def party_by_code(db: Database, code: str) -> Party | None:
    """The other side a one-time invitation names (None once used or unknown)."""
    row = await db.fetchone("SELECT * FROM mediation_parties WHERE invite_code = ?", (code,))
    return record(Party, row) if row else None


async def set_consent(
    conn: aiosqlite.Connection,
    party_id: int,
    consent: str,
    *,
    by: int,
    at: datetime,
    person_id: int | None = None,
) -> bool:
    """Record the other side's answer once (a pending one only); an invitation's person joins
    and its code is spent. False when it was answered already."""
    cur = await conn.execute(
        """UPDATE mediation_parties SET consent = ?, consent_by = ?, consent_at = ?,
               person_id = COALESCE(?, person_id), invite_code = NULL
           WHERE id = ? AND consent = 'pending'""",
        (consent, by, to_iso(at), person_id, party_id),
    )
    return cur.rowcount == 1


async def set_status(
    conn: aiosqlite.Connection, mediation_id: int, status: str, *, was: tuple[str, ...]
) -> bool:
    """Move a case from one of `was` to `status`; False when it was elsewhere (a race)."""
    marks = ",".join("?" * len(was))
    cur = await conn.execute(
        f"UPDATE mediations SET status = ? WHERE id = ? AND status IN ({marks})",
        (status, mediation_id, *was),
    )
    return cur.rowcount == 1


async def set_mediator(conn: aiosqlite.Connection, mediation_id: int, mediator_id: int) -> None:
    """Give a case to a mediator (the dispatcher's choice)."""
    await conn.execute(
        "UPDATE mediations SET mediator_id = ? WHERE id = ?", (mediator_id, mediation_id)
    )


async def mediators(db: Database, zone_id: int) -> list[tuple[int, str, int]]:
    """(user id, name, open cases) of the mediators of a zone, then the town's, who opened the
    bot: the zone's first, fewest open cases first."""
    rows = await db.fetchall(
        """SELECT r.user_id, MAX(COALESCE(NULLIF(r.display_name, ''), p.first_name)),
                  (SELECT COUNT(*) FROM mediations m WHERE m.mediator_id = r.user_id
                     AND m.status IN ('pending', 'active')) AS open_cases,
                  MIN(r.zone_id IS NULL) AS town
           FROM role_grants r JOIN people p ON p.id = r.user_id
           WHERE r.role = 'mediator' AND (r.zone_id = ? OR r.zone_id IS NULL)
           GROUP BY r.user_id ORDER BY town, open_cases, r.user_id""",
        (zone_id,),
    )
    return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]


async def insert_session(
    conn: aiosqlite.Connection,
    mediation_id: int,
    *,
    starts_at: datetime,
    place: str,
    helpers: str,
    now: datetime,
) -> int:
    """A session; the first one is the case's first contact."""
    cur = await conn.execute(
        """INSERT INTO mediation_sessions (mediation_id, starts_at, place, helpers, created_at)
           VALUES (?, ?, ?, ?, ?)""",
        (mediation_id, to_iso(starts_at), place, helpers, to_iso(now)),
    )
    await conn.execute(
        "UPDATE mediations SET contacted_at = COALESCE(contacted_at, ?) WHERE id = ?",
        (to_iso(now), mediation_id),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def sessions(db: Database, mediation_id: int) -> list[Session]:
    """A case's sessions, in time order."""
    rows = await db.fetchall(
        "SELECT * FROM mediation_sessions WHERE mediation_id = ? ORDER BY starts_at, id",
        (mediation_id,),
    )
    return [record(Session, r) for r in rows]


async def session(db: Database, session_id: int) -> Session | None:
    """One session."""
    row = await db.fetchone("SELECT * FROM mediation_sessions WHERE id = ?", (session_id,))
    return record(Session, row) if row else None


async def set_attendance(
    conn: aiosqlite.Connection, session_id: int, side: str, attended: bool
) -> None:
    """Whether one side came to a session."""
    column = "attended_applicant" if side == "applicant" else "attended_other"
    await conn.execute(
        f"UPDATE mediation_sessions SET {column} = ? WHERE id = ?", (int(attended), session_id)
    )


async def close(
    conn: aiosqlite.Connection,
    mediation_id: int,
    status: str,
    *,
    now: datetime,
    terms: str | None = None,
    terms_photo: str | None = None,
    referral: str | None = None,
    reason: str | None = None,
    followup_at: datetime | None = None,
) -> bool:
    """The outcome of an active case (once: False when it was not active)."""
    cur = await conn.execute(
        """UPDATE mediations SET status = ?, terms = ?, terms_photo = ?, referral = ?,
               reason = ?, closed_at = ?, followup_at = ?
           WHERE id = ? AND status = 'active'""",
        (
            status,
            terms,
            terms_photo,
            referral,
            reason,
            to_iso(now),
            to_iso(followup_at) if followup_at else None,
            mediation_id,
        ),
    )
    return cur.rowcount == 1


async def decline(conn: aiosqlite.Connection, mediation_id: int, now: datetime) -> None:
    """The other side said no: the case closes as declined."""
    await conn.execute(
        "UPDATE mediations SET status = 'declined', closed_at = ? WHERE id = ? "
        "AND status = 'pending'",
        (to_iso(now), mediation_id),
    )


async def answer_followup(
    conn: aiosqlite.Connection, party_id: int, kept: bool, now: datetime
) -> bool:
    """A party's answer to the follow-up (once); a broken agreement marks the case relapsed."""
    cur = await conn.execute(
        """UPDATE mediation_parties SET kept = ?, answered_at = ?
           WHERE id = ? AND kept IS NULL""",
        (int(kept), to_iso(now), party_id),
    )
    if cur.rowcount != 1:
        return False
    if not kept:
        await conn.execute(
            """UPDATE mediations SET relapsed = 1 WHERE id =
                 (SELECT mediation_id FROM mediation_parties WHERE id = ?)""",
            (party_id,),
        )
    return True


async def of_person(db: Database, person_id: int) -> list[Mediation]:
    """Cases someone is a party of, newest first."""
    rows = await db.fetchall(
        f"""{_CASE} WHERE m.id IN (SELECT mediation_id FROM mediation_parties
                                    WHERE person_id = ?) ORDER BY m.id DESC LIMIT 20""",
        (person_id,),
    )
    return [record(Mediation, r) for r in rows]


async def of_mediator(db: Database, mediator_id: int) -> list[Mediation]:
    """A mediator's cases, open ones first, newest first."""
    rows = await db.fetchall(
        f"""{_CASE} WHERE m.mediator_id = ?
            ORDER BY m.status NOT IN ('pending', 'active'), m.id DESC LIMIT 20""",
        (mediator_id,),
    )
    return [record(Mediation, r) for r in rows]


async def of_zone(db: Database, zone_id: int | None) -> list[Mediation]:
    """Open cases of a zone (None: the town), for the dispatch centre."""
    rows = await db.fetchall(
        f"""{_CASE} WHERE m.status IN ('pending', 'active')
              AND (CAST(? AS INTEGER) IS NULL OR c.zone_id = ?)
            ORDER BY m.id DESC LIMIT 20""",
        (zone_id, zone_id),
    )
    return [record(Mediation, r) for r in rows]


async def overdue(db: Database, now: datetime) -> list[tuple[int, str]]:
    """(case id, which deadline) of open cases past a deadline the dispatch centre has not
    been told of: 'contact' (no session within 2 working days), 'result' (30 days)."""
    rows = await db.fetchall(
        """SELECT id, 'contact' FROM mediations
           WHERE status IN ('pending', 'active') AND contacted_at IS NULL
             AND contact_escalated_at IS NULL AND contact_due_at <= ?1
           UNION ALL
           SELECT id, 'result' FROM mediations
           WHERE status IN ('pending', 'active') AND result_escalated_at IS NULL
             AND result_due_at <= ?1""",
        (to_iso(now),),
    )
    return [(int(r[0]), str(r[1])) for r in rows]


async def mark_escalated(
    conn: aiosqlite.Connection, mediation_id: int, which: str, now: datetime
) -> bool:
    """Note that the dispatch centre was told of a deadline (once)."""
    column = "contact_escalated_at" if which == "contact" else "result_escalated_at"
    cur = await conn.execute(
        f"UPDATE mediations SET {column} = ? WHERE id = ? AND {column} IS NULL",
        (to_iso(now), mediation_id),
    )
    return cur.rowcount == 1


async def next_deadline(db: Database) -> datetime | None:
    """The earliest deadline not yet escalated of an open case."""
    found = await db.fetchval(
        """SELECT MIN(d) FROM (
               SELECT contact_due_at AS d FROM mediations
               WHERE status IN ('pending', 'active') AND contacted_at IS NULL
                 AND contact_escalated_at IS NULL
               UNION ALL
               SELECT result_due_at FROM mediations
               WHERE status IN ('pending', 'active') AND result_escalated_at IS NULL) AS due"""
    )
    return from_iso(str(found)) if found else None
