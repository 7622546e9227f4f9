"""Fourteen months of invented history for the offline demo, so that /bulletin has something
to rank: grid workers in every demo grid, complaints with their outcomes (some grids quicker
than others, fewer disputes this year than last), patrols, representatives' assignments,
supervision visits and reception days, and deliberation meetings with their attendance.

Written once per demo database (a counters row says so), deterministic, and only into the
demo database: residents are never invented — the cases have no reporter.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from bot.calendar.workdays import WorkCalendar
from bot.core.clock import to_iso
from storage.db import Database

DONE_KEY = "demo:history"
WEEKS = 61
WORKER_NAMES = [
    "李晓燕",
    "陈建国",
    "王丽",
    "赵强",
    "孙芳",
    "周磊",
    "吴婷",
    "郑伟",
    "冯静",
    "何勇",
    "许敏",
    "沈洁",
]
REPRESENTATIVES = ((410001, "钱代表", "YS"), (410002, "孙代表", "MF"))
# Category codes with weights; disputes were twice as frequent last year.
MIX: tuple[tuple[str, int], ...] = (("sanitation", 30), ("parking", 18), ("facility", 14))
MIX += (("dispute", 12), ("safety", 10), ("construction", 6), ("other", 10))


async def write_history(db: Database, calendar: WorkCalendar, now: datetime) -> bool:
    """Write the history unless it is there already; True if written."""
    if await db.fetchval("SELECT 1 FROM counters WHERE name = ?", (DONE_KEY,)):
        return False
    rnd = random.Random(20261126)
    grids = [(r[0], r[1]) for r in await db.fetchall("SELECT id, code FROM grids ORDER BY id")]
    categories = {
        r[0]: (r[1], r[2], r[3], r[4])
        for r in await db.fetchall(
            "SELECT code, id, ack_days, resolve_days, department_id FROM categories"
        )
    }
    workers = {
        r[0]: r[1]
        for r in await db.fetchall(
            "SELECT grid_id, user_id FROM role_grants WHERE role = 'grid_worker' ORDER BY id"
        )
    }
    start = now - timedelta(weeks=WEEKS)
    async with db.transaction() as conn:
        stamp = to_iso(start)
        for index, (grid_id, _) in enumerate(grids):
            if grid_id in workers:
                continue
            user_id = 210001 + index
            workers[grid_id] = user_id
            await conn.execute(
                """INSERT INTO role_grants (user_id, role, grid_id, display_name, granted_at,
                       granted_by) VALUES (?, 'grid_worker', ?, ?, ?, 'demo')""",
                (user_id, grid_id, f"网格员{WORKER_NAMES[index % len(WORKER_NAMES)]}", stamp),
            )
        for user_id, name, zone in REPRESENTATIVES:
            await conn.execute(
                """INSERT OR IGNORE INTO role_grants (user_id, role, zone_id, display_name,
                       granted_at, granted_by)
                   VALUES (?, 'representative', (SELECT id FROM zones WHERE code = ?), ?, ?,
                           'demo')""",
                (user_id, zone, f"人大代表{name}", stamp),
            )
        complaints, patrols = _complaints_and_patrols(
            rnd, calendar, now, grids, categories, workers
        )
        await conn.executemany(
            """INSERT INTO complaints (number, kind, category_id, grid_id, anonymous, description,
                   status, department_id, ack_due_at, resolve_due_at, accepted_at, resolved_at,
                   closed_at, close_reason, rating, escalated_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            complaints,
        )
        await conn.executemany(
            """INSERT INTO patrols (worker_id, grid_id, at, hazard_found, note)
               VALUES (?, ?, ?, ?, '')""",
            patrols,
        )
        await _representatives(conn, rnd, now)
        await _meetings(conn, rnd, now)
        await conn.execute("INSERT INTO counters (name, value) VALUES (?, 1)", (DONE_KEY,))
    return True


