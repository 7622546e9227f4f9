"""What the command centre's screen reads: the open cases of a scope with what the map and
the board need, the town's names, today's counts, a case's history, and what changed since
a watermark (one query per server process, not per open page). No resident's name or phone
is read here, and no reporter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.codec import to_iso
from storage.db import Database

OPEN = "('submitted', 'accepted', 'transferred', 'reopened', 'escalated')"
_DUE = "CASE WHEN c.accepted_at IS NULL THEN c.ack_due_at ELSE c.resolve_due_at END"


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One case as the screen shows it (times as stored: UTC ISO text)."""

    id: int
    number: str
    status: str
    accepted: bool
    due_at: str | None
    grid_id: int
    zone_id: int
    category_id: int
    department_id: int | None
    latitude: float | None
    longitude: float | None
    asks_reject: bool  # a 退回 waits for the dispatch centre's ruling
    asks_extend: bool  # a 延期 waits for it
    reported: bool  # the ladder's 通报 was sent
    created_at: str


_SELECT = f"""SELECT c.id, c.number, c.status, c.accepted_at IS NOT NULL, {_DUE}, c.grid_id,
       m.zone_id, c.category_id, c.department_id, c.latitude, c.longitude,
       COALESCE(r.rj, 0), COALESCE(r.ex, 0), c.reported_at IS NOT NULL, c.created_at
    FROM complaints c JOIN grids g ON g.id = c.grid_id
    JOIN communities m ON m.id = g.community_id
    LEFT JOIN (SELECT complaint_id, MAX(CASE WHEN kind = 'reject' THEN 1 ELSE 0 END) AS rj,
                      MAX(CASE WHEN kind = 'extend' THEN 1 ELSE 0 END) AS ex
               FROM dispatch_requests WHERE status = 'pending' GROUP BY complaint_id) r
      ON r.complaint_id = c.id"""


def _zones(zones: tuple[int, ...] | None) -> tuple[str, list[object]]:
    if zones is None:
        return "", []
    return f" AND m.zone_id IN ({','.join('?' * len(zones)) or 'NULL'})", list(zones)


def _row(r: tuple[object, ...]) -> CaseRow:
    return CaseRow(
        r[0],  # type: ignore[arg-type]
        r[1],  # type: ignore[arg-type]
        r[2],  # type: ignore[arg-type]
        bool(r[3]),
        r[4],  # type: ignore[arg-type]
        r[5],  # type: ignore[arg-type]
        r[6],  # type: ignore[arg-type]
        r[7],  # type: ignore[arg-type]
        r[8],  # type: ignore[arg-type]
        r[9],  # type: ignore[arg-type]
        r[10],  # type: ignore[arg-type]
        bool(r[11]),
        bool(r[12]),
        bool(r[13]),
        r[14],  # type: ignore[arg-type]
    )


async def open_cases(db: Database, zones: tuple[int, ...] | None) -> list[CaseRow]:
    """Every open case of these zones (None: the town)."""
    where, params = _zones(zones)
    rows = await db.fetchall(f"{_SELECT} WHERE c.status IN {OPEN}{where}", params)
    return [_row(tuple(r)) for r in rows]


async def cases(db: Database, ids: list[int]) -> list[CaseRow]:
    """These cases, open or not (what changed)."""
    if not ids:
        return []
    rows = await db.fetchall(f"{_SELECT} WHERE c.id IN ({','.join('?' * len(ids))})", ids)
    return [_row(tuple(r)) for r in rows]


async def watermark(db: Database) -> tuple[int, int]:
    """(last case event id, last dispatch request id): moves whenever a case changes."""
    row = await db.fetchone(
        "SELECT (SELECT MAX(id) FROM complaint_events), (SELECT MAX(id) FROM dispatch_requests)"
    )
    assert row is not None
    return int(row[0] or 0), int(row[1] or 0)


