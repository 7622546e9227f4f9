"""SQL of the mediation table: cases per zone and kind by outcome — counts only, no names and
no words of a case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.codec import to_iso
from storage.db import Database


@dataclass(frozen=True)
class Count:
    """Cases opened in a period for one zone and kind, by how they stand."""

    zone_id: int
    kind: str
    opened: int
    succeeded: int
    partial: int
    failed: int
    declined: int
    relapsed: int


async def counts(db: Database, start: datetime, end: datetime) -> list[Count]:
    """Cases opened in [start, end) per zone and kind, by outcome (no names, no words)."""
    rows = await db.fetchall(
        """SELECT c.zone_id, m.kind, COUNT(*) AS opened,
                  SUM(m.status = 'succeeded') AS succeeded, SUM(m.status = 'partial') AS partial,
                  SUM(m.status = 'failed') AS failed, SUM(m.status = 'declined') AS declined,
                  SUM(m.relapsed) AS relapsed
           FROM mediations m JOIN grids g ON g.id = m.grid_id
           JOIN communities c ON c.id = g.community_id
           WHERE m.opened_at >= ? AND m.opened_at < ?
           GROUP BY c.zone_id, m.kind ORDER BY c.zone_id, m.kind""",
        (to_iso(start), to_iso(end)),
    )
    return [Count(int(r[0]), str(r[1]), *(int(r[i] or 0) for i in range(2, 8))) for r in rows]
