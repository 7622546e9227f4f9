"""Who can be reached: a person with the role who opened the bot (a row in `people`) and has
not blocked it. Grids, departments and categories with nobody reachable, and the complaints
that wait because nobody in charge could be told (the same rule as `bot.runtime.notices.reachable`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storage.db import Database

# A role grant whose holder can be written to.
_REACHABLE = """SELECT 1 FROM role_grants r JOIN people p ON p.id = r.user_id
                WHERE p.blocked_at IS NULL AND {condition}"""
_GRID = _REACHABLE.format(condition="r.role = 'grid_worker' AND r.grid_id = {grid}")
_DEPARTMENT = _REACHABLE.format(condition="r.role = 'department' AND r.department_id = {dept}")
# Someone reachable in charge of complaint `c`: its department's officers, else its grid's.
_IN_CHARGE = _REACHABLE.format(
    condition="""((c.department_id IS NOT NULL AND r.role = 'department'
                   AND r.department_id = c.department_id)
                  OR (c.department_id IS NULL AND r.role = 'grid_worker'
                      AND r.grid_id = c.grid_id))"""
)
# Not yet accepted (with `accepted_at IS NULL`; the rule of `bot.complaints.rules`'s awaiting
# acceptance): an escalated complaint nobody accepted still waits to be assigned.
WAITING = ("submitted", "transferred", "reopened", "escalated")


@dataclass(frozen=True)
class Unreachable:
    """Units whose complaints reach nobody in charge (names, sorted as configured)."""

    grids: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    admins: bool = True  # at least one admin can be reached

    def __bool__(self) -> bool:
        return bool(self.grids or self.departments or self.categories or not self.admins)


async def unreachable(db: Database, admin_ids: list[int]) -> Unreachable:
    """Grids without a reachable worker, departments without a reachable officer, active
    categories routed to such a department; and whether any admin can be reached."""
    grids = await db.fetchall(
        f"""SELECT g.name FROM grids g JOIN communities c ON c.id = g.community_id
            WHERE NOT EXISTS ({_GRID.format(grid="g.id")}) ORDER BY c.zone_id, c.id, g.id"""
    )
    departments = await db.fetchall(
        f"""SELECT d.name FROM departments d
            WHERE NOT EXISTS ({_DEPARTMENT.format(dept="d.id")}) ORDER BY d.id"""
    )
    categories = await db.fetchall(
        f"""SELECT k.name FROM categories k
            WHERE k.active = 1 AND k.department_id IS NOT NULL
              AND NOT EXISTS ({_DEPARTMENT.format(dept="k.department_id")})
            ORDER BY k.sort, k.id"""
    )
    marks = ",".join("?" * len(admin_ids)) or "NULL"
    admins = await db.fetchval(
        f"SELECT COUNT(*) FROM people WHERE blocked_at IS NULL AND id IN ({marks})",
        tuple(admin_ids),
    )
    return Unreachable(
        grids=[r[0] for r in grids],
        departments=[r[0] for r in departments],
        categories=[r[0] for r in categories],
        admins=bool(admins),
    )


async def waiting_unassigned(db: Database, limit: int = 10) -> tuple[int, list[dict[str, Any]]]:
    """Open complaints not yet accepted whose grid or department has nobody reachable: how
    many, and the oldest `limit` of them (they wait for an admin to transfer them)."""
    where = f"""c.status IN ({",".join("?" * len(WAITING))}) AND c.accepted_at IS NULL
        AND NOT EXISTS ({_IN_CHARGE})"""
    count = await db.fetchval(f"SELECT COUNT(*) FROM complaints c WHERE {where}", WAITING)
    rows = await db.fetchall(
        f"""SELECT c.id, c.number, c.created_at FROM complaints c WHERE {where}
            ORDER BY c.created_at, c.id LIMIT ?""",
        (*WAITING, limit),
    )
    return int(count or 0), [dict(r) for r in rows]
