"""The board (/board) of the dispatch centre: open work filtered and paged, in one query.

A case's deadline is the one it waits on: to accept while nobody has, else to resolve.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.codec import from_iso, to_iso
from storage.db import Database

_OPEN = "('submitted', 'accepted', 'transferred', 'reopened', 'escalated')"
_DUE = "CASE WHEN c.accepted_at IS NULL THEN c.ack_due_at ELSE c.resolve_due_at END"
_ASKING = (
    "EXISTS (SELECT 1 FROM dispatch_requests r WHERE r.complaint_id = c.id "
    "AND r.status = 'pending')"
)
_STATUS = {
    "all": "",
    "wait": "AND c.accepted_at IS NULL",
    "work": "AND c.accepted_at IS NOT NULL",
    "late": "AND c.status = 'escalated'",
    "ask": f"AND {_ASKING}",
}
_HELD_BY = """AND ((c.department_id IS NULL AND c.grid_id IN (
        SELECT grid_id FROM role_grants WHERE user_id = ? AND role = 'grid_worker'))
     OR c.department_id IN (
        SELECT department_id FROM role_grants WHERE user_id = ? AND role = 'department'))"""


@dataclass(frozen=True)
class Filters:
    """What the board shows: zones in scope (None: the town), and the chosen filters."""

    zones: tuple[int, ...] | None
    status: str = "all"  # all, wait, work, late, ask
    overdue: bool = False
    category_id: int = 0  # 0: every category
    assignee: int = 0  # 0: anyone; else the cases held by this person's grid or department


@dataclass(frozen=True)
class Row:
    """One line of the board."""

    id: int
    number: str
    status: str
    accepted: bool
    due_at: datetime | None
    description: str
    grid: str
    zone: str
    category: str
    category_en: str
    department: str | None
    asking: bool


def _where(f: Filters, now: datetime) -> tuple[str, list[object]]:
    sql = [f"c.status IN {_OPEN}", _STATUS[f.status]]
    params: list[object] = []
    if f.zones is not None:
        sql.append(f"AND m.zone_id IN ({','.join('?' * len(f.zones)) or 'NULL'})")
        params += f.zones
    if f.overdue:
        sql.append(f"AND {_DUE} < ?")
        params.append(to_iso(now))
    if f.category_id:
        sql.append("AND c.category_id = ?")
        params.append(f.category_id)
    if f.assignee:
        sql.append(_HELD_BY)
        params += [f.assignee, f.assignee]
    return " ".join(s for s in sql if s), params


_FROM = """FROM complaints c JOIN grids g ON g.id = c.grid_id
    JOIN communities m ON m.id = g.community_id JOIN zones z ON z.id = m.zone_id
    JOIN categories k ON k.id = c.category_id
    LEFT JOIN departments d ON d.id = c.department_id"""


async def page(
    db: Database, f: Filters, now: datetime, *, limit: int, offset: int
) -> tuple[list[Row], int]:
    """One page of the board, soonest deadline first (overdue at the top), and the total."""
    where, params = _where(f, now)
    total = await db.fetchval(f"SELECT COUNT(*) {_FROM} WHERE {where}", params)
    rows = await db.fetchall(
        f"""SELECT c.id, c.number, c.status, c.accepted_at IS NOT NULL, {_DUE},
                   substr(c.description, 1, 60), g.name, z.name, k.name, k.name_en, d.name,
                   {_ASKING}
            {_FROM} WHERE {where}
            ORDER BY {_DUE} IS NULL, {_DUE}, c.id LIMIT ? OFFSET ?""",
        [*params, limit, offset],
    )
    found = [
        Row(
            int(r[0]),
            str(r[1]),
            str(r[2]),
            bool(r[3]),
            from_iso(r[4]) if r[4] else None,
            str(r[5]),
            str(r[6]),
            str(r[7]),
            str(r[8]),
            str(r[9]),
            None if r[10] is None else str(r[10]),
            bool(r[11]),
        )
        for r in rows
    ]
    return found, int(total or 0)


async def ids(db: Database, f: Filters, now: datetime, *, limit: int) -> list[int]:
    """The ids of every case the filters show (bulk reassignment), oldest first."""
    where, params = _where(f, now)
    rows = await db.fetchall(
        f"SELECT c.id {_FROM} WHERE {where} ORDER BY c.id LIMIT ?", [*params, limit]
    )
    return [int(r[0]) for r in rows]


async def holders(
    db: Database, zones: tuple[int, ...] | None, now: datetime, *, limit: int
) -> list[tuple[int, str, int]]:
    """Staff holding open work in these zones: (user id, name, open cases), most first."""
    where, params = _where(Filters(zones), now)
    rows = await db.fetchall(
        f"""SELECT r.user_id, COALESCE(NULLIF(MAX(r.display_name), ''), MAX(p.first_name),
                   CAST(r.user_id AS TEXT)), COUNT(DISTINCT c.id) AS n
            {_FROM} JOIN role_grants r ON (r.role = 'grid_worker' AND c.department_id IS NULL
                                            AND r.grid_id = c.grid_id)
                                         OR (r.role = 'department'
                                            AND r.department_id = c.department_id)
            LEFT JOIN people p ON p.id = r.user_id
            WHERE {where} GROUP BY r.user_id ORDER BY n DESC, r.user_id LIMIT ?""",
        [*params, limit],
    )
    return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]


async def grids_of_zones(
    db: Database, zones: tuple[int, ...] | None, *, limit: int
) -> list[tuple[int, str]]:
    """(grid id, name) of the grids in these zones (every grid when None)."""
    if zones is None:
        rows = await db.fetchall("SELECT id, name FROM grids ORDER BY id LIMIT ?", (limit,))
    else:
        marks = ",".join("?" * len(zones)) or "NULL"
        rows = await db.fetchall(
            f"""SELECT g.id, g.name FROM grids g JOIN communities m ON m.id = g.community_id
                WHERE m.zone_id IN ({marks}) ORDER BY g.id LIMIT ?""",
            (*zones, limit),
        )
    return [(int(r[0]), str(r[1])) for r in rows]


async def events(db: Database, complaint_id: int, *, limit: int) -> list[tuple[datetime, str, str]]:
    """A case's latest history (at, kind, note), oldest of them first."""
    rows = await db.fetchall(
        """SELECT at, kind, note FROM (SELECT id, at, kind, note FROM complaint_events
               WHERE complaint_id = ? ORDER BY at DESC, id DESC LIMIT ?) AS latest
           ORDER BY at, id""",
        (complaint_id, limit),
    )
    return [(from_iso(r[0]), str(r[1]), str(r[2])) for r in rows]