def _complaints_and_patrols(
    rnd: random.Random,
    calendar: WorkCalendar,
    now: datetime,
    grids: list[tuple[int, str]],
    categories: dict[str, tuple[int, int, int, int | None]],
    workers: dict[int, int],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    codes = [c for c, _ in MIX if c in categories]
    weights = [w for c, w in MIX if c in categories]
    complaints: list[tuple[Any, ...]] = []
    patrols: list[tuple[Any, ...]] = []
    serial = 0
    for grid_id, _ in grids:
        skill = rnd.uniform(0.6, 0.97)  # how reliably this grid keeps its deadlines
        busy = rnd.uniform(1.0, 4.0)
        for week in range(WEEKS):
            monday = now - timedelta(weeks=WEEKS - week)
            this_year = now - monday < timedelta(days=365)
            for _ in range(rnd.randint(0, int(busy * 2))):
                code = rnd.choices(codes, weights)[0]
                if code == "dispute" and this_year and rnd.random() < 0.6:
                    continue  # 矛盾纠纷 fell this year
                created = monday + timedelta(days=rnd.randint(0, 6), hours=rnd.randint(0, 10))
                if created >= now - timedelta(hours=2):
                    continue
                serial += 1
                complaints.append(
                    _complaint(
                        rnd, calendar, now, serial, grid_id, categories[code], created, skill
                    )
                )
            for _ in range(rnd.randint(1, 6) if skill > 0.7 else rnd.randint(0, 3)):
                at = monday + timedelta(days=rnd.randint(0, 4), hours=rnd.randint(0, 8))
                if at < now:
                    patrols.append((workers[grid_id], grid_id, to_iso(at), int(rnd.random() < 0.1)))
    return complaints, patrols


def _complaint(
    rnd: random.Random,
    calendar: WorkCalendar,
    now: datetime,
    serial: int,
    grid_id: int,
    category: tuple[int, int, int, int | None],
    created: datetime,
    skill: float,
) -> tuple[Any, ...]:
    category_id, ack_days, resolve_days, department_id = category
    ack_due = calendar.add_working_days(created, ack_days)
    resolve_due = calendar.add_working_days(created, resolve_days)
    on_time = rnd.random() < skill
    accepted: datetime | None = created + (
        timedelta(hours=rnd.randint(1, 6)) if on_time else (ack_due - created) + timedelta(hours=5)
    )
    resolved: datetime | None = (
        resolve_due - timedelta(hours=rnd.randint(2, 40))
        if rnd.random() < skill
        else resolve_due + timedelta(days=rnd.randint(1, 4))
    )
    if resolved is not None and accepted is not None and resolved <= accepted:
        resolved = accepted + timedelta(hours=2)
    closed = resolved + timedelta(days=rnd.randint(1, 3)) if resolved else None
    escalated = resolve_due if resolved and resolved > resolve_due else None
    status = "closed"
    reason: str | None = "confirmed"
    rating: int | None = rnd.choices([5, 4, 3, 2], [50, 30, 12, 8])[0]
    if rnd.random() < 0.15:
        reason, rating = "no_reply", None
    for moment, state in ((closed, "resolved"), (resolved, "accepted"), (accepted, "submitted")):
        if moment is not None and moment > now:  # the recent cases are still under way
            status, reason, rating = state, None, None
    if status != "closed":
        closed = None
    if status in ("accepted", "submitted"):
        resolved = None
        escalated = resolve_due if resolve_due < now and status == "accepted" else None
    if status == "submitted":
        accepted = None
    return (
        f"MH-{created.year}-D{serial:05d}", "hazard" if category_id == 1 else "complaint",
        category_id, grid_id, "（演示数据）", status, department_id, to_iso(ack_due),
        to_iso(resolve_due), _iso(accepted), _iso(resolved), _iso(closed), reason, rating,
        _iso(escalated), to_iso(created), to_iso(created),
    )  # fmt: skip


def _iso(moment: datetime | None) -> str | None:
    return to_iso(moment) if moment else None


async def _representatives(conn: Any, rnd: random.Random, now: datetime) -> None:
    reps = [400001, *(r[0] for r in REPRESENTATIVES)]
    stations = [
        r[0] for r in await (await conn.execute("SELECT id FROM liaison_stations")).fetchall()
    ]
    for week in range(0, WEEKS, 2):
        moment = now - timedelta(weeks=WEEKS - week)
        for rep in reps:
            due = moment + timedelta(days=14)
            done = due - timedelta(days=rnd.randint(-3, 9))
            status = "verified" if done < now else "accepted"
            await conn.execute(
                """INSERT INTO assignments (subject_kind, text, assignee_id, status, due_at,
                       assigned_by, created_at, updated_at, accepted_at, done_at)
                   VALUES ('text', '走访联系群众（演示数据）', ?, ?, ?, 900001, ?, ?, ?, ?)""",
                (rep, status, to_iso(due), to_iso(moment), to_iso(moment), to_iso(moment),
                 to_iso(done) if status == "verified" else None),
            )  # fmt: skip
            if stations and rnd.random() < 0.5:
                await conn.execute(
                    """INSERT INTO reception_sessions (station_id, representative_id, starts_at,
                           slots, status, created_at) VALUES (?, ?, ?, 6, 'open', ?)""",
                    (rnd.choice(stations), rep, to_iso(moment + timedelta(days=3)), to_iso(moment)),
                )


async def _meetings(conn: Any, rnd: random.Random, now: datetime) -> None:
    zones = [r[0] for r in await (await conn.execute("SELECT id FROM zones")).fetchall()]
    for week in range(1, WEEKS, 3):
        starts = now - timedelta(weeks=WEEKS - week)
        zone = rnd.choice(zones)
        booked = rnd.randint(8, 30)
        cur = await conn.execute(
            """INSERT INTO meetings (title, topic, zone_id, place, starts_at, duration_minutes,
                   capacity, registration_until, status, result_summary, attendance,
                   created_by, created_at, result_at)
               VALUES ('片区议事会（演示数据）', '公共事务', ?, '党群服务中心', ?, 90, 30, ?,
                       'held', '议定事项已交办（演示数据）', ?, 900001, ?, ?)""",
            (zone, to_iso(starts), to_iso(starts - timedelta(hours=2)),
             booked - rnd.randint(0, 6), to_iso(starts - timedelta(days=7)),
             to_iso(starts + timedelta(hours=3))),
        )  # fmt: skip
        await conn.executemany(
            """INSERT INTO meeting_bookings (meeting_id, status, code, created_at)
               VALUES (?, 'booked', ?, ?)""",
            [
                (cur.lastrowid, f"DEMO{cur.lastrowid:04d}{n:03d}", to_iso(starts))
                for n in range(booked)
            ],
        )
