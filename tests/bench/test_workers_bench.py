"""The workers rows of `make bench`: their verdict and table, the SKIPPED row without a
PostgreSQL server, and a quick run through the real processes (receiver, workers, `minhu run`,
the emulator and the simulated users each in their own)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.bench import workers
from tests.bench.test_harness import _bench
from tests.support import databases


def _run(updates: float, **extra: Any) -> dict[str, Any]:
    """One run's figures as WorkersBench.run makes them."""
    figures: dict[str, Any] = dict.fromkeys(workers.FIGURES, 10.0)
    return figures | {
        "updates_per_s": updates,
        "actions": 52,
        "failures": [],
        "problems": [],
        "status": {"400": 0, "403": 0, "429": 0},
        "loadavg": "2.00 1.50 1.00",
        "log_errors": [],
        **extra,
    }


def test_a_row_is_the_median_of_its_runs_and_fails_on_anything_lost_doubled_or_refused() -> None:
    row = workers.verdict("2", [_run(30), _run(10), _run(20)])
    assert row["state"] == "measured" and row["failed"] == []
    assert row["updates_per_s"] == {"median": 20, "min": 10, "max": 30, "runs": 3}
    limited = workers.verdict("2", [_run(30), _run(30, status={"400": 0, "403": 0, "429": 2})])
    assert limited["state"] == "FAILED"
    assert limited["failed"] == ["run 2: 2 × 429 from the emulator"]
    doubled = workers.verdict("4", [_run(30, problems=["1 updates handled more than once"])])
    assert doubled["failed"] == ["run 1: 1 updates handled more than once"]
    lost = workers.verdict("1", [_run(30, failures=["user 5000000: step 4: no reply"])])
    assert lost["state"] == "FAILED"
    crashed = workers.verdict("sqlite", [{"error": "minhu exited with 1", "log_errors": []}])
    assert crashed["state"] == "FAILED" and crashed["updates_per_s"]["runs"] == 0


def test_the_table_shows_each_row_beside_sqlite_and_a_skipped_row_with_its_reason() -> None:
    rows = [
        workers.verdict("sqlite", [_run(40)]),
        workers.verdict("1", [_run(30)]),
        {"config": "2", "state": "SKIPPED", "failed": [], "why": "no PostgreSQL server at x"},
    ]
    text = workers.render(rows, {"residents": 4, "rounds": 1, "runs": 1})
    assert "workers: PostgreSQL, 1 worker + receiver      30.0" in text
    assert "0.75" in text  # 30 ÷ 40
    assert "2 workers + receiver     SKIPPED: no PostgreSQL server at x" in text
    assert "load average after each run: 2.00 1.50 1.00; 2.00 1.50 1.00" in text


def test_no_server_is_one_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(databases, "SERVER", "postgresql://127.0.0.1:1/postgres")
    why = asyncio.run(databases.server_missing())
    assert why is not None and why.startswith("no PostgreSQL server at postgresql://127.0.0.1:1/")


@pytest.mark.e2e
def test_a_quick_run_of_sqlite_and_two_workers_through_real_processes(tmp_path: Path) -> None:
    code, output, result = _bench(tmp_path, "--only", "workers", "--workers", "2")
    assert code == 0, output
    assert "FAILED" not in output
    sqlite, two = result["workers"]
    assert sqlite["config"] == "sqlite" and sqlite["state"] == "measured"
    assert sqlite["updates_per_s"]["median"] > 0
    if two["state"] == "SKIPPED":
        pytest.skip(two["why"])
    assert two["state"] == "measured", two["failed"]
    assert two["first_p95_ms"]["median"] > 0
    (run,) = two["each_run"]
    assert run["actions"] >= 4 * 13 and run["problems"] == [] and run["tickets"] == 4


def test_the_limits_on_variant_is_named_so_and_compared_with_sqlite_limits_on() -> None:
    rows = [workers.verdict("sqlite:limits", [_run(40)]), workers.verdict("2:limits", [_run(10)])]
    text = workers.render(rows, {"residents": 4, "rounds": 1, "runs": 1, "limits": True})
    assert text.startswith("Workers: the report flow flat out, limits on, 4 residents")
    assert "workers: PostgreSQL, 2 workers + receiver, limits on" in text
    assert "0.25" in text  # 10 ÷ 40: beside SQLite with the limits on too
