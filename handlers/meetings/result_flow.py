"""What the /meetingresult conversation's steps share (handlers.meetings.result records the
result, handlers.meetings.result_assign hands its decisions on): states, the draft, its step."""

from __future__ import annotations

from enum import IntEnum
from typing import TypedDict

from bot.people.roles import Role
from bot.runtime.services import MinhuContext
from handlers.kit.conversation import draft_step

RESULT = "meeting_result"  # user_data: a ResultDraft


class ResultDraft(TypedDict, total=False):
    """The meeting whose result is being recorded, what was typed so far, and then the
    assignment being made of one of its decisions."""

    id: int
    summary: str
    decisions: list[str]
    present: int  # checked in, the default attendance
    attendance: int
    decision_id: int
    kind: str
    target: int
    day_off: str  # a typed deadline on a day off, waiting for "keep" or "next"


# The steps in order, numbered 240-247 (80-87 before this version: see `kit.renumbered`).
State = IntEnum(
    "State",
    "SUMMARY DECISIONS ATTENDANCE CONFIRM ASSIGN_LIST ASSIGN_KIND ASSIGN_TARGET ASSIGN_DUE",
    start=240,
)


# A step: the admin role is checked again on the server (it may have been revoked meanwhile),
# and the draft handed over (without one, start again); a refusal is answered.
step = draft_step(RESULT, role=Role.ADMIN, expired="meetings.draft_expired")


def task_of(context: MinhuContext) -> ResultDraft | None:
    """The meeting whose result is being recorded, and what was typed so far."""
    found = context.user_data.get(RESULT) if context.user_data is not None else None
    return found if isinstance(found, dict) else None  # type: ignore[return-value]
