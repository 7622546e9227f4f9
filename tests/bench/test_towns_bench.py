"""The towns row of `make bench`: its verdict (met, not met, FAILED) and text, and a tiny run
through the real processes (the emulator, the receiver and three workers on PostgreSQL,
`minhu run` on SQLite, the simulated people each in their own)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.bench import towns_broadcast as towns
from tests.bench.test_harness import _bench


def _run(rates: tuple[float, float, float], aggregate: float, **extra: Any) -> dict[str, Any]:
    """One run's figures as run_once makes them."""
    return {
        "failures": [],
        "recipients": 3000,
        "aggregate_per_s": aggregate,
        "elapsed_s": 105.0,
        "cluster_cpu_s": 80.0,
        "loadavg": "2.00 1.50 1.00",
        "towns": {
            key: {"rate_per_s": rate, "status_429": 0, "reply_p95_ms": 40.0, "reply_samples": 50}
            for (key, _), rate in zip(towns.PLACES, rates, strict=True)
        },
        **extra,
    }


def test_the_row_is_met_only_at_the_aggregate_target_with_no_429_from_any_bot() -> None:
    met = towns.verdict([_run((29.2,) * 3, 87.6), _run((29.3,) * 3, 88.0)], None)
    assert met["state"] == "met" and met["aggregate_per_s"]["median"] == 87.8
    slow = towns.verdict([_run((25.0, 29.2, 29.2), 83.0)], None)
    assert slow["state"] == "not met"
    assert [t["met"] for t in slow["targets"]] == [False, True]
    limited = _run((29.2,) * 3, 87.6)
    limited["towns"]["balidian"]["status_429"] = 3
    refused = towns.verdict([_run((29.2,) * 3, 87.6), limited], None)
    assert refused["state"] == "not met" and refused["towns"]["balidian"]["status_429"] == 3
    assert [t["met"] for t in refused["targets"]] == [True, False]


def test_a_lost_or_doubled_copy_a_400_or_a_crash_fails_the_row_whatever_the_figures() -> None:
    for failure in (
        "zhili: 2 residents got no copy",
        "shuanglin: 1 residents got more than one",
        "balidian: 1 × 400",
        "exit codes {'worker2': 1}",
    ):
        row = towns.verdict([_run((29.3,) * 3, 88.0), _run((29.3,) * 3, 88.0, failures=[failure])],
                            None)  # fmt: skip
        assert row["state"] == "FAILED" and row["failed"] == [f"run 2: {failure}"]
        assert f"FAILED: run 2: {failure}" in towns.render(row)
    crashed = towns.verdict([{"failures": ["worker did not start"], "loadavg": "1 1 1"}], None)
    assert crashed["state"] == "FAILED" and crashed["aggregate_per_s"]["runs"] == 0


def test_the_text_shows_each_town_the_targets_and_the_sqlite_baseline() -> None:
    baseline = {
        "rate_per_s": {"median": 29.3, "min": 29.3, "max": 29.3, "runs": 1},
        "reply_p95_ms": {"median": 7.0, "min": 7.0, "max": 7.0, "runs": 1},
        "status_429": 0,
        "state": "met",
        "failed": [],
    }
    text = towns.render(towns.verdict([_run((29.1, 29.2, 29.3), 87.5)], baseline))
    assert "three towns broadcasting at once, PostgreSQL, 3 workers, 3,000 recipients" in text
    assert "aggregate 87.50 msg/s (target 87.3)" in text
    assert "  balidian: 29.20 msg/s, 429s 0" in text
    assert "target aggregate >= 87.3/s: met" in text and "target 0 × 429 per bot: met" in text
    assert "one town broadcasting alone, SQLite, minhu run: 29.30 msg/s, 429s 0" in text
    skipped = {"config": "towns", "state": "SKIPPED", "failed": [], "why": "no server at x"}
    assert towns.render(skipped).endswith("SKIPPED: no server at x")


@pytest.mark.e2e
def test_a_tiny_run_of_three_towns_and_the_baseline_through_real_processes(
    tmp_path: Path,
) -> None:
    # 90 a town (3/10 of --quick's 300): more than the 30 a bot may send at once, so each
    # broadcast lasts seconds, as a town's does.
    code, output, result = _bench(tmp_path, "--only", "towns")
    row = result["towns"]
    if row["state"] == "SKIPPED":
        pytest.skip(row["why"])
    assert row["recipients"] == 90 and row["baseline"]["recipients"] == 90, output
    (run,) = row["each_run"]
    assert run["aggregate_per_s"] > 0 and set(run["towns"]) == {k for k, _ in towns.PLACES}
    met = run["aggregate_per_s"] >= towns.TARGET and all(
        t["status_429"] == 0 for t in run["towns"].values()
    )
    # No failure: a copy lost or doubled, a stall, a crash or a 400 (once, a progress message
    # edited by two processes to the same text: fixed by `broadcasts.progress_shown`).
    assert row["failed"] == [], output
    assert row["state"] == ("met" if met else "not met") and code == 0, output
    assert result["summary"]["three towns broadcasting at once (PostgreSQL)"] == row["state"]
    assert row["baseline"]["failed"] == [], output
