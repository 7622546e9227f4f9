"""The one reader of dates and times people type, used by every form that asks for one.

A day: 2026-12-05, 2026/12/5, 2026.12.5, 2026年12月5日, or without the year 12-05, 12月5日 —
then the coming one (a day more than one day past is next year's: "01-10" typed in December).
A moment: a day and a time, 9:30, 9：30, 9点, 9点30分 or 09:30, with or without a space or a
"T" between them. A deadline: a moment, or a day alone (then at a given hour, local time).
Every reader gives None for text that is not a valid date or time; callers word the refusal.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DAY = r"(?:(?P<year>\d{4})\s*[-/.年]\s*)?(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
_TIME = r"(?P<hour>\d{1,2})\s*[:：点时]\s*(?P<minute>\d{1,2})?\s*分?"
_DAY_ONLY = re.compile(rf"^{_DAY}$")
_MOMENT = re.compile(rf"^{_DAY}(?:\s*[T\s]\s*|\s*){_TIME}$")


def _day(found: re.Match[str], today: date) -> date | None:
    try:
        if found["year"]:
            return date(int(found["year"]), int(found["month"]), int(found["day"]))
        day = date(today.year, int(found["month"]), int(found["day"]))
    except ValueError:
        return None
    if day < today - timedelta(days=1):  # "01-10" typed in December: next January
        try:
            return day.replace(year=today.year + 1)
        except ValueError:  # 29 February of a year that has none
            return None
    return day


def parse_day(text: str, today: date) -> date | None:
    """A day people typed (see the module), or None."""
    found = _DAY_ONLY.match(text.strip())
    return None if found is None else _day(found, today)


def parse_moment(text: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """A local day and time people typed, as an aware time in `tz`, or None."""
    found = _MOMENT.match(text.strip())
    if found is None:
        return None
    hour, minute = int(found["hour"]), int(found["minute"] or 0)
    day = _day(found, now.astimezone(tz).date())
    if day is None or hour > 23 or minute > 59:
        return None
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def parse_deadline(text: str, tz: ZoneInfo, now: datetime, at: time) -> datetime | None:
    """A moment, or a day alone at the local time `at`; None if neither."""
    day = parse_day(text, now.astimezone(tz).date())
    if day is not None:
        return datetime.combine(day, at, tzinfo=tz)
    return parse_moment(text, tz, now)
