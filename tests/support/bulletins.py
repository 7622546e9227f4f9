"""Hand-made records for the bulletin tests: complaints, staff and patrols written straight
into a real SQLite file, with the times each test states (deadlines from the real working-day
calendar), so every figure in a bulletin has a known answer."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.calendar.workdays import WorkCalendar
from bot.core.clock import to_iso
from storage.db import Database

TZ = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkCalendar(TZ)
_numbers = itertools.count(1)


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


@dataclass
class Town:
    """Writes records into the demo town (grids and categories looked up by code)."""

    db: Database
    grids: dict[str, int] = field(default_factory=dict)
    categories: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # id, ack, resolve

    async def load(self) -> Town:
        for r in await self.db.fetchall("SELECT id, code FROM grids"):
            self.grids[r[1]] = r[0]
        for r in await self.db.fetchall("SELECT id, code, ack_days, resolve_days FROM categories"):
            self.categories[r[1]] = (r[0], r[2], r[3])
        return self

    async def complaint(
        self,
        grid: str,
        created: datetime,
        *,
        category: str = "sanitation",
        accepted: datetime | None = None,
        resolved: datetime | None = None,
        closed: datetime | None = None,
        close_reason: str | None = None,
        rating: int | None = None,
        escalated: datetime | None = None,
        parent: int | None = None,
        rejected: bool = False,
        department: int | None = None,
        reporter: int | None = None,
        description: str = "楼道里堆满杂物",
    ) -> int:
        """One complaint with deadlines as the service computes them on arrival."""
        category_id, ack_days, resolve_days = self.categories[category]
        status = "submitted"
        if accepted:
            status = "accepted"
        if resolved:
            status = "resolved"
        if closed:
            status = "closed"
        if rejected:
            status = "rejected"
        number = next(_numbers)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                """INSERT INTO complaints (number, category_id, grid_id, reporter_id, description,
                       status, department_id, ack_due_at, resolve_due_at, accepted_at,
                       resolved_at, closed_at, close_reason, rating, parent_id, escalated_at,
                       created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    f"MH-{created.year}-{number:06d}",
                    category_id,
                    self.grids[grid],
                    reporter,
                    description,
                    status,
                    department,
                    to_iso(CALENDAR.add_working_days(created, ack_days)),
                    to_iso(CALENDAR.add_working_days(created, resolve_days)),
                    _iso(accepted),
                    _iso(resolved),
                    _iso(closed),
                    close_reason,
                    rating,
                    parent,
                    _iso(escalated),
                    to_iso(created),
                    to_iso(created),
                ),
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    async def handled_well(self, grid: str, created: datetime, count: int, rating: int = 5) -> None:
        """`count` cases accepted within the hour and resolved the same day, rated."""
        for _ in range(count):
            await self.complaint(
                grid,
                created,
                accepted=created + timedelta(hours=1),
                resolved=created + timedelta(hours=3),
                closed=created + timedelta(hours=5),
                close_reason="confirmed",
                rating=rating,
            )

    async def many(self, grid: str, created: datetime, count: int, category: str) -> None:
        """`count` bare cases (for counts and year-on-year change)."""
        async with self.db.transaction() as conn:
            category_id = self.categories[category][0]
            await conn.executemany(
                """INSERT INTO complaints (number, category_id, grid_id, description, status,
                       created_at, updated_at) VALUES (?, ?, ?, '占道经营', 'submitted', ?, ?)""",
                [
                    (
                        f"MH-X-{next(_numbers):07d}",
                        category_id,
                        self.grids[grid],
                        to_iso(created),
                        to_iso(created),
                    )
                    for _ in range(count)
                ],
            )

    async def worker(self, user_id: int, grid: str, name: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                """INSERT INTO role_grants (user_id, role, grid_id, display_name, granted_at)
                   VALUES (?, 'grid_worker', ?, ?, '2026-01-01T00:00:00+00:00')""",
                (user_id, self.grids[grid], name),
            )

    async def patrols(self, user_id: int, grid: str, at: datetime, count: int) -> None:
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO patrols (worker_id, grid_id, at) VALUES (?, ?, ?)",
                [(user_id, self.grids[grid], to_iso(at))] * count,
            )


def _iso(moment: datetime | None) -> str | None:
    return to_iso(moment) if moment else None
