"""The residents who said "me too": they follow the case in /my, hear each step, and after
each 办结 answer their OWN satisfaction question (满意 / 基本满意 / 不满意); after 不满意
they may say why (optional, once).

A supporter's answer is theirs alone: it never closes the case nor sends it back for 重办
(the reporter's answer does that: `handlers.complaints.feedback`), it is told to the handler,
and a new 办结 after a 重办 asks again. It may be given while the case is resolved or closed, up to
7 days after the 办结 (the reporter's window to say 不满意).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.complaints.buttons import CARD
from bot.complaints.rules import REOPEN_WINDOW, NotAllowed, Status
from bot.runtime import notices
from bot.runtime.services import Services
from storage import casefile, complaints
from storage.models import Complaint


class Answer(StrEnum):
    """A supporter's own answer to a 办结."""

    SATISFIED = "satisfied"  # 满意
    BASIC = "basic"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意


def _open(c: Complaint) -> list[list[tuple[str, str]]]:
    """The button under a staff notice that opens the case's card (checked when pressed)."""
    return [[("notices.btn_open", CARD.pack(c.id))]]


def may_answer(c: Complaint, answered_at: datetime | None, now: datetime) -> bool:
    """Whether a supporter may answer now: the case is resolved (or closed since), within 7
    days of its 办结, and they have not answered this 办结 yet."""
    resolved = c.resolved_at
    return (
        Status(c.status) in (Status.RESOLVED, Status.CLOSED)
        and resolved is not None
        and now < resolved + REOPEN_WINDOW
        and (answered_at is None or answered_at < resolved)
    )


async def answerable(services: Services, c: Complaint, person_id: int) -> bool:
    """Whether this person is a supporter of the case who may answer now."""
    mine = await casefile.supporter_answer(services.db, c.id, person_id)
    return mine is not None and may_answer(c, mine.answered_at, services.clock.now())


async def answer(services: Services, complaint_id: int, person_id: int, level: Answer) -> Complaint:
    """Record a supporter's answer and tell the handler (one transaction); NotAllowed with
    `not_allowed` (no supporter), `already_done` or `wrong_state`, changing nothing."""
    db, now = services.db, services.clock.now()
    c = await complaints.get(db, complaint_id)
    mine = await casefile.supporter_answer(db, complaint_id, person_id) if c else None
    if c is None or mine is None:
        raise NotAllowed("not_allowed")
    if c.resolved_at is not None and mine.answered_at and mine.answered_at >= c.resolved_at:
        raise NotAllowed("already_done")
    if not may_answer(c, mine.answered_at, now) or c.resolved_at is None:
        raise NotAllowed("wrong_state")
    async with db.transaction() as conn:
        if not await casefile.record_supporter_answer(
            conn, c.id, person_id, level.value, resolved_at=c.resolved_at, now=now
        ):
            raise NotAllowed("already_done")
        counts = await casefile.answers_in(conn, c.id)
        staff = await notices.assignees(services, c.grid_id, c.department_id)
        await notices.send(
            conn,
            services,
            staff,
            template="notices.supporter_answer",
            key=f"supporter_answer:{c.id}:{person_id}:{now.isoformat()}",
            now=now,
            context={
                "number": c.number,
                "satisfaction": level.value,
                "counts": [counts.get(a.value, 0) for a in Answer],
            },
            buttons=_open(c),
        )
    services.delivery.kick_soon()
    return c


async def explain(services: Services, complaint_id: int, person_id: int, reason: str) -> Complaint:
    """Why a supporter said 不满意 (once for that answer): kept and told to the handler;
    NotAllowed with `not_allowed`, `already_done` or `wrong_state`, changing nothing."""
    db, now = services.db, services.clock.now()
    c = await complaints.get(db, complaint_id)
    mine = await casefile.supporter_answer(db, complaint_id, person_id) if c else None
    if c is None or mine is None:
        raise NotAllowed("not_allowed")
    if mine.reason is not None:
        raise NotAllowed("already_done")
    answered = mine.answered_at
    if (
        mine.satisfaction != Answer.UNSATISFIED
        or answered is None
        or c.resolved_at is None
        or answered < c.resolved_at
    ):
        raise NotAllowed("wrong_state")
    async with db.transaction() as conn:
        if not await casefile.record_supporter_reason(conn, c.id, person_id, reason, answered):
            raise NotAllowed("already_done")
        staff = await notices.assignees(services, c.grid_id, c.department_id)
        await notices.send(
            conn,
            services,
            staff,
            template="notices.supporter_reason",
            key=f"supporter_reason:{c.id}:{person_id}:{now.isoformat()}",
            now=now,
            context={"number": c.number, "reason": reason},
            buttons=_open(c),
        )
    services.delivery.kick_soon()
    return c
