"""What /nearby reads: the cases of a few grids that neighbours may see, and the grids nearby.

Only what a neighbour may read leaves here: no reporter, no address, no location, no photo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.codec import from_iso, to_iso
from storage.db import Database

OPEN = ("submitted", "accepted", "transferred", "reopened", "escalated")
SOLVED = ("resolved", "closed")


@dataclass(frozen=True)
class NearbyCase:
    """One case as neighbours see it (its description is shortened and masked above)."""

    id: int
    number: str
    grid_id: int
    grid: str
    category: str
    category_en: str
    description: str
    status: str
    created_at: datetime
    supporters: int
    reporter_id: int | None


async def community_grids(db: Database, grid_id: int) -> list[int]:
    """The grids of the same community as `grid_id` (itself included)."""
    rows = await db.fetchall(
        """SELECT g.id FROM grids g JOIN grids mine ON mine.community_id = g.community_id
           WHERE mine.id = ? ORDER BY g.id""",
        (grid_id,),
    )
    return [int(r[0]) for r in rows]


async def cases(
    db: Database, grid_ids: Sequence[int], solved_since: datetime, limit: int = 200
) -> list[NearbyCase]:
    """The public complaints and hazards of these grids: open ones, and those resolved or
    closed since `solved_since`; open first, newest first."""
    if not grid_ids:
        return []
    marks = ",".join("?" * len(grid_ids))
    open_marks = ",".join("?" * len(OPEN))
    rows = await db.fetchall(
        f"""SELECT c.id, c.number, c.grid_id, g.name AS grid, k.name AS category,
                   k.name_en AS category_en, c.description, c.status, c.created_at,
                   c.reporter_id,
                   (SELECT COUNT(*) FROM complaint_supporters s
                     WHERE s.complaint_id = c.id) AS supporters
            FROM complaints c
            JOIN grids g ON g.id = c.grid_id
            JOIN categories k ON k.id = c.category_id
            WHERE c.grid_id IN ({marks}) AND c.public = 1
              AND c.kind IN ('complaint', 'hazard')
              AND (c.status IN ({open_marks})
                   OR (c.status IN ('resolved', 'closed')
                       AND COALESCE(c.resolved_at, c.closed_at) >= ?))
            ORDER BY c.status IN ('resolved', 'closed'), c.created_at DESC, c.id DESC
            LIMIT ?""",
        (*grid_ids, *OPEN, to_iso(solved_since), limit),
    )
    return [
        NearbyCase(
            id=int(r["id"]),
            number=r["number"],
            grid_id=int(r["grid_id"]),
            grid=r["grid"],
            category=r["category"],
            category_en=r["category_en"],
            description=r["description"],
            status=r["status"],
            created_at=from_iso(r["created_at"]),
            supporters=int(r["supporters"]),
            reporter_id=r["reporter_id"],
        )
        for r in rows
    ]


async def is_public(db: Database, complaint_id: int) -> bool:
    """Whether neighbours may see the case (False for one that does not exist)."""
    return bool(await db.fetchval("SELECT public FROM complaints WHERE id = ?", (complaint_id,)))


async def set_public(db: Database, complaint_id: int, public: bool) -> bool:
    """Show or hide a case on /nearby; False when it already was so."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE complaints SET public = ? WHERE id = ? AND public <> ?",
            (int(public), complaint_id, int(public)),
        )
        return cur.rowcount == 1
