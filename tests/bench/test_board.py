"""The board benchmark at a small size: its town loads, /board shows the cases, and the
figures and the verdict come out."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from tests.bench import board


def test_a_small_run_measures_and_judges(tmp_path: Path) -> None:
    path = tmp_path / "board.db"
    made = board.load(path, 120)
    assert made["cases"] == 120 and made["grids"] > 1
    level = logging.getLogger("bot").level
    result = asyncio.run(board.measure(path, repeats=3))
    assert logging.getLogger("bot").level == level  # later tests wait on the bot's warnings
    for key in ("town_first_page", "zone_first_page", "town_next_page"):
        s = result[key]
        assert 0 < s["p50_ms"] <= s["p95_ms"] <= s["max_ms"]
    assert "120 件" in result["town_total_line"]
    assert "120 件" not in result["zone_total_line"]  # the zone sees its part only
    text = board.render({**made, **result, "verdict": {"first_page_met": True}})
    assert "/board with 120 open cases" in text and "≤ 150 ms — met" in text
