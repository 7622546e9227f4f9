"""The district bulletin's rules: towns ranked by the town bulletins' own fair rules.

A town is scored as a whole on its residents' cases (群众诉求, whoever handled them), its
patrols and its home-visit coverage, with `bot.bulletins.rankings` itself: the same weights,
the same minimum sample (`bulletin_min_cases` judged cases), equal shown scores sharing a
place, and year-on-year change worded as the town bulletins word it. A town under the minimum
sample is listed apart (样本不足), never ranked; a town whose records could not be read is
named apart too, never counted as zero. No resident appears: towns are the only units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.bulletins.rankings import Change, Ranked, UnitStats, Weights, rank
from bot.core.periods import Period


@dataclass(frozen=True)
class TownFigures:
    """One town's record in the period: its stats (key and name are the town's) and its
    residents' cases now and a year earlier."""

    stats: UnitStats
    change: Change


@dataclass(frozen=True)
class DistrictReport:
    """The towns of a district in one period: ranked, under the sample, and unread."""

    district: str
    period: Period
    as_of: datetime
    weights: Weights
    min_cases: int
    ranked: list[Ranked]  # best first; ties share a place
    short: list[Ranked]  # fewer judged cases than min_cases (样本不足): listed, not ranked
    changes: dict[str, Change]  # town key -> its residents' cases year on year
    unread: list[str]  # names of the towns whose records could not be read

    @property
    def total(self) -> Change:
        """The district's residents' cases, year on year (the towns read)."""
        return Change(
            sum(c.current for c in self.changes.values()),
            sum(c.previous for c in self.changes.values()),
        )

    @property
    def towns(self) -> int:
        return len(self.ranked) + len(self.short) + len(self.unread)


def rank_towns(
    district: str,
    period: Period,
    as_of: datetime,
    figures: Sequence[TownFigures],
    weights: Weights,
    min_cases: int,
    unread: Sequence[str] = (),
) -> DistrictReport:
    """Rank the towns read with the town bulletins' `rank` (no honours: towns are not
    workers); the ones under the minimum sample follow apart, in the district's order."""
    ranked = rank([f.stats for f in figures], weights, min_cases=min_cases)
    return DistrictReport(
        district=district,
        period=period,
        as_of=as_of,
        weights=weights,
        min_cases=max(1, min_cases),
        ranked=[r for r in ranked if r.ranked],
        short=[r for r in ranked if not r.ranked],
        changes={f.stats.key: f.change for f in figures},
        unread=list(unread),
    )
