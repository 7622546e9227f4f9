"""The arithmetic of `make bench`: percentiles of one run, and a figure over several runs as its
median with the smallest and largest run."""

from __future__ import annotations

import math
import statistics
from typing import Any

Spread = dict[str, Any]  # {"median", "min", "max", "runs"}; median None when no run had it


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def spread(values: list[float | None]) -> Spread:
    """The median of the runs' values with the smallest and the largest (runs without the
    figure, None, are left out and not counted)."""
    known = [v for v in values if v is not None and not math.isnan(v)]
    if not known:
        return {"median": None, "min": None, "max": None, "runs": 0}
    return {
        "median": statistics.median(known),
        "min": min(known),
        "max": max(known),
        "runs": len(known),
    }


def fmt(s: Spread, digits: int = 1, unit: str = "") -> str:
    """``12.3 (11.0–14.1)``; a single run prints alone; ``-`` when no run had the figure."""
    if s["median"] is None:
        return "-"
    if s["runs"] == 1:
        return f"{s['median']:,.{digits}f}{unit}"
    return f"{s['median']:,.{digits}f}{unit} ({s['min']:,.{digits}f}–{s['max']:,.{digits}f})"
