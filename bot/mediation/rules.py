"""The rules of dispute mediation (矛盾调解), plain Python: kinds, statuses, outcomes,
referrals, deadlines and who may read a case.

A case: pending (the other side has not agreed) → active (they agreed: the mediator schedules
sessions) → succeeded (调解成功, the agreement's terms) | partial (部分达成) | failed (调解不成,
referred on with a reason); or declined (the other side said no: mediation is voluntary).
Confidential: a case is read by its two parties, its mediator, the dispatch centre and admins,
and by nobody else (`may_read`); a refusal never says whether a number exists.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from bot.core import refusals
from storage.models import Role

KINDS = (
    "neighbour",
    "family",
    "property",
    "land",
    "labour",
    "other",
)  # 邻里 家庭 物业 土地 劳资 其他
REFERRALS = ("justice", "court", "arbitration", "petition")  # 司法所 法院诉调对接 仲裁 信访
SUMMARY = (5, 1000)  # characters of what happened
NAME = (1, 30)  # characters of the other side's name
PLACE = (2, 100)
HELPERS = (0, 200)
TERMS = (5, 1000)
REASON = (2, 500)
CONTACT_WORKING_DAYS = 2  # first contact (a session scheduled) within 2 working days
RESULT_DAYS = 30  # a result within 30 days
FOLLOWUP = timedelta(days=30)  # 回访: a month after the agreement
REMINDERS = (timedelta(hours=24), timedelta(hours=1))  # before a session
OVERSEERS = frozenset({Role.DISPATCHER, Role.ADMIN})


class Status(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    DECLINED = "declined"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"


OPEN = (Status.PENDING, Status.ACTIVE)
OUTCOMES = (Status.SUCCEEDED, Status.PARTIAL, Status.FAILED)
AGREED = (Status.SUCCEEDED, Status.PARTIAL)  # an agreement to follow up


class MediationRefused(refusals.Refusal):
    """Worded by `mediation.refused`."""

    template = "mediation.refused"


class NotYours(MediationRefused, refusals.NotFound):
    """Not a case this person may read (or no such case: the same answer)."""


class Moved(MediationRefused, refusals.Stale):
    """The case has moved on (answered, closed)."""


class Bad(MediationRefused, refusals.Invalid):
    """What was typed does not fit."""


def within(text: str, limits: tuple[int, int], reason: str) -> str:
    """The text stripped if its length fits, else `Bad(reason)`."""
    text = text.strip()
    low, high = limits
    if not low <= len(text) <= high:
        raise Bad(reason, length=len(text), min=low, max=high)
    return text


def may_read(
    user_id: int, oversees: bool, *, parties: list[int | None], mediator_id: int | None
) -> bool:
    """The parties, the mediator, the dispatch centre of the case's zone (or the town's) and
    admins; nobody else."""
    return user_id in parties or user_id == mediator_id or oversees


def success_rate(succeeded: int, partial: int, closed: int) -> float | None:
    """调解成功率: succeeded (a partial agreement counts half) over the cases with a result."""
    if closed == 0:
        return None
    return round(100 * (succeeded + partial / 2) / closed, 1)


def change(now: int, before: int) -> float | None:
    """Year-on-year change in per cent (None when a year earlier had none)."""
    if before == 0:
        return None
    return round(100 * (now - before) / before, 1)
