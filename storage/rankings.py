"""The SQL behind bulletins (晾晒): indexed aggregates over one period, small enough to score
in plain Python. Complaints are read once, grouped by grid, category and department; every
other table (units, names, last year's counts) is small or read through a covering index.

A complaint counts for the period it was received in (its cohort), for the grid or department
handling it when the bulletin is made (a transfer gives the new handler fresh deadlines; an
escalation stays with the case). Cases are told apart by origin: residents' complaints and
hazard reports (群众诉求, what grids are ranked on: filed by the resident, or for them by staff —
代办, its own origin), hazard tickets a grid worker raised on
patrol (counted as hazards found, not as cases), and representatives' suggestions and
rectification items (for the departments that handle them). Its outcome is judged at
`as_of`, the moment the bulletin is made:
- acknowledged on time: accepted no later than its acknowledgement deadline; a case is
  *judged* once it was accepted or its deadline passed (a fresh case still in time is neither
  on time nor late yet);
- resolved on time: resolved (or closed after resolving) no later than its resolution
  deadline; judged once resolved or past that deadline;
- rejected cases are not judged, nor counted as handled.
Deadlines were computed on China's working-day calendar when the case arrived, so a case
spanning a holiday is measured against the deadline the holiday already moved.

No query here reads a resident: no names, no phone numbers, no descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.codec import to_iso
from storage.db import Database

RESIDENT, PATROL, REPRESENTATIVE, PROXY = 0, 1, 2, 3  # where a case came from (3: 代办)
RESIDENTS = (RESIDENT, PROXY)  # residents' cases (群众诉求), filed by them or for them


@dataclass(frozen=True)
class ComplaintGroup:
    """Complaints of one grid, category, handler (department or the grid) and origin."""

    grid_id: int
    category_id: int
    department_id: int | None
    origin: int
    received: int
    handled: int  # not rejected
    ack_judged: int
    ack_on_time: int
    resolve_judged: int
    resolve_on_time: int
    rated: int
    rating_sum: int
    closed: int
    no_reply: int
    relapses: int
    overdue: int
    sat_judged: int = 0  # closed, or sent back for 重办 and not closed again
    satisfied: int = 0  # closed with 满意
    basic: int = 0  # closed with 基本满意
    redone: int = 0  # sent back for 重办 at least once
    ever_resolved: int = 0  # 办结 at least once


PATROL_TICKETS = "SELECT complaint_id FROM patrols WHERE complaint_id IS NOT NULL"
PROXIES = "SELECT complaint_id FROM complaint_proxies"
ORIGIN = f"""CASE WHEN kind IN ('suggestion', 'rectification') THEN {REPRESENTATIVE}
            WHEN id IN ({PATROL_TICKETS}) THEN {PATROL}
            WHEN id IN ({PROXIES}) THEN {PROXY}
            ELSE {RESIDENT} END"""
# The raw aggregate: the reference the daily pre-aggregates (storage/aggregates.py) must equal.
GROUPS_SQL = f"""
SELECT grid_id, category_id, department_id, {ORIGIN} AS origin,
       COUNT(*),
       SUM(status <> 'rejected'),
       SUM(status <> 'rejected' AND (accepted_at IS NOT NULL OR ack_due_at < :as_of)),
       SUM(status <> 'rejected' AND accepted_at IS NOT NULL AND accepted_at <= ack_due_at),
       SUM(status <> 'rejected' AND (status IN ('resolved', 'closed')
                                     OR resolve_due_at < :as_of)),
       SUM(status IN ('resolved', 'closed') AND resolved_at <= resolve_due_at),
       COUNT(rating),
       TOTAL(rating),
       SUM(status = 'closed'),
       SUM(status = 'closed' AND close_reason = 'no_reply'),
       SUM(status <> 'rejected' AND parent_id IS NOT NULL),
       SUM(status <> 'rejected' AND escalated_at IS NOT NULL),
       SUM(status = 'closed' OR (status <> 'rejected' AND redo_count > 0)),
       SUM(status = 'closed' AND satisfaction = 'satisfied'),
       SUM(status = 'closed' AND satisfaction = 'basic'),
       SUM(status <> 'rejected' AND redo_count > 0),
       SUM(status <> 'rejected' AND resolved_at IS NOT NULL)
