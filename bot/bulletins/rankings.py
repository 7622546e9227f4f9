"""Fair league tables in plain Python: a composite score from configurable weights, the
minimum-sample rule, ties shown as ties, the top six honoured, and year-on-year change worded
sensibly when last year's base is zero.

The score of a unit is a weighted mean of components in [0, 1], over the components that are
defined for it (a grid with no rated case is scored on the rest, not punished with a zero):
- ack: share of judged cases acknowledged on time;
- resolve: share of judged cases resolved on time;
- rating: average satisfaction, 1 star = 0 and 5 stars = 1;
- no_reply: 1 − the share of closed cases closed as "fixed, no reply";
(满意率 and 重办率, 12345's figures, are shown and frozen with the rest but not weighted.)
- relapse: 1 − relapses per case; overdue: 1 − cases escalated (通报) per case;
- patrol: patrols relative to the most active unit in the same table;
- visit: home-visit coverage (网格走亲) — the share of household-time its registered households
  were on their visit cadence (`bot.visits.rules.coverage`); undefined without households.
Shown scores are rounded to one decimal, and units with equal shown scores share a rank (a
tie); their order on the page is by code, so the same data always prints the same table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from fractions import Fraction

HONOURED = 6  # 一月一考核: the top six are honoured


@dataclass(frozen=True)
class Weights:
    ack: float = 20
    resolve: float = 30
    rating: float = 20
    no_reply: float = 10
    relapse: float = 10
    overdue: float = 10
    patrol: float = 10
    visit: float = 10

    @classmethod
    def parse(cls, text: str) -> Weights:
        """'ack=20,resolve=30,…' (names not given keep their default; 0 turns one off).
        A malformed text raises ValueError with a one-line reason."""
        weights = cls()
        known = {f.name for f in fields(cls)}
        for part in text.split(","):
            if not part.strip():
                continue
            name, _, value = part.partition("=")
            name = name.strip()
            if name not in known:
                raise ValueError(
                    f"MINHU_BULLETIN_WEIGHTS: unknown weight {name!r} (known: {', '.join(known)})"
                )
            try:
                number = float(value)
                if not 0 <= number <= 1000:
                    raise ValueError
            except ValueError:
                raise ValueError(
                    f"MINHU_BULLETIN_WEIGHTS: {name} must be a number in 0..1000, got {value!r}"
                ) from None
            weights = replace(weights, **{name: number})
        if not any(getattr(weights, f.name) for f in fields(cls)):
            raise ValueError("MINHU_BULLETIN_WEIGHTS: at least one weight must be above 0")
        return weights

    def as_text(self) -> str:
        return ", ".join(f"{f.name} {getattr(self, f.name):g}" for f in fields(self))


@dataclass
class UnitStats:
    """What one grid, grid worker, department or representative did in the period."""

    key: str  # a stable code: ranks of equal score are listed in this order
    name: str
    place: str = ""  # the grid or community it belongs to, for the table
    name_en: str = ""  # a department's English name
    received: int = 0  # cases that arrived (all handlers)
    handled: int = 0  # cases it handled itself, not rejected
    ack_judged: int = 0
    ack_on_time: int = 0
    resolve_judged: int = 0
    resolve_on_time: int = 0
    rated: int = 0
    rating_sum: int = 0
    closed: int = 0
    no_reply: int = 0
    relapses: int = 0
    overdue: int = 0
    sat_judged: int = 0  # closed, or sent back for 重办 and not closed again
    satisfied: int = 0  # closed with 满意
    basic: int = 0  # closed with 基本满意
    redone: int = 0  # sent back for 重办 at least once
    ever_resolved: int = 0  # 办结 at least once
    patrols: int = 0
    hazards_found: int = 0
    visit_registered: int = 0  # household-seconds registered in the period (网格走亲)
    visit_on_cadence: int = 0  # of them, not overdue
    extra: dict[str, int] = field(default_factory=dict)  # table-specific counts

    def add(self, other: UnitStats) -> None:
        for name in (
            "received", "handled", "ack_judged", "ack_on_time", "resolve_judged",
            "resolve_on_time", "rated", "rating_sum", "closed", "no_reply", "relapses",
            "overdue", "sat_judged", "satisfied", "basic", "redone", "ever_resolved", "patrols",
            "hazards_found", "visit_registered", "visit_on_cadence",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def judged(self) -> int:
        """Cases whose outcome is known (acknowledged, resolved, or past a deadline): the
        sample a rank rests on — fresh cases still in time prove nothing yet."""
        return max(self.ack_judged, self.resolve_judged)

    @property
    def ack_rate(self) -> float | None:
        return ratio(self.ack_on_time, self.ack_judged)

    @property
    def resolve_rate(self) -> float | None:
        return ratio(self.resolve_on_time, self.resolve_judged)

    @property
    def avg_rating(self) -> float | None:
        return self.rating_sum / self.rated if self.rated else None

    @property
    def no_reply_share(self) -> float | None:
        return ratio(self.no_reply, self.closed)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率: (满意 + 基本满意) over the cases closed or sent back for 重办 — a case
        closed without an answer counts as not satisfied, never as satisfied."""
        return ratio(self.satisfied + self.basic, self.sat_judged)

    @property
    def visit_share(self) -> float | None:
        """Home-visit coverage: the share of household-time on cadence."""
        return ratio(self.visit_on_cadence, self.visit_registered)

    @property
    def redo_rate(self) -> float | None:
        """重办率: cases sent back for 重办 over the cases resolved (办结) at least once."""
        return ratio(self.redone, self.ever_resolved)


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Ranked:
    """A unit in a table: its score, its rank (None: too few cases to rank), whether it
    shares that rank, and whether it is honoured (top six)."""

    stats: UnitStats
    score: float | None
    rank: int | None
    tied: bool = False
    honoured: bool = False

    @property
    def ranked(self) -> bool:
        return self.rank is not None


