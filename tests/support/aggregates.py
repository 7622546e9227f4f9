"""Random event streams for the pre-aggregate tests: the events that change a complaint,
written through the real storage functions the services use."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from storage import complaints as store
from storage import lifecycle, patrols, people, privacy, proxy
from storage.db import Database

# Around the spring daylight-saving change in New York and a month's turn in Shanghai.
ORIGIN = datetime(2026, 2, 20, tzinfo=UTC)
SPAN = timedelta(days=40)
KINDS_FILED = ("complaint", "complaint", "hazard", "suggestion", "rectification")
PHONES = ("13812345678", "13900000000")  # the residents cases are filed for (代办)


def moment(rnd: random.Random) -> datetime:
    """A moment in the span, often right at a UTC or Shanghai midnight (either side)."""
    day = ORIGIN + timedelta(days=rnd.randrange(SPAN.days))
    edge = rnd.choice([timedelta(0), timedelta(hours=16), timedelta(hours=5), None])
    if edge is None:
        return day + timedelta(seconds=rnd.randrange(86400))
    return day + edge + timedelta(seconds=rnd.choice([-1, 0, 1]))


class Stream:
    """Random events written through the storage functions the services use."""

    def __init__(self, db: Database, rnd: random.Random, *, proxies: bool = True) -> None:
        self.db, self.rnd = db, rnd
        self.proxies = proxies  # some residents' cases are filed for them by staff (代办)
        self.ids: list[int] = []
        self.reporters: list[int] = []

    async def setup(self) -> None:
        self.grids = [r[0] for r in await self.db.fetchall("SELECT id FROM grids")]
        self.categories = [r[0] for r in await self.db.fetchall("SELECT id FROM categories")]
        self.departments = [r[0] for r in await self.db.fetchall("SELECT id FROM departments")]
        for n in range(4):
            await people.register(self.db, 700 + n, "甲", "zh-CN", self.grids[0], ORIGIN)
            self.reporters.append(700 + n)

    def _department(self) -> int | None:
        return self.rnd.choice([None, None, *self.departments])

    async def file(self) -> None:
        rnd = self.rnd
        created = moment(rnd)
        new = store.NewComplaint(
            reporter_id=rnd.choice(self.reporters),
            category_id=rnd.choice(self.categories),
            grid_id=rnd.choice(self.grids),
            description="路灯坏了",
            anonymous=False,
            kind=rnd.choice(KINDS_FILED),
            parent_id=rnd.choice(self.ids) if self.ids and rnd.random() < 0.2 else None,
        )
        async with self.db.transaction() as conn:
            complaint_id, _ = await store.insert(
                conn, new, created, year=created.year, department_id=self._department()
            )
            if rnd.random() < 0.9:  # some never got deadlines (NULLs are judged as in SQL)
                ack = created + timedelta(hours=rnd.randrange(1, 72))
                await lifecycle.set_due(conn, complaint_id, ack, ack + timedelta(days=3))
            if self.proxies and new.kind in ("complaint", "hazard") and rnd.random() < 0.3:
                await proxy.insert(
                    conn, complaint_id, name="王奶奶", phone=rnd.choice(PHONES), consent_by=800,
                    consent_at=created, filed_by=800, now=created,
                )  # fmt: skip
        self.ids.append(complaint_id)

    async def change(self) -> None:
        rnd = self.rnd
        complaint_id = rnd.choice(self.ids)
        status = await self.db.fetchval(
            "SELECT status FROM complaints WHERE id = ?", (complaint_id,)
        )
        at = moment(rnd)
        fields: dict[str, Any] = rnd.choice(
            [
                {"status": "accepted", "accepted_at": at},
                {"status": "rejected"},
                {"status": "resolved", "resolved_at": at},
                {"status": "closed", "closed_at": at, "close_reason": "confirmed",
                 "rating": rnd.choice([None, rnd.randint(1, 5)]),
                 "satisfaction": rnd.choice(["satisfied", "basic"])},
                {"status": "closed", "closed_at": at, "close_reason": "no_reply"},
                {"status": "reopened", "resolved_at": None},
                {"status": "reopened", "satisfaction": None, "redo_count": rnd.randint(1, 3)},
                {"satisfaction": rnd.choice([None, "satisfied", "basic"])},
                {"status": "transferred", "grid_id": rnd.choice(self.grids),
                 "department_id": self._department(), "accepted_at": None,
                 "ack_due_at": at, "resolve_due_at": at + timedelta(days=2)},
                {"status": "escalated", "escalated_at": at},
                {"rating": rnd.choice([None, 1, 5])},
            ]
        )  # fmt: skip
        async with self.db.transaction() as conn:
            assert await lifecycle.change(
                conn, complaint_id, expected_status=status, now=at, **fields
            )

    async def patrol(self) -> None:
        async with self.db.transaction() as conn:
            await patrols.insert(
                conn, worker_id=800, grid_id=self.rnd.choice(self.grids), now=moment(self.rnd),
                latitude=None, longitude=None, address=None, photo_file_id=None,
                hazard_found=True, complaint_id=self.rnd.choice(self.ids),
            )  # fmt: skip

    async def link(self) -> None:
        """A resident shares their contact: the cases filed for that number become theirs."""
        async with self.db.transaction() as conn:
            await proxy.link_in(
                conn, self.rnd.choice(PHONES), self.rnd.choice(self.reporters), moment(self.rnd)
            )

    async def erase(self) -> None:
        person = self.rnd.choice(self.reporters)
        async with self.db.transaction() as conn:
            await privacy.erase_in(conn, person)
        await people.register(self.db, person, "乙", "zh-CN", self.grids[0], ORIGIN)

    async def run(self, events: int) -> None:
        await self.setup()
        for _ in range(5):
            await self.file()
        steps = [self.file] * 4 + [self.change] * 8 + [self.patrol, self.erase]
        if self.proxies:
            steps.append(self.link)
        for _ in range(events):
            await self.rnd.choice(steps)()


async def sums_of(db: Database) -> list[tuple[object, ...]]:
    """The table of sums, row by row."""
    rows = await db.fetchall("SELECT * FROM complaint_sums ORDER BY 1, 2, 3, 4, 5, 6")
    return [tuple(r) for r in rows]
