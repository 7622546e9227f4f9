"""The words of reception days' rules: a session's status, and the refusals
`bot.reception.service` raises (worded by the `reception.refused` template, by reason).

    Refusal (bot.core.refusals)
    └── Refused                  template "reception.refused"
        ├── NotAllowed           not_allowed, need_start, not_started, no_outcome
        ├── NotFound             not_found
        ├── Stale                closed, full, already_booked, already_done, expired
        └── Invalid              past, too_far, bad_input
"""

from __future__ import annotations

from enum import StrEnum

from bot.core import refusals


class SessionStatus(StrEnum):
    """reception_sessions.status: a session is open until it has started."""

    OPEN = "open"


class Refused(refusals.Refusal):
    """A reception day's rule says no; `reason` picks the words of `reception.refused` (and of
    `reception.refused_toast` when it is answered on the pressed button)."""

    template = "reception.refused"


class NotAllowed(Refused, refusals.NotAllowed):
    """Not for this person: not a resident of the zone, not the session's representative."""


class NotFound(Refused, refusals.NotFound):
    """The session, booking or station is gone, or the button was forged."""


class Stale(Refused, refusals.Stale):
    """The session has started or filled up, or the booking already became a suggestion."""


class Invalid(Refused, refusals.Invalid):
    """A typed time or number that does not fit."""
