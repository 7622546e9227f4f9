"""The rules of deliberation meetings (议事会), without I/O: limits, reading what admins type
(times, durations, numbers), seats and the waiting list, fill thresholds, registration codes
and when reminders fall due. Tested without Telegram or a database."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.core import dates, refusals
from storage.models import Role

# Registration codes: 8 characters from A–Z and 2–9 without the look-alikes O, I, 0 and 1.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
# Reminders before the start (each one an outbox row that expires at the start).
REMINDERS = (timedelta(hours=24), timedelta(hours=1))
# Reminders to admins after the end while no result is recorded.
RESULT_REMINDERS = (timedelta(days=3), timedelta(days=7))
FILL_THRESHOLDS = (50, 80, 100)  # per cent booked; admins hear of each once
CHECKIN_OPENS = timedelta(hours=2)  # before the start
DEADLINE_HOUR = 18  # a deadline typed as a date falls at 18:00 local time

TITLE = (2, 100)
TOPIC = (2, 500)
PLACE = (2, 200)
PROPOSAL = (2, 500)
SUMMARY = (2, 1000)
DECISION = (2, 200)
DURATION = (15, 720)  # minutes
CAPACITY = (1, 10_000)
ATTENDANCE = (0, 10_000)
MAX_DECISIONS = 10
MAX_PROPOSALS = 3  # per person and meeting

_DURATION = re.compile(
    r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>分钟|分|min|mins|minutes?|m|小时|h|hours?|hrs?)?$",
    re.IGNORECASE,
)


class Invalid(refusals.Invalid):
    """What an admin or resident typed breaks a rule; `reason` picks the words of
    `meetings.invalid`."""

    template = "meetings.invalid"


class MeetingStatus(StrEnum):
    """A meeting is open (registration, then the meeting itself) until its result is
    recorded (held) or it is cancelled."""

    OPEN = "open"
    HELD = "held"
    CANCELLED = "cancelled"


class BookingStatus(StrEnum):
    """A seat, a place on the waiting list, or given up."""

    BOOKED = "booked"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


# Who a decision of a meeting may be handed on to (an assignment, 交办).
ASSIGNEE_KINDS = (Role.REPRESENTATIVE.value, Role.DEPARTMENT.value, Role.GRID_WORKER.value)


def new_code() -> str:
    """A fresh registration code (unpredictable: `secrets`)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str | None:
    """A typed code in canonical form (case, spaces and dashes forgiven), or None."""
    code = re.sub(r"[\s\-]", "", text).upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def text_within(text: str, limits: tuple[int, int], reason: str = "bad_length") -> str:
    """Stripped text whose length is within limits, else Invalid."""
    value = text.strip()
    low, high = limits
    if not low <= len(value) <= high:
        raise Invalid(reason, length=len(value), min=low, max=high)
    return value


