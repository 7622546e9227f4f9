"""The screen benchmark at a small size: its processes start, the board's JSON is timed, the
pages receive every change of their scope (and nothing of another zone), and the figures and
verdicts come out."""

from __future__ import annotations

from tests.bench import screen


def test_a_small_run_measures_delivers_and_judges() -> None:
    options = screen.options(
        ["--cases", "300", "--pages", "8", "--rate", "5", "--seconds", "3", "--repeats", "5",
         "--runs", "1"]
    )  # fmt: skip
    result = screen.run(options)
    assert result["failed"] == [], result["failed"]
    run = result["runs"][0]
    assert run["state_town"]["cases"] == 300 > run["state_zone"]["cases"] > 0
    live = run["live"]
    assert live["changes"] == 15 and live["missed"] == 0 and live["leaked_to_other_zone"] == 0
    assert live["deliveries"] > 15  # each change reached several pages
    assert 0 < live["lag_p50_ms"] <= live["lag_p95_ms"] <= live["lag_max_ms"]
    text = screen.render(result)
    assert "300 open cases" in text and "8 pages live" in text
