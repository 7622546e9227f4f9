"""The rules of volunteer points, in plain Python: limits, statuses, codes, the hours a
check-in and check-out fix and the points they earn, and the organiser's one-line form.

Refusals: `PointsRefused` (words in `points.refused`), as `NotAllowed`, `NotFound`, `Stale`
or `Invalid`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.core import refusals
from bot.core.dates import parse_moment

TITLE = (2, 60)
TASK = (2, 500)
PLACE = (2, 100)
CAMPAIGN = (0, 40)
DURATION = (15, 12 * 60)  # minutes
PLACES = (1, 500)
PER_HOUR = (0, 100)  # points per hour served
ITEM_POINTS = (1, 100_000)
STOCK = (0, 10_000)
GIFT = (1, 100_000)
REMINDERS = (timedelta(hours=24), timedelta(hours=1))  # before the start
INVITE_VALID = timedelta(hours=48)
EARLY_CHECKIN = timedelta(minutes=30)  # check-in opens this long before the start
LATE_CHECKOUT = timedelta(hours=2)  # and check-out closes this long after the end
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


class SignupStatus(StrEnum):
    BOOKED = "booked"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class ActivityStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"
    CONFIRMED = "confirmed"


class Cause(StrEnum):
    """Why a ledger row was written."""

    ACTIVITY = "activity"
    REDEEM = "redeem"
    REFUND = "refund"
    GIFT_OUT = "gift_out"
    GIFT_IN = "gift_in"
    CORRECTION = "correction"


class PointsRefused(refusals.Refusal):
    """Volunteer points say no; `reason` picks the words of `points.refused`."""

    template = "points.refused"


class NotAllowed(PointsRefused, refusals.NotAllowed):
    """Not for this person (role, not registered, not their activity or family)."""


class NotFound(PointsRefused, refusals.NotFound):
    """No such activity, item, code or voucher."""


class Stale(PointsRefused, refusals.Stale):
    """Moved on: full, started, confirmed, used, already signed up, too few points."""


class Invalid(PointsRefused, refusals.Invalid):
    """What was typed does not fit."""


def new_code(length: int = 6) -> str:
    """A short code people can read out and type (no look-alike letters)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def normal_code(text: str) -> str:
    """A typed code as stored: upper case, spaces and dashes dropped."""
    return re.sub(r"[\s\-]", "", text).upper()


def served_minutes(checked_in: datetime, checked_out: datetime, duration: int) -> int:
    """Minutes a check-in and check-out fix: the time between them, at most the activity's
    duration, in whole minutes."""
    seconds = (checked_out - checked_in).total_seconds()
    return max(0, min(duration, int(seconds // 60)))


def points_for(minutes: int, per_hour: int) -> int:
    """Points earned for minutes served (whole points, rounded down)."""
    return minutes * per_hour // 60


@dataclass(frozen=True)
class ActivityForm:
    title: str
    task: str
    place: str
    starts_at: datetime
    duration_minutes: int
    places: int
    points_per_hour: int
    audience_code: str
    campaign: str


def _within(text: str, limits: tuple[int, int], field: str) -> str:
    text = text.strip()
    if not limits[0] <= len(text) <= limits[1]:
        raise Invalid("length", field=field, min=limits[0], max=limits[1])
    return text


def _number(text: str, limits: tuple[int, int], field: str) -> int:
    if not text.strip().isdigit() or not limits[0] <= int(text) <= limits[1]:
        raise Invalid("number", field=field, min=limits[0], max=limits[1])
    return int(text)


def parse_form(text: str, tz: ZoneInfo, now: datetime) -> ActivityForm:
    """`标题 | 内容 | 地点 | 时间 | 分钟 | 名额 | 每小时积分 | 片区或村社代码 [| 活动标签]`."""
    parts = [p.strip() for p in re.split(r"[|｜]", text)]
    if len(parts) not in (8, 9):
        raise Invalid("form")
    starts = parse_moment(parts[3], tz, now)
    if starts is None:
        raise Invalid("time")
    if starts <= now:
        raise Invalid("past")
    return ActivityForm(
        title=_within(parts[0], TITLE, "title"),
        task=_within(parts[1], TASK, "task"),
        place=_within(parts[2], PLACE, "place"),
        starts_at=starts,
        duration_minutes=_number(parts[4], DURATION, "duration"),
        places=_number(parts[5], PLACES, "places"),
        points_per_hour=_number(parts[6], PER_HOUR, "per_hour"),
        audience_code=parts[7].upper(),
        campaign=_within(parts[8] if len(parts) == 9 else "", CAMPAIGN, "campaign"),
    )
