"""Home visits' rules in plain Python: the configured kinds of household and their cadences,
when a household falls due and is overdue, and the coverage the monthly assessment counts.

A household's due day is the local day of its latest visit (or of its registration) plus its
cadence; it is overdue from the local midnight after its due day. Coverage over a period is the
share of household-time, while registered, that no household was overdue: visiting a household
every day never counts more than keeping it on cadence, a household registered mid-month counts
for the days it was registered, and an overdue week weighs the same for every cadence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from bot.core import refusals

FINDINGS = ("ok", "help", "hazard")  # 正常 / 需要帮助 / 发现隐患
CASE_FINDINGS = ("help", "hazard")  # these open a case
NAME = (1, 30)
ADDRESS = (2, 200)
CONTACT = (2, 60)
NOTE = (0, 500)
CASE_NOTE = (5, 500)  # a note that becomes a case's description
CADENCES = (7, 14, 30)  # offered besides the kind's own


class Refused(refusals.NotAllowed):
    """The household or the visit cannot be recorded as it is; nothing was."""

    template = "visits.refused"


@dataclass(frozen=True)
class Kind:
    name: str  # 独居老人: how it is stored
    name_en: str
    cadence_days: int

    def label(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


DEFAULT_KINDS: tuple[Kind, ...] = (
    Kind("独居老人", "Elderly living alone", 7),
    Kind("困难家庭", "Family in hardship", 14),
    Kind("残疾人", "Person with disability", 14),
    Kind("留守儿童", "Left-behind child", 14),
    Kind("重点关注", "Special attention", 7),
)


def parse_kinds(text: str) -> tuple[Kind, ...]:
    """'独居老人/Elderly living alone=7, 困难家庭/Family in hardship=14' (the English name is
    optional); empty keeps the defaults. A malformed text raises ValueError with one line."""
    kinds: list[Kind] = []
    for part in text.replace("，", ",").split(","):
        if not part.strip():
            continue
        names, sep, days = part.partition("=")
        zh, _, en = names.partition("/")
        zh, en = zh.strip(), en.strip()
        if not sep or not zh or not days.strip().isdigit() or not 1 <= int(days) <= 366:
            raise ValueError(
                f"MINHU_VISIT_KINDS: each kind is 'name/English name=days' (1..366), got {part!r}"
            )
        if any(k.name == zh for k in kinds):
            raise ValueError(f"MINHU_VISIT_KINDS: {zh!r} is named twice")
        kinds.append(Kind(zh, en, int(days)))
    return tuple(kinds) or DEFAULT_KINDS


def kind_named(kinds: Sequence[Kind], name: str) -> Kind | None:
    return next((k for k in kinds if k.name == name), None)


def label_of(kinds: Sequence[Kind], name: str, language: str) -> str:
    """A stored kind's label (a kind no longer configured shows its stored name)."""
    kind = kind_named(kinds, name)
    return kind.label(language) if kind else name


def due_day(anchor: datetime, cadence_days: int, tz: tzinfo) -> date:
    """The local day a household is due a visit, `anchor` being its latest visit or its
    registration."""
    return anchor.astimezone(tz).date() + timedelta(days=cadence_days)


def overdue_from(anchor: datetime, cadence_days: int, tz: tzinfo) -> datetime:
    """The moment a household becomes overdue: local midnight after its due day."""
    day = due_day(anchor, cadence_days, tz) + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=tz)


def is_overdue(anchor: datetime, cadence_days: int, tz: tzinfo, now: datetime) -> bool:
    return now >= overdue_from(anchor, cadence_days, tz)


def days_overdue(anchor: datetime, cadence_days: int, tz: tzinfo, now: datetime) -> int:
    """Whole local days past the due day (0: not overdue)."""
    return max(0, (now.astimezone(tz).date() - due_day(anchor, cadence_days, tz)).days)


@dataclass(frozen=True)
class Coverage:
    """Household-time in a period: registered, and of it on cadence (seconds)."""

    registered: float = 0.0
    on_cadence: float = 0.0
    households: int = 0
    visits: int = 0
    overdue_now: int = 0

    @property
    def share(self) -> float | None:
        return self.on_cadence / self.registered if self.registered else None

    def __add__(self, other: Coverage) -> Coverage:
        return Coverage(
            self.registered + other.registered,
            self.on_cadence + other.on_cadence,
            self.households + other.households,
            self.visits + other.visits,
            self.overdue_now + other.overdue_now,
        )


def coverage(
    registered_at: datetime,
    ended_at: datetime | None,
    cadence_days: int,
    visits: Iterable[datetime],
    start: datetime,
    end: datetime,
    tz: tzinfo,
) -> Coverage:
    """One household's coverage over [start, end) (`end` no later than now): the time it was
    registered and, of that, the time it was not overdue."""
    lo = max(start, registered_at)
    hi = min(end, ended_at) if ended_at else end
    if hi < lo or registered_at > end:
        return Coverage()
    times = sorted(visits)
    anchors = [registered_at, *(v for v in times if v < hi)]
    overdue = 0.0
    for i, anchor in enumerate(anchors):
        until = anchors[i + 1] if i + 1 < len(anchors) else hi
        late = max(overdue_from(anchor, cadence_days, tz), lo)
        if late < until:
            overdue += (min(until, hi) - late).total_seconds()
    span = (hi - lo).total_seconds()
    in_period = sum(1 for v in times if lo <= v < hi)
    late_now = is_overdue(anchors[-1], cadence_days, tz, hi) if ended_at is None else False
    return Coverage(span, span - overdue, 1, in_period, int(late_now))
