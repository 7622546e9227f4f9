"""A typed address against the grids' place names (小区, 楼栋, roads, landmarks and the grids'
own names), fuzzily: a place name written inside the address wins (the longest one); else the
best fuzzy match of a name of 4 characters or more (one wrong character, 阳光晓区 for 阳光小区,
still matches). Two grids equally good is no answer: the resident is asked instead."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

FUZZY_MIN_LENGTH = 4  # shorter names must be written exactly
FUZZY_SCORE = 75.0  # partial_ratio, 0-100

_NOISE = re.compile(r"[\s,，.。、;；:：()（）\-—_/\\\"'“”]+")


def normalize(text: str) -> str:
    """Lower case, without spaces and punctuation (full-width ones too)."""
    return _NOISE.sub("", text).lower()


class PlaceNames:
    """Every (grid id, name), normalized once."""

    def __init__(self, names: Sequence[tuple[int, str]]) -> None:
        self._names = [(grid_id, normalize(n)) for grid_id, n in names if len(normalize(n)) >= 2]

    def match(self, address: str) -> int | None:
        """The one grid the address names, or None (nothing, or two grids as good)."""
        text = normalize(address)
        if len(text) < 2:
            return None
        exact = [(float(len(name)), grid_id) for grid_id, name in self._names if name in text]
        if exact:
            return _unique_best(exact)
        scored = [
            (fuzz.partial_ratio(name, text), grid_id)
            for grid_id, name in self._names
            if len(name) >= FUZZY_MIN_LENGTH
        ]
        return _unique_best([s for s in scored if s[0] >= FUZZY_SCORE])


def _unique_best(scored: list[tuple[float, int]]) -> int | None:
    """The grid of the best score, unless another grid scores the same."""
    if not scored:
        return None
    best = max(score for score, _ in scored)
    grids = {grid_id for score, grid_id in scored if score == best}
    return grids.pop() if len(grids) == 1 else None
