"""The rules of an assignment's life (交办), in plain Python: who may take which step from
which status, and what a typed deadline means. `bot.assignments.service` applies them.

Every refusal is a `NotAllowed` (a `bot.core.refusals.NotAllowed`, worded by the block
`assignments.refused`): nothing changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.calendar.workdays import WorkCalendar
from bot.core import dates, refusals
from bot.core.dates import parse_day as parse_day  # re-exported for bot.reception.service
from storage.models import Role

REMIND_BEFORE = timedelta(days=1)
RECHECK_AFTER = timedelta(days=30)
LONGEST = timedelta(days=366)  # a deadline further away than this is a typing mistake
DUE_HOUR = time(18, 0)  # deadlines fall at 18:00 local time, like complaint deadlines
TARGETS = (Role.REPRESENTATIVE, Role.DEPARTMENT, Role.GRID_WORKER)  # who can be given work
QUICK_DAYS = (3, 7, 15)  # the deadline buttons, in WORKING days like complaint deadlines


class NotAllowed(refusals.NotAllowed):
    """The rules of assignments refuse; nothing changed."""

    template = "assignments.refused"


class Status(StrEnum):
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    DONE = "done"
    VERIFIED = "verified"
    RETURNED = "returned"
    CANCELLED = "cancelled"


class Recheck(StrEnum):
    """The answer to the re-check (回头看)."""

    HELD = "held"  # the fix held
    FAILED = "failed"  # the problem came back


class Step(StrEnum):
    ACCEPT = "accept"
    PROGRESS = "progress"
    DONE = "done"
    VERIFY = "verify"
    RETURN = "return"
    ESCALATE = "escalate"
    RECHECK = "recheck"


class Actor(StrEnum):
    """Who someone is towards one assignment (not a granted `storage.models.Role`)."""

    ASSIGNEE = "assignee"  # the person, or an officer of the department, it was given to
    ADMIN = "admin"
    CHECKER = "checker"  # answers the re-check: the representative (else whoever assigned it)
    SYSTEM = "system"  # timers


OPEN = frozenset({Status.ASSIGNED, Status.ACCEPTED, Status.RETURNED})
WORKING = frozenset({Status.ACCEPTED, Status.RETURNED})
_WHO: dict[Step, frozenset[Actor]] = {
    Step.ACCEPT: frozenset({Actor.ASSIGNEE}),
    Step.PROGRESS: frozenset({Actor.ASSIGNEE}),
    Step.DONE: frozenset({Actor.ASSIGNEE}),
    Step.VERIFY: frozenset({Actor.ADMIN}),
    Step.RETURN: frozenset({Actor.ADMIN}),
    Step.ESCALATE: frozenset({Actor.SYSTEM}),
    Step.RECHECK: frozenset({Actor.CHECKER}),
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


def decide(card: Card, step: Step, roles: frozenset[Actor], *, note: str = "") -> Status:
    """The status after `step` by someone who is `roles` towards it, or NotAllowed."""
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


def allowed_steps(card: Card, roles: frozenset[Actor]) -> list[Step]:
    """The steps these roles could take now (for buttons; `decide` still checks)."""
    result = []
    for step in Step:
        try:
            decide(card, step, roles, note="-")
        except NotAllowed:
            continue
        result.append(step)
    return result


# Deadlines typed as dates (read by `bot.core.dates`) ----------------------------------


def typed_deadline(text: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """18:00 local time on a typed day (`bot.core.dates.parse_day`); None if not a day."""
    day = dates.parse_day(text, now.astimezone(tz).date())
    return None if day is None else deadline_of(day, tz)


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
