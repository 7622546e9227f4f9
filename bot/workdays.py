"""Deadlines in working days on China's official calendar, make-up working days (调休) included."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

logger = logging.getLogger(__name__)

DEFAULT_END_OF_DAY = time(18, 0)
"""Deadlines fall at the end of the office day, local time."""

_ONE_DAY = timedelta(days=1)


class WorkCalendar:
    """Working days in one time zone; deadlines fall at the end of the local office day."""

    def __init__(self, tz: ZoneInfo, end_of_day: time = DEFAULT_END_OF_DAY) -> None:
        self.tz = tz
        self.end_of_day = end_of_day
        self._warned_years: set[int] = set()

    def is_workday(self, day: date) -> bool:
        """Official working day; Monday–Friday for a year the holiday data does not cover."""
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year not in self._warned_years:
                self._warned_years.add(day.year)
                logger.warning(
                    "no official holiday data for %d: counting Monday–Friday only", day.year
                )
            return day.weekday() < 5

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """End of the `days`-th working day after start's local date (0: that day or the next)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        day = self._local_date(start)
        if days == 0:
            while not self.is_workday(day):
                day += _ONE_DAY
        else:
            for _ in range(days):
                day += _ONE_DAY
                while not self.is_workday(day):
                    day += _ONE_DAY
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
