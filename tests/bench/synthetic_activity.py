"""The synthetic town's activity besides complaints (tests/bench/synthetic.py): assignments,
patrols, reception days and deliberation meetings, in proportion to the complaints but small.

Each function writes its rows with plain `sqlite3` into the open transaction and returns what
it made; `iso` turns whole seconds since the epoch into the stored time text."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

Iso = Callable[[int], str]
H, D = 3600, 86400
ADMIN_ID = 900_001
WORKER_BASE = 8_000_000


@dataclass
class Town:
    """What the activity is made for: the open connection, the random source, the time text,
    the number of complaints, the span [start_ts, now_ts) and the town's places and staff."""

    conn: sqlite3.Connection
    rnd: random.Random
    iso: Iso
    n: int
    start_ts: int
    now_ts: int
    grids: list[int]
    zones: list[int]
    communities: list[int]
    stations: list[int]
    reps: list[int]

    def when(self, beyond: int = 0) -> int:
        """A random moment of the span (extended ``beyond`` seconds past its end)."""
        return self.rnd.randint(self.start_ts, self.now_ts + beyond - 1)


def activity(town: Town) -> dict[str, int]:
    """Everything but the complaints, in the open transaction; what was made."""
    return _assignments(town) | _patrols(town) | _receptions(town) | _meetings(town)