async def changed_since(db: Database, event_id: int, request_id: int, *, limit: int) -> list[int]:
    """Cases with an event or a dispatch request after these ids."""
    rows = await db.fetchall(
        """SELECT complaint_id FROM complaint_events WHERE id > ?
           UNION SELECT complaint_id FROM dispatch_requests WHERE id > ?
           ORDER BY 1 LIMIT ?""",
        (event_id, request_id, limit),
    )
    return [int(r[0]) for r in rows]


async def ruled_since(db: Database, since: datetime) -> list[int]:
    """Cases whose dispatch request was ruled on from this moment (a ruling adds no row)."""
    rows = await db.fetchall(
        "SELECT DISTINCT complaint_id FROM dispatch_requests WHERE decided_at >= ?",
        (to_iso(since),),
    )
    return [int(r[0]) for r in rows]


async def names(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """The town's zones, grids (with their zone), categories and departments."""
    return {
        "zones": [tuple(r) for r in await db.fetchall("SELECT id, name FROM zones ORDER BY id")],
        "grids": [
            tuple(r)
            for r in await db.fetchall(
                """SELECT g.id, g.code, g.name, m.zone_id, m.name FROM grids g
                   JOIN communities m ON m.id = g.community_id ORDER BY g.id"""
            )
        ],
        "categories": [
            tuple(r)
            for r in await db.fetchall("SELECT id, name, name_en FROM categories ORDER BY sort, id")
        ],
        "departments": [
            tuple(r)
            for r in await db.fetchall("SELECT id, name, name_en FROM departments ORDER BY id")
        ],
    }


async def holders(db: Database) -> list[tuple[int, str, int | None, int | None]]:
    """Staff who hold cases: (user id, name, grid id, department id), one row a grant."""
    rows = await db.fetchall(
        """SELECT r.user_id, COALESCE(NULLIF(r.display_name, ''), p.first_name,
                  CAST(r.user_id AS TEXT)), r.grid_id, r.department_id
           FROM role_grants r LEFT JOIN people p ON p.id = r.user_id
           WHERE r.role IN ('grid_worker', 'department') ORDER BY r.user_id"""
    )
    return [(int(r[0]), str(r[1]), r[2], r[3]) for r in rows]


async def today(
    db: Database, zones: tuple[int, ...] | None, since: datetime
) -> tuple[int, int, int]:
    """(new, accepted, closed) cases of these zones from this moment."""
    where, params = _zones(zones)
    at = to_iso(since)
    row = await db.fetchone(
        f"""SELECT SUM(CASE WHEN c.created_at >= ? THEN 1 ELSE 0 END),
                   SUM(CASE WHEN c.accepted_at >= ? THEN 1 ELSE 0 END),
                   SUM(CASE WHEN c.closed_at >= ? THEN 1 ELSE 0 END)
            FROM complaints c JOIN grids g ON g.id = c.grid_id
            JOIN communities m ON m.id = g.community_id
            WHERE (c.created_at >= ? OR c.accepted_at >= ? OR c.closed_at >= ?){where}""",
        [at, at, at, at, at, at, *params],
    )
    assert row is not None
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


async def period_counts(
    db: Database, zones: tuple[int, ...] | None, start: datetime, end: datetime
) -> tuple[int, int, int]:
    """(filed, closed, hazards filed) of these zones in [start, end)."""
    where, params = _zones(zones)
    a, b = to_iso(start), to_iso(end)
    row = await db.fetchone(
        f"""SELECT SUM(CASE WHEN c.created_at >= ? AND c.created_at < ? THEN 1 ELSE 0 END),
                   SUM(CASE WHEN c.closed_at >= ? AND c.closed_at < ? THEN 1 ELSE 0 END),
                   SUM(CASE WHEN c.created_at >= ? AND c.created_at < ? AND c.kind = 'hazard'
                       THEN 1 ELSE 0 END)
            FROM complaints c JOIN grids g ON g.id = c.grid_id
            JOIN communities m ON m.id = g.community_id
            WHERE ((c.created_at >= ? AND c.created_at < ?)
                   OR (c.closed_at >= ? AND c.closed_at < ?)){where}""",
        [a, b, a, b, a, b, a, b, a, b, *params],
    )
    assert row is not None
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


async def case_card(db: Database, case_id: int) -> tuple[object, ...] | None:
    """(number, kind, description, address, created_at, zone id, category id, grid id,
    department id, rating, resolved_at, closed_at, status) of one case."""
    row = await db.fetchone(
        """SELECT c.number, c.kind, c.description, c.address, c.created_at, m.zone_id,
                  c.category_id, c.grid_id, c.department_id, c.rating, c.resolved_at,
                  c.closed_at, c.status
           FROM complaints c JOIN grids g ON g.id = c.grid_id
           JOIN communities m ON m.id = g.community_id WHERE c.id = ?""",
        (case_id,),
    )
    return None if row is None else tuple(row)


async def history(db: Database, case_id: int, *, limit: int) -> list[tuple[str, str, str]]:
    """A case's latest steps (at, kind, note), oldest of them first."""
    rows = await db.fetchall(
        """SELECT at, kind, note FROM (SELECT id, at, kind, note FROM complaint_events
               WHERE complaint_id = ? ORDER BY id DESC LIMIT ?) AS e ORDER BY id""",
        (case_id, limit),
    )
    return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


async def meetings_coming(
    db: Database, zones: tuple[int, ...] | None, now: datetime, *, limit: int
) -> list[tuple[int, str, str, str, int]]:
    """(id, title, starts_at, place, capacity) of coming meetings in scope (town-wide ones too)."""
    where, params = (
        ("", [])
        if zones is None
        else (
            f" AND (zone_id IS NULL OR zone_id IN ({','.join('?' * len(zones)) or 'NULL'}))",
            list(zones),
        )
    )
    rows = await db.fetchall(
        f"""SELECT id, title, starts_at, place, capacity FROM meetings
            WHERE status = 'open' AND starts_at >= ?{where} ORDER BY starts_at LIMIT ?""",
        [to_iso(now), *params, limit],
    )
    return [(int(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4])) for r in rows]


