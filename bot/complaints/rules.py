"""The rules of a complaint's life, in plain Python: who may do what, and what follows.

签收 accept → 办理 notes → 办结 resolve → 回访 the resident answers as 12345 asks: 满意 or 基本满意
closes it (stars may follow as a detail, once), 不满意 with a reason sends it back for 重办 to
the same handler → closed; overdue work is escalated (催办); a resident may reopen a closed
complaint for 7 days after it was resolved; with no answer for 3 days it closes as "fixed, no
reply" (no answer of satisfaction: bulletins count it as not satisfied). A 退回 and a 转办
carry a reason; a handler's 退回 is only a request the dispatch centre (`RULERS`) rules on
(`needs_ruling`, `bot.dispatch.rulings`). Handlers and timers ask `decide` and do what it
returns.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core import refusals


class Status(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    TRANSFERRED = "transferred"
    REOPENED = "reopened"
    ESCALATED = "escalated"


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    TRANSFER = "transfer"
    NOTE = "note"
    RESOLVE = "resolve"
    CONFIRM = "confirm"
    NOT_FIXED = "not_fixed"
    REOPEN = "reopen"
    AUTO_CLOSE = "auto_close"
    ESCALATE = "escalate"
    RATE = "rate"  # stars after 满意 / 基本满意: an optional detail, given once


class Satisfaction(StrEnum):
    """The answers that close a case (不满意 is `Action.NOT_FIXED`: it sends it back for 重办)."""

    SATISFIED = "satisfied"  # 满意
    BASIC = "basic"  # 基本满意


class Actor(StrEnum):
    ASSIGNEE = "assignee"  # a worker of the complaint's grid, or an officer of its department
    ADMIN = "admin"
    DISPATCHER = "dispatcher"  # 指挥中心 of the complaint's zone, or of the whole town
    REPORTER = "reporter"
    SUPPORTER = "supporter"  # said "me too"
    STAFF = "staff"  # staff of another grid or department
    RESIDENT = "resident"  # anyone else
    SYSTEM = "system"  # timers


CONFIRM_WINDOW = timedelta(days=3)  # no answer for this long: closed as "fixed, no reply"
REOPEN_WINDOW = timedelta(days=7)  # after resolving, the resident may say "not fixed"
WAITING = frozenset({Status.SUBMITTED, Status.TRANSFERRED, Status.REOPENED})
OPEN = WAITING | {Status.ACCEPTED, Status.ESCALATED}
HANDLERS = frozenset({Actor.ASSIGNEE, Actor.ADMIN})
# A 退回, a 转办 (the receiver sees why), a 不满意 and a 办结 carry words.
NOTE_REQUIRED = frozenset({Action.REJECT, Action.TRANSFER, Action.NOT_FIXED, Action.RESOLVE})
# Who rules on a case (the dispatch centre, `bot.dispatch`): their 退回 is final, a handler's
# 退回 is a request they approve or re-route; they may 转办 (re-route) any open case.
RULERS = frozenset({Actor.ADMIN, Actor.DISPATCHER})

_WHO: dict[Action, frozenset[Actor]] = {
    Action.ACCEPT: HANDLERS,
    Action.REJECT: HANDLERS | RULERS,  # an assignee's: a request (`needs_ruling`)
    Action.TRANSFER: HANDLERS | RULERS,
    Action.NOTE: HANDLERS,
    Action.RESOLVE: HANDLERS,
    Action.CONFIRM: frozenset({Actor.REPORTER}),
    Action.NOT_FIXED: frozenset({Actor.REPORTER}),
    Action.REOPEN: frozenset({Actor.REPORTER}),
    Action.AUTO_CLOSE: frozenset({Actor.SYSTEM}),
    Action.ESCALATE: frozenset({Actor.SYSTEM, Actor.ADMIN}),
    Action.RATE: frozenset({Actor.REPORTER}),
}


class NotAllowed(refusals.NotAllowed):
    """The action is not possible now, or not for this person; `reason` picks the words
    (the staff's: `staff.refused`)."""

    template = "staff.refused"


class ResidentRefused(NotAllowed):
    """The same refusal, worded for the resident answering about their complaint."""

    template = "feedback.refused"


@dataclass(frozen=True)
class Ticket:
    """What the rules need to know about a complaint."""

    status: Status
    accepted: bool = False  # accepted by its current assignee
    resolved_at: datetime | None = None
    is_hazard: bool = False
    close_reason: str | None = None  # confirmed, no_reply
    rated: bool = False  # stars were given


@dataclass(frozen=True)
class Decision:
    """The complaint after the action."""

    ticket: Ticket
    close_reason: str | None = None


def _from_ok(ticket: Ticket, action: Action, now: datetime) -> bool:
    status = ticket.status
    if action in (Action.ACCEPT, Action.REJECT):
        return status in WAITING or (status is Status.ESCALATED and not ticket.accepted)
    if action is Action.TRANSFER:
        return status in OPEN
    if action in (Action.NOTE, Action.RESOLVE):
        return status is Status.ACCEPTED or (status is Status.ESCALATED and ticket.accepted)
    if action is Action.CONFIRM:
        return status is Status.RESOLVED
    if action is Action.NOT_FIXED:
        return status is Status.RESOLVED and _within(ticket, REOPEN_WINDOW, now)
    if action is Action.REOPEN:
        return status is Status.CLOSED and _within(ticket, REOPEN_WINDOW, now)
    if action is Action.AUTO_CLOSE:
        return status is Status.RESOLVED and not _within(ticket, CONFIRM_WINDOW, now)
    if action is Action.ESCALATE:
        return status in OPEN and status is not Status.ESCALATED
    if action is Action.RATE:
        return status is Status.CLOSED and ticket.close_reason == "confirmed"
    return False


def _within(ticket: Ticket, window: timedelta, now: datetime) -> bool:
    return ticket.resolved_at is not None and now < ticket.resolved_at + window


def decide(
    ticket: Ticket,
    action: Action,
    actors: frozenset[Actor] | Actor,
    now: datetime,
    *,
    note: str = "",
    rating: int | None = None,
    photo: bool = False,
    satisfaction: Satisfaction | None = None,
) -> Decision:
    """The complaint after `action` by someone in the roles `actors`, or NotAllowed."""
    roles = frozenset({actors}) if isinstance(actors, Actor) else actors
    if not roles & _WHO[action]:
        raise NotAllowed("not_allowed")
    if not _from_ok(ticket, action, now):
        raise NotAllowed("wrong_state")
    if action in NOTE_REQUIRED and not note.strip():
        raise NotAllowed("note_required")
    if action is Action.RESOLVE and ticket.is_hazard and not photo:
        raise NotAllowed("photo_required")
    if action is Action.CONFIRM and satisfaction is None:
        raise NotAllowed("satisfaction_required")
    if action is Action.RATE and ticket.rated:
        raise NotAllowed("already_done")
    stars_needed = action is Action.RATE or rating is not None
    if action in (Action.CONFIRM, Action.RATE) and stars_needed and not _stars(rating):
        raise NotAllowed("rating_required")
    return _apply(ticket, action, now)


def _stars(rating: int | None) -> bool:
    return rating is not None and 1 <= rating <= 5


def _apply(ticket: Ticket, action: Action, now: datetime) -> Decision:
    if action is Action.ACCEPT:
        return Decision(replace(ticket, status=Status.ACCEPTED, accepted=True))
    if action is Action.REJECT:
        return Decision(replace(ticket, status=Status.REJECTED))
    if action is Action.TRANSFER:
        return Decision(replace(ticket, status=Status.TRANSFERRED, accepted=False))
    if action is Action.NOTE:
        return Decision(ticket)
    if action is Action.RATE:
        return Decision(replace(ticket, rated=True))
    if action is Action.RESOLVE:
        return Decision(replace(ticket, status=Status.RESOLVED, resolved_at=now))
    if action is Action.CONFIRM:
        closed = replace(ticket, status=Status.CLOSED, close_reason="confirmed")
        return Decision(closed, "confirmed")
    if action is Action.AUTO_CLOSE:
        closed = replace(ticket, status=Status.CLOSED, close_reason="no_reply")
        return Decision(closed, "no_reply")
    if action in (Action.NOT_FIXED, Action.REOPEN):
        reopened = replace(ticket, status=Status.REOPENED, accepted=False, close_reason=None)
        return Decision(reopened)
    return Decision(replace(ticket, status=Status.ESCALATED))  # ESCALATE


def needs_ruling(actors: frozenset[Actor]) -> bool:
    """Whether a 退回 by these roles is only a request to the dispatch centre (a handler's is;
    an admin's or a dispatcher's is final)."""
    return not actors & RULERS


def allowed_actions(ticket: Ticket, actors: frozenset[Actor], now: datetime) -> list[Action]:
    """The actions these roles could take now (for showing buttons; `decide` still checks)."""
    return [a for a in Action if actors & _WHO[a] and _from_ok(ticket, a, now)]
