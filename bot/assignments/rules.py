"""The rules of an assignment's life (交办), in plain Python: who may take which step from
which status, and what a typed deadline means. `bot.assignments.service` applies them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.calendar.workdays import WorkCalendar
from bot.complaints.rules import NotAllowed

REMIND_BEFORE = timedelta(days=1)
RECHECK_AFTER = timedelta(days=30)
LONGEST = timedelta(days=366)  # a deadline further away than this is a typing mistake
DUE_HOUR = time(18, 0)  # deadlines fall at 18:00 local time, like complaint deadlines
TARGETS = ("representative", "department", "grid_worker")
QUICK_DAYS = (3, 7, 15)  # the deadline buttons, in WORKING days like complaint deadlines


class Status(StrEnum):
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    DONE = "done"
    VERIFIED = "verified"
    RETURNED = "returned"
    CANCELLED = "cancelled"


class Step(StrEnum):
    ACCEPT = "accept"
    PROGRESS = "progress"
    DONE = "done"
    VERIFY = "verify"
    RETURN = "return"
    ESCALATE = "escalate"
    RECHECK = "recheck"


class Role(StrEnum):
    ASSIGNEE = "assignee"  # the person, or an officer of the department, it was given to
    ADMIN = "admin"
    CHECKER = "checker"  # answers the re-check: the representative (else whoever assigned it)
    SYSTEM = "system"  # timers


OPEN = frozenset({Status.ASSIGNED, Status.ACCEPTED, Status.RETURNED})
WORKING = frozenset({Status.ACCEPTED, Status.RETURNED})
_WHO: dict[Step, frozenset[Role]] = {
    Step.ACCEPT: frozenset({Role.ASSIGNEE}),
    Step.PROGRESS: frozenset({Role.ASSIGNEE}),
    Step.DONE: frozenset({Role.ASSIGNEE}),
    Step.VERIFY: frozenset({Role.ADMIN}),
    Step.RETURN: frozenset({Role.ADMIN}),
    Step.ESCALATE: frozenset({Role.SYSTEM}),
    Step.RECHECK: frozenset({Role.CHECKER}),
}
_FROM: dict[Step, frozenset[Status]] = {
    Step.ACCEPT: frozenset({Status.ASSIGNED}),
    Step.PROGRESS: WORKING,
    Step.DONE: WORKING,
    Step.VERIFY: frozenset({Status.DONE}),
    Step.RETURN: frozenset({Status.DONE}),
    Step.ESCALATE: OPEN,
    Step.RECHECK: frozenset({Status.VERIFIED}),
}
_TO = {
    Step.ACCEPT: Status.ACCEPTED,
    Step.DONE: Status.DONE,
    Step.VERIFY: Status.VERIFIED,
    Step.RETURN: Status.RETURNED,
}
EVENT_OF = {
    Step.ACCEPT: "accepted",
    Step.PROGRESS: "progress",
    Step.DONE: "done",
    Step.VERIFY: "verified",
    Step.RETURN: "returned",
    Step.ESCALATE: "escalated",
    Step.RECHECK: "recheck",
}


@dataclass(frozen=True)
class Card:
    """What the rules need to know about an assignment."""

    status: Status
    escalated: bool = False
    rechecked: bool = False
    recheck_open: bool = False  # the re-check is asked RECHECK_AFTER verification, not sooner


def decide(card: Card, step: Step, roles: frozenset[Role], *, note: str = "") -> Status:
    """The status after `step` by someone holding `roles`, or NotAllowed (nothing changes)."""
    if not roles & _WHO[step]:
        raise NotAllowed("not_allowed")
    if card.status not in _FROM[step] or (step is Step.ESCALATE and card.escalated):
        raise NotAllowed("wrong_state")
    if step is Step.RECHECK and card.rechecked:
        raise NotAllowed("already_done")
    if step is Step.RECHECK and not card.recheck_open:
        raise NotAllowed("wrong_state")
    if step in (Step.PROGRESS, Step.DONE, Step.RETURN) and not note.strip():
        raise NotAllowed("note_required")
    return _TO.get(step, card.status)


def allowed_steps(card: Card, roles: frozenset[Role]) -> list[Step]:
    """The steps these roles could take now (for buttons; `decide` still checks)."""
    result = []
    for step in Step:
        try:
            decide(card, step, roles, note="-")
        except NotAllowed:
            continue
        result.append(step)
    return result


# Deadlines typed as dates --------------------------------------------------------------

_DAY = re.compile(r"^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_day(text: str, today: date) -> date | None:
    """2026-03-20, 2026/3/20, 2026年3月20日, 3-20 or 3月20日 (this year); None if not a date."""
    found = _DAY.match(text.strip())
    if found is None:
        return None
    year = int(found[1]) if found[1] else today.year
    try:
        return date(year, int(found[2]), int(found[3]))
    except ValueError:
        return None


def deadline_of(day: date, tz: ZoneInfo) -> datetime:
    """18:00 local time on that day."""
    return datetime.combine(day, DUE_HOUR, tzinfo=tz)


def check_deadline(due_at: datetime, now: datetime) -> None:
    """NotAllowed("past") or ("too_far") unless the deadline is a sensible future moment."""
    if due_at <= now:
        raise NotAllowed("past")
    if due_at > now + LONGEST:
        raise NotAllowed("too_far")


# Deadlines on the working-day calendar (bot.calendar.workdays), like complaint deadlines ----------


def in_working_days(calendar: WorkCalendar, now: datetime, days: int) -> datetime:
    """18:00 local time on the `days`-th working day after today (a 3/7/15-day button)."""
    return calendar.add_working_days(now, days)


def on_day_off(calendar: WorkCalendar, due_at: datetime) -> bool:
    """The deadline falls on a weekend or holiday (the admin is asked to confirm it)."""
    return not calendar.is_workday(due_at.astimezone(calendar.tz).date())


def next_working(calendar: WorkCalendar, due_at: datetime) -> datetime:
    """The same local time on the first working day from that day on."""
    local = due_at.astimezone(calendar.tz)
    day = calendar.next_workday(local.date())
    return datetime.combine(day, local.time(), tzinfo=calendar.tz).astimezone(due_at.tzinfo)
