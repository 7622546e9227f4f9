"""`make bench` itself: its arithmetic, and quick runs through the real processes (emulator,
bots and simulated users each in their own) where a failing user fails its row."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.bench import report
from tests.bench.stats import fmt, percentile, spread

ROOT = Path(__file__).resolve().parents[2]


def test_a_figure_is_the_median_of_the_runs_with_the_smallest_and_largest() -> None:
    assert spread([3.0, 1.0, 2.0]) == {"median": 2.0, "min": 1.0, "max": 3.0, "runs": 3}
    assert spread([4.0, 1.0, None, 2.0, 8.0])["median"] == 3.0  # even count: the middle two
    assert spread([None, float("nan")]) == {"median": None, "min": None, "max": None, "runs": 0}
    assert fmt(spread([0.42, 0.4, 0.66]), 2) == "0.42 (0.40–0.66)"
    assert fmt(spread([1234.4]), 0) == "1,234"  # a single run prints alone
    assert fmt(spread([None])) == "-"
    assert percentile([5.0, 1.0, 4.0, 2.0, 3.0], 95) == 5.0
    assert percentile([float(i) for i in range(1, 101)], 95) == 95.0


def _run(updates: float, cpu_ms: float, step_p95: float, failures: int = 0) -> dict[str, Any]:
    """One run's figures as report.run_figures makes them."""
    figures = dict.fromkeys(report.FIGURES, 10.0)
    return figures | {
        "updates_per_s": updates,
        "bot_cpu_ms_per_action": cpu_ms,
        "step_p95_ms": step_p95,
        "failures": [f"user {i}: step 3: no reply" for i in range(failures)],
        "users": 5,
        "tickets": 5 - failures,
        "status": {"400": 0, "403": 0, "429": 0},
    }


def test_the_ratios_pair_runs_and_judge_their_median() -> None:
    minhu = [_run(80, 6, 0), _run(100, 5, 0), _run(60, 8, 0)]
    echo = [_run(100, 5, 0), _run(100, 4, 0), _run(100, 4, 0)]
    row = report.verdict("flat", minhu, echo)
    assert row["ratio"] == {"median": 0.8, "min": 0.6, "max": 1.0, "runs": 3}
    assert row["cpu_ratio"] == {"median": 1.25, "min": 1.2, "max": 2.0, "runs": 3}
    assert row["state"] == "met"
    slower = report.verdict("flat", [_run(70, 6, 0)] * 3, echo)
    assert slower["state"] == "not met"
    assert [t["met"] for t in slower["targets"]] == [False, False]
    assert report.state([], [None]) == "not measured"  # e.g. no 1M bulletin in a quick run
    assert report.state([], [True, None]) == "not met"
    assert report.state(["1 users failed (echo)"], [True]) == "FAILED"


def test_a_failed_user_fails_the_row_whatever_the_figures() -> None:
    minhu = [_run(100, 4, 100), _run(100, 4, 100, failures=1), _run(100, 4, 100)]
    echo = [_run(100, 4, 100)] * 3
    row = report.verdict("paced", minhu, echo)
    assert row["state"] == "FAILED"
    assert row["failed"] == ["1 users failed (minhu)"]
    assert row["targets"] == [{"target": "step p95 <= 250 ms", "met": True}]
    twice = report.verdict("paced", [_run(100, 4, 100) | {"tickets": 4}] * 3, echo)
    assert twice["failed"][0] == "run 1: 4 distinct tickets for 5 residents"
    crashed = report.verdict("paced", [{"error": "minhu exited with 1"}] * 3, echo)
    assert crashed["state"] == "FAILED" and crashed["minhu"]["updates_per_s"]["runs"] == 0


def _bench(tmp_path: Path, *args: str) -> tuple[int, str, dict[str, Any]]:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench", "--quick", "--runs", "1", "--json", str(out), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    result = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    return done.returncode, done.stdout + done.stderr, result


@pytest.mark.e2e
def test_an_injected_failing_user_prints_failed_and_exits_non_zero(tmp_path: Path) -> None:
    code, output, result = _bench(
        tmp_path, "--only", "flows", "--configs", "flat", "--inject-failure", "minhu",
        "--step-timeout", "4",
    )  # fmt: skip
    assert code == 1, output
    assert "FAILED: 1 users failed (minhu)" in output
    assert result["summary"] == {"report flow, limits off, flat out": "FAILED"}
    (row,) = result["flows"]
    assert row["minhu"]["failed_users"] == 1 and row["echo"]["failed_users"] == 0
    assert "no complete reply to press 'rp:confirm'" in row["minhu"]["failures"][0]


@pytest.mark.e2e
def test_a_quick_run_measures_every_row_through_real_processes(tmp_path: Path) -> None:
    code, output, result = _bench(
        tmp_path, "--only", "flows", "broadcast", "--configs", "paced", "--broadcast-limits", "on",
        "--think", "0.2", "--recipients", "150", "--step-timeout", "30",
    )  # fmt: skip
    assert code == 0, output
    assert "FAILED" not in output
    (flow,) = result["flows"]
    for bot in ("minhu", "echo"):
        assert flow[bot]["failed_users"] == 0
        assert flow[bot]["step_p95_ms"]["median"] >= flow[bot]["first_p50_ms"]["median"] > 0
        assert flow[bot]["bot_cpu_ms_per_action"]["median"] > 0
    (sent,) = result["broadcast"]
    assert sent["failed"] == [] and sent["recipients"] == 150
    assert sent["rate_per_s"]["median"] > 0 and sent["reply_p95_ms"]["median"] > 0
    assert set(result["summary"].values()) <= {"met", "not met"}
