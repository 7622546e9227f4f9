"""Reporting periods for bulletins: a week (Monday to Sunday), a month, a quarter or a year in
local time, and the same period a year earlier for year-on-year change (同比)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KINDS = ("week", "month", "quarter", "year")


@dataclass(frozen=True)
class Period:
    """[start, end) in local dates."""

    kind: str
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        if self.end <= self.start:
            raise ValueError("a period ends after it starts")

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as UTC instants [start, end)."""
        return (
            datetime.combine(self.start, time(0), tzinfo=tz).astimezone(UTC),
            datetime.combine(self.end, time(0), tzinfo=tz).astimezone(UTC),
        )

    def year_earlier(self) -> Period:
        """The same period a year before: the same weekdays 52 weeks back for a week, else the
        same month, quarter or year."""
        if self.kind == "week":
            return Period("week", self.start - timedelta(weeks=52), self.end - timedelta(weeks=52))
        return Period(self.kind, _year_back(self.start), _year_back(self.end))

    def previous(self) -> Period:
        """The period just before this one."""
        return containing(self.kind, self.start - timedelta(days=1))

    @property
    def key(self) -> str:
        """Stable text for callback data and file names: 'month:2026-10-01'."""
        return f"{self.kind}:{self.start.isoformat()}"

    @classmethod
    def from_key(cls, text: str) -> Period:
        kind, _, start = text.partition(":")
        period = containing(kind, date.fromisoformat(start))
        if period.start.isoformat() != start:
            raise ValueError(f"{start} does not start a {kind}")
        return period


def containing(kind: str, day: date) -> Period:
    """The period of `kind` that contains local date `day`."""
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=7))
    if kind == "month":
        start = day.replace(day=1)
        return Period(kind, start, _add_months(start, 1))
    if kind == "quarter":
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return Period(kind, start, _add_months(start, 3))
    if kind == "year":
        return Period(kind, date(day.year, 1, 1), date(day.year + 1, 1, 1))
    raise ValueError(f"unknown period kind {kind!r}")


def last_complete(kind: str, now: datetime, tz: ZoneInfo) -> Period:
    """The latest period of `kind` that has ended by `now` (local time)."""
    return containing(kind, now.astimezone(tz).date()).previous()


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _year_back(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