def components(stats: UnitStats, most_patrols: int) -> dict[str, float | None]:
    handled = stats.handled
    return {
        "ack": stats.ack_rate,
        "resolve": stats.resolve_rate,
        "rating": None if stats.avg_rating is None else (stats.avg_rating - 1) / 4,
        "no_reply": None if stats.no_reply_share is None else 1 - stats.no_reply_share,
        "relapse": None if not handled else max(0.0, 1 - stats.relapses / handled),
        "overdue": None if not handled else max(0.0, 1 - stats.overdue / handled),
        "patrol": stats.patrols / most_patrols if most_patrols else None,
        "visit": stats.visit_share,
    }


def score(stats: UnitStats, weights: Weights, most_patrols: int = 0) -> float | None:
    """0–100, rounded to one decimal; None when no weighted component is defined."""
    total = weight_sum = 0.0
    for name, value in components(stats, most_patrols).items():
        weight = getattr(weights, name)
        if value is None or not weight:
            continue
        total += weight * value
        weight_sum += weight
    if not weight_sum:
        return None
    return round(100 * total / weight_sum, 1)


def rank(
    units: Sequence[UnitStats],
    weights: Weights,
    *,
    min_cases: int,
    sample: str = "judged",
    honour: int = 0,
) -> list[Ranked]:
    """Rank units: best score first, equal shown scores tied (1, 2, 2, 4), ties in code order;
    units whose `sample` count is under `min_cases` (or with no score) follow, unranked, in
    the order given (`min_cases` is at least 1: nothing judged is never ranked).
    With `honour`, ranks up to that number are honoured (a tie at the line is honoured too)."""
    min_cases = max(1, min_cases)
    most_patrols = max((u.patrols for u in units), default=0)
    scored = [(u, score(u, weights, most_patrols)) for u in units]
    eligible = [(u, s) for u, s in scored if s is not None and _sample(u, sample) >= min_cases]
    others = [(u, s) for u, s in scored if s is None or _sample(u, sample) < min_cases]
    eligible.sort(key=lambda pair: (-(pair[1] or 0.0), pair[0].key))
    counts: dict[float, int] = {}
    for _, s in eligible:
        counts[s or 0.0] = counts.get(s or 0.0, 0) + 1
    result: list[Ranked] = []
    previous: float | None = None
    position = 0
    for index, (unit, s) in enumerate(eligible, start=1):
        if s != previous:
            position, previous = index, s
        result.append(
            Ranked(
                unit,
                s,
                position,
                tied=counts[s or 0.0] > 1,
                honoured=bool(honour) and position <= honour,
            )
        )
    result.extend(Ranked(unit, s, None) for unit, s in others)
    return result


def _sample(unit: UnitStats, sample: str) -> int:
    return unit.extra.get(sample, 0) if sample in unit.extra else int(getattr(unit, sample))


@dataclass(frozen=True)
class Change:
    """Year-on-year change of a count: 'down'/'up' with a percentage, 'flat', 'new' (nothing
    a year earlier, so no percentage can be given) or 'none' (nothing in either year)."""

    current: int
    previous: int

    @property
    def kind(self) -> str:
        if self.previous == 0:
            return "none" if self.current == 0 else "new"
        if self.current == self.previous:
            return "flat"
        return "down" if self.current < self.previous else "up"

    @property
    def percent(self) -> float | None:
        """Rounded to one decimal, always positive (the kind says which way)."""
        if self.previous == 0:
            return None
        tenths = Fraction(abs(self.current - self.previous) * 1000, self.previous)
        return math.floor(tenths + Fraction(1, 2)) / 10  # half up, as people round

    @property
    def signed(self) -> float | None:
        """The change as a signed fraction for spreadsheets (-0.624 for 下降62.4%)."""
        if self.previous == 0:
            return None
        return (self.current - self.previous) / self.previous
