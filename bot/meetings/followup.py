"""A meeting's decisions followed to completion in public (Decidim's accountability): each step
of the assignment (交办) made from a decision is told to everyone who was booked or waiting for
that meeting, and to a wider audience — one outbox row each, written in the step's own
transaction, with a key that makes a retry or a second press tell nobody twice.

| step | registrants | and | key |
|---|---|---|---|
| assigned (交办) | ✓ | the zone's followers | mt:M:dasg:A:U |
| a progress note (进展) | ✓ | the zone's followers | mt:M:prog:A:E:U (E: the note's event) |
| verified completed (验收) | ✓ | the meeting's audience (residents, followers) | mt:M:done:A:U |

Followers and the audience exclude people who blocked the bot or muted announcements; someone
who is both a registrant and a follower is told once, as a registrant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.meetings import notices as mn
from bot.meetings.buttons import PAST_VIEW
from bot.runtime.services import Services
from storage import bulletins, geo, meeting_outcomes, outbox
from storage import meetings as store
from storage.assignments import Assignment
from storage.meetings import Decision, Meeting

NOTE_SHOWN = 300  # characters of a progress note in the public notice


async def _subject(services: Services, a: Assignment) -> tuple[Decision, Meeting] | None:
    """The decision an assignment came from and its meeting (None for other assignments)."""
    if a.subject_kind != "decision" or a.decision_id is None:
        return None
    decision = await store.decision(services.db, a.decision_id)
    m = await store.get(services.db, decision.meeting_id) if decision else None
    return None if decision is None or m is None else (decision, m)


async def _tell(
    conn: aiosqlite.Connection,
    services: Services,
    m: Meeting,
    *,
    template: str,
    key: str,
    now: datetime,
    context: dict[str, Any],
    wider: list[tuple[int, str]],
) -> list[int]:
    """`template` to the registrants, `template`_public to `wider` (without them), each once;
    who was written to. The notices carry a button to the meeting's decisions."""
    told = await mn.to_registrants(
        conn,
        services,
        m,
        template=template,
        key=key,
        now=now,
        context=context,
        buttons=view_button(m.id),
    )
    registrants = set(told)
    others = [(user_id, lang) for user_id, lang in wider if user_id not in registrants]
    await mn.send(
        conn,
        services,
        others,
        template=f"{template}_public",
        key=key,
        now=now,
        context=context,
        buttons=view_button(m.id),
        lane=outbox.LANE_BULK,
    )
    return told + [user_id for user_id, _ in others]


def view_button(meeting_id: int) -> mn.Buttons:
    """The button that opens the meeting's decisions and where each stands."""
    return [[("meeting_past.btn_decisions", PAST_VIEW.pack(meeting_id, 0))]]


async def public_name(services: Services, a: Assignment) -> str:
    """Who holds the work, in public: the department, or the name an admin granted the staff
    member ("" when none was granted: the templates then say "the assignee")."""
    if a.department_id is not None:
        return await geo.department_name(services.db, a.department_id) or ""
    if a.assignee_id is None:
        return ""
    return await meeting_outcomes.granted_display_name(services.db, a.assignee_id) or ""


async def _context(
    services: Services, m: Meeting, decision: Decision, a: Assignment
) -> dict[str, Any]:
    return await mn.context_of(services, m) | {
        "decision": decision.text,
        "position": decision.position,
        "number": a.id,
        "assignee": await public_name(services, a),
        "due_at": a.due_at.isoformat(),
    }


async def decision_assigned(
    conn: aiosqlite.Connection, services: Services, a: Assignment, now: datetime
) -> list[int]:
    """A decision handed on (交办): to whom and by when; who was written to."""
    found = await _subject(services, a)
    if found is None:
        return []
    decision, m = found
    return await _tell(
        conn,
        services,
        m,
        template="followup.decision_assigned",
        key=mn.key(m.id, "dasg", a.id),
        now=now,
        context=await _context(services, m, decision, a),
        wider=await bulletins.followers_of(services.db, m.zone_id),
    )


async def decision_progress(
    conn: aiosqlite.Connection,
    services: Services,
    a: Assignment,
    event_id: int,
    note: str,
    now: datetime,
) -> list[int]:
    """A progress note on a decision's assignment; who was written to."""
    found = await _subject(services, a)
    if found is None:
        return []
    decision, m = found
    context = await _context(services, m, decision, a) | {
        "note": note[:NOTE_SHOWN],
        "at": now.isoformat(),
    }
    return await _tell(
        conn,
        services,
        m,
        template="followup.decision_progress",
        key=mn.key(m.id, "prog", a.id, event_id),
        now=now,
        context=context,
        wider=await bulletins.followers_of(services.db, m.zone_id),
    )


async def decision_completed(
    conn: aiosqlite.Connection, services: Services, a: Assignment, now: datetime
) -> list[int]:
    """Tell the registrants and the audience of the decision's meeting that it is done; who
    was written to (nobody for an assignment that did not come from a meeting's decision)."""
    found = await _subject(services, a)
    if found is None:
        return []
    decision, m = found
    return await _tell(
        conn,
        services,
        m,
        template="followup.decision_done",
        key=mn.key(m.id, "done", a.id),
        now=now,
        context=await _context(services, m, decision, a) | {"done_at": now.isoformat()},
        wider=await store.audience(services.db, m, include_muted=False),
    )