async def volunteer_counts(
    db: Database, zones: tuple[int, ...] | None, start: datetime, end: datetime
) -> tuple[int, int]:
    """(activities, volunteers attended) in scope in [start, end)."""
    where, params = (
        ("", [])
        if zones is None
        else (
            f" AND a.zone_id IN ({','.join('?' * len(zones)) or 'NULL'})",
            list(zones),
        )
    )
    row = await db.fetchone(
        f"""SELECT COUNT(DISTINCT a.id),
                   (SELECT COUNT(*) FROM volunteer_signups s JOIN volunteer_activities b
                      ON b.id = s.activity_id WHERE s.status = 'attended'
                      AND b.starts_at >= ? AND b.starts_at < ?
                      {where.replace("a.zone_id", "b.zone_id")})
            FROM volunteer_activities a WHERE a.status <> 'cancelled'
              AND a.starts_at >= ? AND a.starts_at < ?{where}""",
        [to_iso(start), to_iso(end), *params, to_iso(start), to_iso(end), *params],
    )
    assert row is not None
    return int(row[0] or 0), int(row[1] or 0)


async def mediation_counts(
    db: Database, zones: tuple[int, ...] | None, start: datetime, end: datetime
) -> tuple[int, int]:
    """(opened, settled by agreement) mediations in scope in [start, end)."""
    where, params = _zones(zones)
    row = await db.fetchone(
        f"""SELECT SUM(CASE WHEN d.opened_at >= ? AND d.opened_at < ? THEN 1 ELSE 0 END),
                   SUM(CASE WHEN d.closed_at >= ? AND d.closed_at < ?
                       AND d.status IN ('succeeded', 'partial') THEN 1 ELSE 0 END)
            FROM mediations d JOIN grids g ON g.id = d.grid_id
            JOIN communities m ON m.id = g.community_id WHERE 1 = 1{where}""",
        [to_iso(start), to_iso(end), to_iso(start), to_iso(end), *params],
    )
    assert row is not None
    return int(row[0] or 0), int(row[1] or 0)
