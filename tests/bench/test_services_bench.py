"""The service circle benchmark at a small size: its points load, the search finds the nearest,
and the figures and the verdict come out; a crashed measurement is a FAILED row."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from tests.bench import __main__ as bench
from tests.bench import services


def test_a_small_run_measures_and_judges(tmp_path: Path) -> None:
    path = tmp_path / "services.db"
    made = asyncio.run(services.load(path, 300))
    assert made["points"] >= 300
    level = logging.getLogger("bot").level
    result = asyncio.run(services.measure(path, repeats=5))
    assert logging.getLogger("bot").level == level
    for key in ("all", "checkup", "counselling", "overall"):
        s = result[key]
        assert 0 < s["p50_ms"] <= s["p95_ms"] <= s["max_ms"]
    text = services.render({**made, **result, "verdict": {"nearest_met": True}})
    assert "among 300" in text or "among 3" in text
    assert "≤ 10 ms — met" in text


def test_a_crashed_measurement_is_a_failed_row(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("no database")

    monkeypatch.setattr(services, "run", broken)
    assert bench._services()["state"] == "FAILED"