FROM complaints INDEXED BY complaints_created
WHERE created_at >= :start AND created_at < :end
GROUP BY grid_id, category_id, department_id, origin
ORDER BY grid_id, category_id, department_id NULLS FIRST, origin
"""


async def complaint_groups(
    db: Database, start: datetime, end: datetime, as_of: datetime
) -> list[ComplaintGroup]:
    """The one pass over the period's complaints (the bench's "bare aggregate")."""
    params: Any = {"start": to_iso(start), "end": to_iso(end), "as_of": to_iso(as_of)}
    rows = await db.fetchall(GROUPS_SQL, params)
    return [ComplaintGroup(r[0], r[1], r[2], *(int(v or 0) for v in r[3:])) for r in rows]


async def counts_by_grid_category(
    db: Database, start: datetime, end: datetime
) -> dict[tuple[int, int], int]:
    """Residents' cases per (grid, category) — last year's base, from a covering index."""
    rows = await db.fetchall(
        f"""SELECT grid_id, category_id, COUNT(*) FROM complaints INDEXED BY complaints_period
            WHERE created_at >= ? AND created_at < ? AND kind IN ('complaint', 'hazard')
              AND id NOT IN ({PATROL_TICKETS})
            GROUP BY grid_id, category_id""",
        (to_iso(start), to_iso(end)),
    )
    return {(r[0], r[1]): r[2] for r in rows}


@dataclass(frozen=True)
class Place:
    grid_id: int
    grid_code: str
    grid_name: str
    community_id: int
    community_code: str
    community_name: str
    zone_id: int
    zone_code: str
    zone_name: str


async def places(db: Database) -> dict[int, Place]:
    rows = await db.fetchall(
        """SELECT g.id, g.code, g.name, c.id, c.code, c.name, z.id, z.code, z.name
           FROM grids g JOIN communities c ON c.id = g.community_id
           JOIN zones z ON z.id = c.zone_id ORDER BY z.id, c.id, g.id"""
    )
    return {r[0]: Place(*r) for r in rows}


async def departments(db: Database) -> dict[int, tuple[str, str, str]]:
    """id -> (code, name, English name)."""
    rows = await db.fetchall("SELECT id, code, name, name_en FROM departments")
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


@dataclass(frozen=True)
class Staff:
    user_id: int
    display_name: str
    grid_id: int | None
    zone_id: int | None


async def staff(db: Database, role: str) -> list[Staff]:
    """Grants of one role (staff appear by the name they were granted under)."""
    rows = await db.fetchall(
        """SELECT user_id, display_name, grid_id, zone_id FROM role_grants
           WHERE role = ? ORDER BY user_id, grid_id""",
        (role,),
    )
    return [Staff(r[0], r[1], r[2], r[3]) for r in rows]


async def patrols_by_worker(
    db: Database, start: datetime, end: datetime
) -> dict[tuple[int, int], tuple[int, int]]:
    """(worker, grid) -> (patrols, hazards found), whoever holds the grid today."""
    rows = await db.fetchall(
        """SELECT worker_id, grid_id, COUNT(*), TOTAL(hazard_found) FROM patrols
           WHERE at >= ? AND at < ? GROUP BY worker_id, grid_id""",
        (to_iso(start), to_iso(end)),
    )
    return {(r[0], r[1]): (r[2], int(r[3])) for r in rows}


@dataclass(frozen=True)
class RepresentativeWork:
    assigned: int  # assignments due in the period
    done_on_time: int
    done_late: int
    overdue_open: int  # past due and not done by as_of
    visits: int  # supervision visits (announced and unannounced)
    sessions: int  # reception sessions held
    received: int  # residents received at those sessions


async def representative_work(
    db: Database, start: datetime, end: datetime, as_of: datetime
) -> dict[int, RepresentativeWork]:
    span = (to_iso(start), to_iso(end))
    work: dict[int, list[int]] = {}

    def add(user_id: int, index: int, value: int) -> None:
        work.setdefault(user_id, [0] * 7)[index] += value

    for r in await db.fetchall(
        """SELECT assignee_id, COUNT(*),
                  SUM(done_at IS NOT NULL AND done_at <= due_at AND status IN ('done', 'verified')),
                  SUM(done_at IS NOT NULL AND done_at > due_at AND status IN ('done', 'verified')),
                  SUM(status IN ('assigned', 'accepted', 'returned') AND due_at < ?)
           FROM assignments INDEXED BY assignments_due
           WHERE due_at >= ? AND due_at < ? AND assignee_id IS NOT NULL AND status <> 'cancelled'
           GROUP BY assignee_id""",
        (to_iso(as_of), *span),
    ):
        for index, value in enumerate(r[1:5]):
            add(r[0], index, int(value or 0))
    for r in await db.fetchall(
        """SELECT representative_id, COUNT(*) FROM supervision_items
           WHERE created_at >= ? AND created_at < ? AND source IN ('announced', 'unannounced')
           GROUP BY representative_id""",
        span,
    ):
        add(r[0], 4, r[1])
    for r in await db.fetchall(
        """SELECT s.representative_id, COUNT(DISTINCT s.id), COUNT(b.id)
           FROM reception_sessions s LEFT JOIN reception_bookings b ON b.session_id = s.id
           WHERE s.starts_at >= ? AND s.starts_at < ? AND s.starts_at < ?
             AND s.status <> 'cancelled'
           GROUP BY s.representative_id""",
        (*span, to_iso(as_of)),
    ):
        add(r[0], 5, r[1])
        add(r[0], 6, r[2])
    return {user: RepresentativeWork(*values) for user, values in work.items()}


@dataclass(frozen=True)
class MeetingCounts:
    zone_id: int | None
    planned: int
    held: int  # a result was recorded
    cancelled: int
    awaiting_result: int  # started, no result yet
    booked: int  # seats booked at the held meetings
    attended: int  # attendance recorded at the held meetings


async def meeting_counts(
    db: Database, start: datetime, end: datetime, as_of: datetime
) -> list[MeetingCounts]:
    rows = await db.fetchall(
        """SELECT COALESCE(m.zone_id, c.zone_id), COUNT(*),
                  SUM(m.status = 'held'), SUM(m.status = 'cancelled'),
                  SUM(m.status = 'open' AND m.starts_at < ?),
                  TOTAL(CASE WHEN m.status = 'held' THEN (
                      SELECT COUNT(*) FROM meeting_bookings b
                      WHERE b.meeting_id = m.id AND b.status = 'booked') END),
                  TOTAL(CASE WHEN m.status = 'held' THEN m.attendance END)
           FROM meetings m LEFT JOIN communities c ON c.id = m.community_id
           WHERE m.starts_at >= ? AND m.starts_at < ?
           GROUP BY 1 ORDER BY 1""",
        (to_iso(as_of), to_iso(start), to_iso(end)),
    )
    return [MeetingCounts(r[0], *(int(v or 0) for v in r[1:])) for r in rows]
