"""The offline demo's invented history, written once per demo database (a counters row says
so) in one transaction; the rows themselves are made up by `bot.demo.history`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storage.db import Database

DONE_KEY = "demo:history"

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Town:
    """What the history is invented around."""

    grids: list[tuple[int, str]]  # (id, code)
    categories: dict[str, tuple[int, int, int, int | None]]  # code: (id, ack, resolve, dept)
    workers: dict[int, int]  # grid id: a grid worker's user id
    stations: list[int]
    zones: list[int]


@dataclass(frozen=True)
class DemoMeeting:
    """A held meeting: its row's parameters and how many seats were booked."""

    params: Row  # (zone_id, starts_at, registration_until, attendance, created_at, result_at)
    booked: int
    booked_at: str


@dataclass
class History:
    """Every invented row, as statement parameters (times already stored as text)."""

    stamp: str
    workers: list[Row] = field(default_factory=list)  # (user_id, grid_id, display_name)
    representatives: list[Row] = field(default_factory=list)  # (user_id, zone code, name)
    complaints: list[Row] = field(default_factory=list)
    patrols: list[Row] = field(default_factory=list)
    assignments: list[Row] = field(default_factory=list)
    receptions: list[Row] = field(default_factory=list)
    meetings: list[DemoMeeting] = field(default_factory=list)


async def written(db: Database) -> bool:
    """Whether this database has its history already."""
    return bool(await db.fetchval("SELECT 1 FROM counters WHERE name = ?", (DONE_KEY,)))


async def town(db: Database) -> Town:
    """The demo town's grids, categories, grid workers, liaison stations and zones."""
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
    stations = [r[0] for r in await db.fetchall("SELECT id FROM liaison_stations")]
    zones = [r[0] for r in await db.fetchall("SELECT id FROM zones")]
    return Town(grids, categories, workers, stations, zones)


async def write(db: Database, history: History) -> None:
    """Write the whole history and mark it written, in one transaction."""
    async with db.transaction() as conn:
        for user_id, grid_id, name in history.workers:
            await conn.execute(
                """INSERT INTO role_grants (user_id, role, grid_id, display_name, granted_at,
                       granted_by) VALUES (?, 'grid_worker', ?, ?, ?, 'demo')""",
                (user_id, grid_id, name, history.stamp),
            )
        for user_id, zone, name in history.representatives:
            await conn.execute(
                """INSERT OR IGNORE INTO role_grants (user_id, role, zone_id, display_name,
                       granted_at, granted_by)
                   VALUES (?, 'representative', (SELECT id FROM zones WHERE code = ?), ?, ?,
                           'demo')""",
                (user_id, zone, name, history.stamp),
            )
        await conn.executemany(
            """INSERT INTO complaints (number, kind, category_id, grid_id, anonymous, description,
                   status, department_id, ack_due_at, resolve_due_at, accepted_at, resolved_at,
                   closed_at, close_reason, rating, escalated_at, created_at, updated_at,
                   satisfaction)
               VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                       ?17, CASE WHEN ?13 <> 'confirmed' THEN NULL
                                 WHEN ?14 >= 4 THEN 'satisfied' ELSE 'basic' END)""",
            history.complaints,
        )
        await conn.executemany(
            """INSERT INTO patrols (worker_id, grid_id, at, hazard_found, note)
               VALUES (?, ?, ?, ?, '')""",
            history.patrols,
        )
        await conn.executemany(
            """INSERT INTO assignments (subject_kind, text, assignee_id, status, due_at,
                   assigned_by, created_at, updated_at, accepted_at, done_at)
               VALUES ('text', '走访联系群众（演示数据）', ?, ?, ?, 900001, ?, ?, ?, ?)""",
            history.assignments,
        )
        await conn.executemany(
            """INSERT INTO reception_sessions (station_id, representative_id, starts_at,
                   slots, status, created_at) VALUES (?, ?, ?, 6, 'open', ?)""",
            history.receptions,
        )
        for meeting in history.meetings:
            cur = await conn.execute(
                """INSERT INTO meetings (title, topic, zone_id, place, starts_at,
                       duration_minutes, capacity, registration_until, status, result_summary,
                       attendance, created_by, created_at, result_at)
                   VALUES ('片区议事会（演示数据）', '公共事务', ?, '党群服务中心', ?, 90, 30, ?,
                           'held', '议定事项已交办（演示数据）', ?, 900001, ?, ?)""",
                meeting.params,
            )
            await conn.executemany(
                """INSERT INTO meeting_bookings (meeting_id, status, code, created_at)
                   VALUES (?, 'booked', ?, ?)""",
                [
                    (cur.lastrowid, f"DEMO{cur.lastrowid:04d}{n:03d}", meeting.booked_at)
                    for n in range(meeting.booked)
                ],
            )
        await conn.execute("INSERT INTO counters (name, value) VALUES (?, 1)", (DONE_KEY,))
