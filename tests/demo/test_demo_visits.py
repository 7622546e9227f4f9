"""The demo grid worker has households on the home-visit register: consent recorded, one of
them overdue, their pending rows there — written once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.demo.run import prepare_database
from bot.visits import rules
from storage import geo
from storage import visits as store
from storage.db import Database

TZ = ZoneInfo("Asia/Shanghai")


async def test_the_demo_worker_has_a_register_with_one_household_overdue(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    await prepare_database(path)
    await prepare_database(path)  # again: nothing added twice
    now = datetime.now(UTC)
    async with Database(path) as db:
        grid = await geo.grid_id_by_code(db, "SQ-01-01")
        assert grid is not None
        households = await store.of_grids(db, [grid])
        assert len(households) == 4
        assert all(h.consent_by == 200001 and h.consent_at <= now for h in households)
        late = [
            h
            for h in households
            if rules.days_overdue(h.last_visit_at or h.registered_at, h.cadence_days, TZ, now)
        ]
        assert [h.kind for h in late] == ["困难家庭"]
        for h in households:
            assert await store.pending_timers(db, h.id)
        assert await db.fetchval("SELECT COUNT(*) FROM people") == 4  # no resident invented
