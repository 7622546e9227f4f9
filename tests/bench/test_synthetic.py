"""The bulletin benchmark's synthetic town (tests/bench/synthetic.py) is plausible data, and the
benchmark's measurement runs on it."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.bench import bulletins, synthetic

NOW = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)  # as the bench: New Year's morning
N = 2_000


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("bench-work")
    path, stats, reused = synthetic.cached(work, N, seed=7, now=NOW)
    assert not reused and stats["complaints"] == N
    again, _, reused = synthetic.cached(work, N, seed=7, now=NOW)
    assert reused and again == path  # the second run reuses the file
    return path


def one(db: sqlite3.Connection, sql: str) -> int:
    return int(db.execute(sql).fetchone()[0])


def test_counts_and_spread(town: Path) -> None:
    with sqlite3.connect(town) as db:
        assert one(db, "SELECT COUNT(*) FROM complaints") == N
        assert one(db, "SELECT COUNT(DISTINCT number) FROM complaints") == N
        assert one(db, "SELECT COUNT(*) FROM complaints WHERE created_at >= '2025-01-01'") == N
        assert one(db, "SELECT COUNT(*) FROM complaints WHERE created_at > '2027-01-01T02'") == 0
        months = dict(
            db.execute("SELECT substr(created_at, 1, 7), COUNT(*) FROM complaints GROUP BY 1")
        )
        two_years = [n for month, n in months.items() if month < "2027"]
        assert len(two_years) == 24 and min(two_years) > N / 24 / 2  # every month has cases
        for year in ("2025", "2026"):
            count = one(db, f"SELECT COUNT(*) FROM complaints WHERE created_at LIKE '{year}-%'")
            assert 0.4 * N < count < 0.6 * N
        numbers = "number NOT LIKE 'MH-' || substr(created_at, 1, 4) || '-______'"
        assert one(db, f"SELECT COUNT(*) FROM complaints WHERE {numbers}") == 0
        routed = one(db, "SELECT COUNT(*) FROM complaints WHERE department_id IS NOT NULL")
        assert 0.3 * N < routed < 0.5 * N
        rejected = one(db, "SELECT COUNT(*) FROM complaints WHERE status = 'rejected'")
        assert 0 < rejected < 0.05 * N
        workers = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT grid_id), MIN(display_name LIKE '网格员%') "
            "FROM role_grants WHERE role = 'grid_worker'"
        ).fetchone()
        grids = one(db, "SELECT COUNT(*) FROM grids")
        assert workers == (grids, grids, 1)
        assert one(db, "SELECT COUNT(zone_id) FROM role_grants WHERE role = 'representative'") == 10
        for table in ("assignments", "patrols", "reception_sessions", "meetings"):
            assert one(db, f"SELECT COUNT(*) FROM {table}") > 0, table


def test_foreign_keys_and_integrity(town: Path) -> None:
    with sqlite3.connect(town) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert one(db, "SELECT COUNT(*) FROM complaints WHERE parent_id >= id") == 0
        assert one(db, "SELECT COUNT(*) FROM complaints WHERE parent_id IS NOT NULL") > 0
        mismatched = one(
            db,
            "SELECT COUNT(*) FROM complaints c JOIN categories k ON k.id = c.category_id "
            "WHERE c.department_id IS NOT NULL AND c.department_id IS NOT k.department_id",
        )
        assert mismatched == 0
        supervised = one(
            db,
            "SELECT COUNT(*) FROM supervision_items s JOIN complaints c ON c.id = s.complaint_id "
            "WHERE c.kind NOT IN ('suggestion', 'rectification')",
        )
        assert supervised == 0


# Rows that break the rules of a complaint's life as seen at NOW: each must match nothing.
INCONSISTENT = {
    "submitted with later steps": "status = 'submitted' AND (accepted_at IS NOT NULL "
    "OR resolved_at IS NOT NULL OR closed_at IS NOT NULL)",
    "rejected with later steps": "status = 'rejected' AND (accepted_at IS NOT NULL "
    "OR resolved_at IS NOT NULL OR closed_at IS NOT NULL)",
    "accepted without accepted_at": "status = 'accepted' AND (accepted_at IS NULL "
    "OR resolved_at IS NOT NULL)",
    "resolved not resolved": "status = 'resolved' AND (resolved_at IS NULL "
    "OR closed_at IS NOT NULL OR accepted_at IS NULL)",
    "closed without its steps": "status = 'closed' AND (closed_at IS NULL OR resolved_at IS NULL "
    "OR accepted_at IS NULL OR IFNULL(close_reason, '') NOT IN ('confirmed', 'no_reply'))",
    "closing outside closed": "status <> 'closed' AND (closed_at IS NOT NULL "
    "OR close_reason IS NOT NULL)",
    "rating not on a confirmed close": "rating IS NOT NULL AND NOT (status = 'closed' "
    "AND close_reason = 'confirmed')",
    "confirmed without rating": "close_reason = 'confirmed' AND rating IS NULL",
    "escalated without escalated_at": "status = 'escalated' AND escalated_at IS NULL",
    "escalated and resolved": "escalated_at IS NOT NULL AND resolved_at IS NOT NULL",
    "steps out of order": "accepted_at < created_at OR resolved_at < accepted_at "
    "OR closed_at < resolved_at OR updated_at < created_at",
    "in the future": "MAX(created_at, updated_at, IFNULL(accepted_at, ''), "
    "IFNULL(resolved_at, ''), IFNULL(closed_at, ''), IFNULL(escalated_at, '')) "
    "> '2027-01-01T02:00:00+00:00'",
    "deadlines": "ABS(julianday(ack_due_at) - julianday(created_at) - 1) > 1e-6 "
    "OR ABS(julianday(resolve_due_at) - julianday(created_at) - 5) > 1e-6",
    "residents": "reporter_id IS NOT NULL OR anonymous <> 1",
}


@pytest.mark.parametrize("rule", INCONSISTENT)
def test_status_matches_timestamps(town: Path, rule: str) -> None:
    with sqlite3.connect(town) as db:
        assert one(db, f"SELECT COUNT(*) FROM complaints WHERE {INCONSISTENT[rule]}") == 0


def test_lifecycle_mix(town: Path) -> None:
    with sqlite3.connect(town) as db:
        statuses = dict(db.execute("SELECT status, COUNT(*) FROM complaints GROUP BY status"))
        assert statuses["closed"] > 0.8 * N
        on_time = one(db, "SELECT COUNT(*) FROM complaints WHERE accepted_at <= ack_due_at")
        late = one(db, "SELECT COUNT(*) FROM complaints WHERE accepted_at > ack_due_at")
        assert on_time > 0.8 * N and late > 0
        assert 0 < one(db, "SELECT COUNT(escalated_at) FROM complaints") < 0.08 * N
        ratings = dict(db.execute("SELECT rating, COUNT(*) FROM complaints GROUP BY rating"))
        assert ratings[5] > ratings[1] and set(ratings) == {None, 1, 2, 3, 4, 5}
        assert one(db, "SELECT COUNT(*) FROM complaints WHERE close_reason = 'no_reply'") > 0


def test_measurement_runs(town: Path) -> None:
    """The bench's child measurement: bare aggregate, the full bulletin and its chart."""
    result = asyncio.run(bulletins.measure(town, NOW, runs=1))
    assert result["complaints"] == N
    year, month = result["periods"]
    assert (year["period"], month["period"]) == ("year:2026-01-01", "month:2026-12-01")
    for p in (year, month):
        assert p["in_period"] > 0 and p["bare_ms"] > 0 and p["full_ms"] > 0
        assert p["messages"] >= 1 and p["tables"] >= 1
    assert 0.4 * N < year["in_period"] < 0.6 * N
    assert result["peak_rss_mb"] > 0
    rows = [{"complaints": N, **p} for p in result["periods"]]
    assert bulletins.verdict(rows)["ratio_met"] is None  # no 1M run