def _assignments(t: Town) -> dict[str, int]:
    """Assignments (交办) to representatives: mostly done in time, some late or overdue."""
    rows = []
    for _ in range(max(20, t.n // 500)):
        created = t.when()
        due = created + t.rnd.randint(3, 14) * D
        accepted = done = verified = escalated = None
        r = t.rnd.random()
        if r < 0.05:
            status = "cancelled"
        elif due > t.now_ts:
            status = "assigned" if t.rnd.random() < 0.3 else "accepted"
        elif r < 0.80:
            status = "verified" if r < 0.70 else "done"
            done = t.rnd.randint(created + H, due - 60)
        elif r < 0.90:
            status = "verified"
            done = due + t.rnd.randint(H, 5 * D)
        else:
            status = t.rnd.choice(["assigned", "accepted", "returned"])
            escalated = due
        if status not in ("assigned", "cancelled"):
            accepted = created + t.rnd.randint(600, D)
        if status == "verified" and done is not None:
            verified = done + t.rnd.randint(H, 2 * D)
        if (done is not None and done > t.now_ts) or (verified is not None and verified > t.now_ts):
            status, done, verified = "accepted", None, None
        if accepted is not None and accepted > t.now_ts:
            status, accepted = "assigned", None
        stamps = [x for x in (created, accepted, done, verified, escalated) if x is not None]
        subject = "complaint" if t.rnd.random() < 0.3 else "text"
        rows.append(
            (
                subject, t.rnd.randint(1, t.n) if subject == "complaint" else None,
                "督办：核查并回复群众反映的问题", t.rnd.choice(t.reps), status, t.iso(due),
                ADMIN_ID,
                t.iso(created), t.iso(max(stamps)),
                *(None if x is None else t.iso(x) for x in (accepted, done, verified, escalated)),
            )
        )  # fmt: skip
    t.conn.executemany(
        """INSERT INTO assignments (subject_kind, complaint_id, text, assignee_id, status,
               due_at, assigned_by, created_at, updated_at, accepted_at, done_at, verified_at,
               escalated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        rows,
    )
    return {"assignments": len(rows)}


def _patrols(t: Town) -> dict[str, int]:
    """Patrols by each grid's worker."""
    rows = []
    for _ in range(max(100, t.n // 100)):
        grid = t.rnd.choice(t.grids)
        rows.append(
            (
                WORKER_BASE + grid, grid, t.iso(t.when()),
                30.6 + t.rnd.uniform(-0.05, 0.05), 119.9 + t.rnd.uniform(-0.05, 0.05),
                int(t.rnd.random() < 0.05), "",
            )
        )  # fmt: skip
    t.conn.executemany(
        """INSERT INTO patrols (worker_id, grid_id, at, latitude, longitude, hazard_found, note)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        rows,
    )
    return {"patrols": len(rows)}


def _receptions(t: Town) -> dict[str, int]:
    """Reception days at liaison stations, with a few residents received at past ones."""
    sessions = bookings = 0
    for _ in range(max(20, t.n // 2000)):
        day = t.when(30 * D) // D * D
        starts = day + H  # 09:00 in China
        status = "cancelled" if t.rnd.random() < 0.05 else "open"
        cur = t.conn.execute(
            """INSERT INTO reception_sessions (station_id, representative_id, starts_at, slots,
                   status, duration_minutes, created_at) VALUES (?, ?, ?, 5, ?, 120, ?)""",
            (
                t.rnd.choice(t.stations),
                t.rnd.choice(t.reps),
                t.iso(starts),
                status,
                t.iso(starts - 7 * D),
            ),
        )
        sessions += 1
        if status == "cancelled" or starts > t.now_ts:
            continue
        rows = [
            (
                cur.lastrowid,
                "反映村道破损问题",
                "已记录并交办",
                t.iso(starts + H),
                t.iso(starts - D),
            )
            for _ in range(t.rnd.randint(0, 4))
        ]
        t.conn.executemany(
            """INSERT INTO reception_bookings (session_id, topic, outcome, outcome_at,
                   created_at) VALUES (?, ?, ?, ?, ?)""",
            rows,
        )
        bookings += len(rows)
    return {"reception_sessions": sessions, "reception_bookings": bookings}


def _meetings(t: Town) -> dict[str, int]:
    """Deliberation meetings (议事会): most past ones held with bookings, a few cancelled or
    still waiting for a result; the future ones open."""
    meetings = bookings = 0
    for k in range(max(8, t.n // 10_000)):
        starts = t.when(30 * D) // D * D + 6 * H  # 14:00 in China
        zone = t.rnd.choice(t.zones) if t.rnd.random() < 0.6 else None
        community = None if zone is not None else t.rnd.choice(t.communities)
        r = t.rnd.random()
        status, summary, attendance, result_at, cancelled_at = "open", None, None, None, None
        if starts + 2 * H <= t.now_ts:
            if r < 0.8:
                status, summary = "held", "议定事项已形成决议并交办。"
                attendance, result_at = t.rnd.randint(10, 30), starts + 3 * H
            elif r < 0.9:
                status, cancelled_at = "cancelled", starts - D
        cur = t.conn.execute(
            """INSERT INTO meetings (title, topic, zone_id, community_id, place, starts_at,
                   duration_minutes, capacity, reserved_seats, registration_until, status,
                   result_summary, attendance, created_by, created_at, cancelled_at, result_at,
                   result_by) VALUES (?, ?, ?, ?, ?, ?, 90, 30, 5, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                f"议事会（第{k + 1}期）", "村道维修与停车管理", zone, community, "党群服务中心",
                t.iso(starts), t.iso(starts - D), status, summary, attendance, ADMIN_ID,
                t.iso(starts - 14 * D), None if cancelled_at is None else t.iso(cancelled_at),
                None if result_at is None else t.iso(result_at),
                ADMIN_ID if result_at is not None else None,
            ),
        )  # fmt: skip
        meetings += 1
        if status != "held":
            continue
        mid = cur.lastrowid
        rows = [
            (mid, "booked", f"B{mid:06d}-{i:02d}", t.iso(starts - 3 * D), t.iso(starts - 3 * D))
            for i in range(t.rnd.randint(5, 25))
        ]
        t.conn.executemany(
            """INSERT INTO meeting_bookings (meeting_id, status, code, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?)""",
            rows,
        )
        bookings += len(rows)
    return {"meetings": meetings, "meeting_bookings": bookings}