def parse_time(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """A local date and time such as "2026-12-05 09:30" (also 2026/12/5 9:30, 2026年12月5日
    9:30, 12-05 09:30 for the coming one) as a UTC time; Invalid("bad_time") otherwise."""
    moment = dates.parse_moment(text, tz, now)
    if moment is None:
        raise Invalid("bad_time")
    return moment.astimezone(UTC)


def parse_deadline(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """A date and time, or a date alone (then 18:00 local time that day)."""
    moment = dates.parse_deadline(text, tz, now, time(DEADLINE_HOUR))
    if moment is None:
        raise Invalid("bad_time")
    return moment.astimezone(UTC)


def parse_duration(text: str) -> int:
    """Minutes from "90", "90分钟", "1.5小时" or "2h"; Invalid("bad_duration") outside 15–720."""
    found = _DURATION.match(text.strip())
    if found is None:
        raise Invalid("bad_duration", min=DURATION[0], max=DURATION[1])
    number = float(found["number"])
    unit = (found["unit"] or "").lower()
    minutes = number * 60 if unit in ("小时", "h", "hour", "hours", "hr", "hrs") else number
    if minutes != int(minutes) or not DURATION[0] <= minutes <= DURATION[1]:
        raise Invalid("bad_duration", min=DURATION[0], max=DURATION[1])
    return int(minutes)


def parse_count(text: str, limits: tuple[int, int], reason: str) -> int:
    """A whole number within limits; Invalid(reason) otherwise."""
    value = text.strip()
    low, high = limits
    if not value.isdigit() or len(value) > 6 or not low <= int(value) <= high:
        raise Invalid(reason, min=low, max=high)
    return int(value)


def check_start(starts_at: datetime, now: datetime) -> datetime:
    """A meeting starts in the future."""
    if starts_at <= now:
        raise Invalid("past_time")
    return starts_at


def check_reserved(reserved: int, capacity: int) -> int:
    """Seats kept for representatives leave at least one seat for residents."""
    if not 0 <= reserved < capacity:
        raise Invalid("bad_reserved", max=capacity - 1)
    return reserved


def check_deadline(deadline: datetime, starts_at: datetime, now: datetime) -> datetime:
    """Registration closes in the future and before the meeting starts."""
    if deadline <= now:
        raise Invalid("past_time")
    if deadline >= starts_at:
        raise Invalid("deadline_after_start", starts_at=starts_at.isoformat())
    return deadline


@dataclass(frozen=True)
class Seats:
    """Who holds a seat: residents take public seats; representatives take the reserved
    seats first, then public ones."""

    capacity: int
    reserved: int
    residents: int = 0
    representatives: int = 0

    @property
    def booked(self) -> int:
        return self.residents + self.representatives

    @property
    def public_taken(self) -> int:
        return self.residents + max(0, self.representatives - self.reserved)

    def fits(self, representative: bool) -> bool:
        """Whether one more person of this kind gets a seat now."""
        if representative:
            return self.booked < self.capacity
        return self.public_taken < self.capacity - self.reserved

    def plus(self, representative: bool, count: int = 1) -> Seats:
        """The seats after `count` more bookings of this kind (negative: cancellations)."""
        if representative:
            return replace(self, representatives=self.representatives + count)
        return replace(self, residents=self.residents + count)


def promotions(seats: Seats, waiting: list[tuple[int, bool]]) -> list[int]:
    """Who leaves the waiting list, in order: everyone in line who fits now (the first
    representatives in line take freed reserved seats). `waiting` is (booking id, is
    representative) in the order they joined."""
    promoted = []
    for booking_id, representative in waiting:
        if seats.fits(representative):
            promoted.append(booking_id)
            seats = seats.plus(representative)
    return promoted


def crossed(before: int, after: int, capacity: int) -> list[int]:
    """The fill thresholds (per cent) reached by going from `before` to `after` booked."""
    return [p for p in FILL_THRESHOLDS if before * 100 < p * capacity <= after * 100]


def reminders_due(starts_at: datetime, now: datetime) -> list[tuple[int, datetime, datetime]]:
    """(minutes before the start, due time, expiry) of the reminders still ahead. A reminder
    expires when the next one falls due, the last one at the start: a bot that was down
    sends only the reminder that is still true, and nothing after the start."""
    leads = sorted(REMINDERS, reverse=True)
    found = []
    for n, lead in enumerate(leads):
        due = starts_at - lead
        expires = starts_at - leads[n + 1] if n + 1 < len(leads) else starts_at
        if due > now:
            found.append((int(lead.total_seconds() // 60), due, expires))
    return found


def may_check_in(starts_at: datetime, now: datetime) -> bool:
    """Check-in opens a little before the start (and stays open until the result)."""
    return now >= starts_at - CHECKIN_OPENS


# Where a decision stands in public (Decidim's accountability) ------------------------------

DECISION_STAGES = ("not_assigned", "assigned", "in_progress", "reported_done", "verified")
_STAGE_OF = {
    None: "not_assigned",
    "assigned": "assigned",
    "accepted": "in_progress",
    "returned": "in_progress",  # sent back after a report of done: still being worked on
    "done": "reported_done",  # the assignee says done; the town office has not checked yet
    "verified": "verified",
    "cancelled": "not_assigned",
}


def decision_stage(assignment_status: str | None) -> str:
    """The stage of a decision shown to residents, from its latest assignment's status."""
    return _STAGE_OF.get(assignment_status, "not_assigned")
