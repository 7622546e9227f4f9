"""Past deliberation meetings and where each of their decisions stands (Decidim's
accountability): the held meetings meant for a person, a page at a time, and each decision
with the latest assignment (交办) made from it. No resident's name is read here: an assignee
is a department or a staff member by the name an admin granted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.codec import from_iso
from storage.db import Database
from storage.meetings import FOR_PERSON, Meeting, for_person, from_row


@dataclass(frozen=True)
class DecisionState:
    """A decision and its latest assignment (all None when it was never handed on)."""

    decision_id: int
    position: int
    text: str
    assignment_id: int | None
    status: str | None
    assignee: str | None  # a department's name, or a staff member's granted name
    due_at: datetime | None
    progress_notes: int
    last_progress_at: datetime | None
    done_at: datetime | None
    verified_at: datetime | None


@dataclass(frozen=True)
class Tally:
    """How many decisions a meeting took, and how many of them are verified completed."""

    decisions: int
    verified: int


def _when(value: str | None) -> datetime | None:
    return from_iso(value) if value else None


async def past_for(
    db: Database, person_id: int, grid_id: int | None, offset: int, limit: int
) -> tuple[list[Meeting], int]:
    """Held meetings meant for a person (`storage.meetings.FOR_PERSON`), the latest first:
    one page, and how many there are."""
    params = for_person(person_id, grid_id)
    rows = await db.fetchall(
        f"""SELECT m.* FROM meetings m WHERE m.status = 'held' AND {FOR_PERSON}
            ORDER BY m.starts_at DESC, m.id DESC LIMIT ? OFFSET ?""",
        (*params, limit, offset),
    )
    total = await db.fetchval(
        f"SELECT COUNT(*) FROM meetings m WHERE m.status = 'held' AND {FOR_PERSON}", params
    )
    return [from_row(r) for r in rows], int(total or 0)


async def tallies(db: Database, meeting_ids: list[int]) -> dict[int, Tally]:
    """Decisions taken and verified completed, per meeting."""
    if not meeting_ids:
        return {}
    marks = ",".join("?" * len(meeting_ids))
    rows = await db.fetchall(
        f"""SELECT d.meeting_id, COUNT(*),
                   SUM(EXISTS (SELECT 1 FROM assignments a WHERE a.decision_id = d.id
                               AND a.status = 'verified'))
            FROM meeting_decisions d WHERE d.meeting_id IN ({marks})
            GROUP BY d.meeting_id""",
        meeting_ids,
    )
    return {int(r[0]): Tally(int(r[1]), int(r[2] or 0)) for r in rows}


async def decision_states(db: Database, meeting_id: int) -> list[DecisionState]:
    """A meeting's decisions in order, each with its latest assignment that was not
    cancelled."""
    rows = await db.fetchall(
        """SELECT d.id, d.position, d.text, a.id AS assignment_id, a.status, a.due_at,
                  a.done_at, a.verified_at,
                  COALESCE(dep.name, (SELECT NULLIF(MAX(r.display_name), '')
                                      FROM role_grants r WHERE r.user_id = a.assignee_id))
                      AS assignee,
                  (SELECT COUNT(*) FROM assignment_events e
                   WHERE e.assignment_id = a.id AND e.kind = 'progress') AS notes,
                  (SELECT MAX(e.at) FROM assignment_events e
                   WHERE e.assignment_id = a.id AND e.kind = 'progress') AS last_note
           FROM meeting_decisions d
           LEFT JOIN assignments a ON a.id = (
               SELECT MAX(x.id) FROM assignments x
               WHERE x.decision_id = d.id AND x.status != 'cancelled')
           LEFT JOIN departments dep ON dep.id = a.department_id
           WHERE d.meeting_id = ? ORDER BY d.position""",
        (meeting_id,),
    )
    return [
        DecisionState(
            decision_id=int(r["id"]),
            position=int(r["position"]),
            text=str(r["text"]),
            assignment_id=r["assignment_id"],
            status=r["status"],
            assignee=r["assignee"],
            due_at=_when(r["due_at"]),
            progress_notes=int(r["notes"] or 0),
            last_progress_at=_when(r["last_note"]),
            done_at=_when(r["done_at"]),
            verified_at=_when(r["verified_at"]),
        )
        for r in rows
    ]


async def granted_display_name(db: Database, user_id: int) -> str | None:
    """The name an admin granted a staff member a role under (never their own first name:
    a decision's assignee is named in public)."""
    name = await db.fetchval(
        "SELECT NULLIF(MAX(display_name), '') FROM role_grants WHERE user_id = ?", (user_id,)
    )
    return None if name is None else str(name)
