"""Deadlines in working days on China's official calendar, make-up working days (调休) included.

Each year is read from one source, the first that knows it:
1. "imported": the State Council's notice, loaded by an admin (`minhu calendar import`); a
   notice decides its own year; a day it lists in a neighbouring year (the 2023 notice began
   the New Year holiday on 31 December 2022) overrides that one day, not that year;
2. "chinese-calendar": the package's official data (it ends with the last published year);
3. "holidays": the `holidays` package's China calendar, which computes the statutory
   holidays of any year but knows no make-up working days until a notice is out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays

from storage.calendar import HOLIDAY as HOLIDAY
from storage.calendar import WORKDAY as WORKDAY
from storage.calendar import Day as Day

DEFAULT_END_OF_DAY = time(18, 0)
"""Deadlines fall at the end of the office day, local time."""

IMPORTED = "imported"
CHINESE_CALENDAR = "chinese-calendar"
HOLIDAYS = "holidays"
OFFICIAL_SOURCES = frozenset({IMPORTED, CHINESE_CALENDAR})

_ONE_DAY = timedelta(days=1)


@cache
def _chinese_calendar_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@cache
def _china(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year, language="zh_CN")


def _on(day: Day) -> date:
    return day.day


class WorkCalendar:
    """Working days in one time zone; deadlines fall at the end of the local office day."""

    def __init__(self, tz: ZoneInfo, end_of_day: time = DEFAULT_END_OF_DAY) -> None:
        self.tz = tz
        self.end_of_day = end_of_day
        self._imported: dict[date, Day] = {}
        self._notice_years: frozenset[int] = frozenset()
        self._known: dict[date, bool] = {}  # answers so far (the packages are slow to ask)

    def use_imported(self, days: Iterable[Day]) -> None:
        """Replace the imported notices by these days (a notice's year overrides the packages;
        each day it lists overrides whatever decides that day's year)."""
        imported = {d.day: d for d in days}
        years = frozenset(d.notice or d.day.year for d in imported.values())
        if (imported, years) != (self._imported, self._notice_years):
            self._imported, self._notice_years, self._known = imported, years, {}

    def source(self, year: int) -> str:
        """Which source decides the year's working days."""
        if year in self._notice_years:
            return IMPORTED
        if _chinese_calendar_knows(year):
            return CHINESE_CALENDAR
        return HOLIDAYS

    def is_official(self, year: int) -> bool:
        """The year follows a published State Council notice (not an estimate)."""
        return self.source(year) in OFFICIAL_SOURCES

    def is_workday(self, day: date) -> bool:
        """Official working day (an estimate from the `holidays` package for unknown years)."""
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._is_workday(day)
        return known

    def _is_workday(self, day: date) -> bool:
        entry = self._imported.get(day)
        if entry is not None:
            return entry.kind == WORKDAY
        source = self.source(day.year)
        if source == IMPORTED:
            return day.weekday() < 5
        if source == CHINESE_CALENDAR:
            return bool(chinese_calendar.is_workday(day))
        return bool(_china(day.year).is_working_day(day))

    def is_holiday(self, day: date) -> bool:
        """A day off that is not a plain weekend: a statutory holiday (周末 inside one too, such
        as a Saturday of the National Day week); a make-up working day is no holiday."""
        if self.is_workday(day):
            return False
        if day.weekday() < 5:
            return True
        entry = self._imported.get(day)
        if entry is not None:
            return True
        return bool(self._name(self.source(day.year), day))

    def next_workday(self, day: date) -> date:
        """That day if it is a working day, else the next one."""
        while not self.is_workday(day):
            day += _ONE_DAY
        return day

    def special_days(self, year: int) -> list[Day]:
        """The year's holidays and make-up working days, in date order, with their names."""
        source = self.source(year)
        if source == IMPORTED:
            return sorted((d for d in self._imported.values() if d.day.year == year), key=_on)
        found, day = [], date(year, 1, 1)
        while day.year == year:
            entry = self._imported.get(day)
            name = entry.name if entry else self._name(source, day)
            working = self.is_workday(day)
            if not working and (day.weekday() < 5 or name):
                found.append(Day(day, HOLIDAY, name))
            elif working and day.weekday() >= 5:
                found.append(Day(day, WORKDAY, name))
            day += _ONE_DAY
        return found

    @staticmethod
    def _name(source: str, day: date) -> str:
        if source == CHINESE_CALENDAR:
            return chinese_calendar.get_holiday_detail(day)[1] or ""
        return str(_china(day.year).get(day) or "")

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """End of the `days`-th working day after start's local date (0: that day or the next)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        day = self._local_date(start)
        if days == 0:
            day = self.next_workday(day)
        else:
            for _ in range(days):
                day = self.next_workday(day + _ONE_DAY)
        return datetime.combine(day, self.end_of_day, tzinfo=self.tz).astimezone(UTC)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days after start's local date up to and including end's; 0 if end <= start."""
        if end <= start:
            return 0
        day, last = self._local_date(start), self._local_date(end)
        count = 0
        while day < last:
            day += _ONE_DAY
            count += self.is_workday(day)
        return count

    def remind_at(self, due: datetime, before: timedelta = timedelta(hours=4)) -> datetime:
        """When to remind the assignee: `before` ahead of the deadline."""
        return due - before

    def _local_date(self, moment: datetime) -> date:
        """The calendar date of an aware moment in this calendar's time zone."""
        if moment.tzinfo is None:
            raise ValueError("working days are counted from timezone-aware datetimes")
        return moment.astimezone(self.tz).date()
