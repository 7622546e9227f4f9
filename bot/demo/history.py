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
from storage import demo
from storage.db import Database

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
    if await demo.written(db):
        return False
    rnd = random.Random(20261126)
    town = await demo.town(db)
    grids, workers = town.grids, dict(town.workers)
    start = now - timedelta(weeks=WEEKS)
    history = demo.History(stamp=to_iso(start))
    for index, (grid_id, _) in enumerate(grids):
        if grid_id in workers:
            continue
        user_id = 210001 + index
        workers[grid_id] = user_id
        name = f"网格员{WORKER_NAMES[index % len(WORKER_NAMES)]}"
        history.workers.append((user_id, grid_id, name))
    for user_id, name, zone in REPRESENTATIVES:
        history.representatives.append((user_id, zone, f"人大代表{name}"))
    history.complaints, history.patrols = _complaints_and_patrols(
        rnd, calendar, now, grids, town.categories, workers
    )
    _representatives(history, rnd, now, town.stations)
    _meetings(history, rnd, now, town.zones)
    await demo.write(db, history)
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


def _representatives(
    history: demo.History, rnd: random.Random, now: datetime, stations: list[int]
) -> None:
    reps = [400001, *(r[0] for r in REPRESENTATIVES)]
    for week in range(0, WEEKS, 2):
        moment = now - timedelta(weeks=WEEKS - week)
        for rep in reps:
            due = moment + timedelta(days=14)
            done = due - timedelta(days=rnd.randint(-3, 9))
            status = "verified" if done < now else "accepted"
            history.assignments.append(
                (rep, status, to_iso(due), to_iso(moment), to_iso(moment), to_iso(moment),
                 to_iso(done) if status == "verified" else None)
            )  # fmt: skip
            if stations and rnd.random() < 0.5:
                history.receptions.append(
                    (rnd.choice(stations), rep, to_iso(moment + timedelta(days=3)), to_iso(moment))
                )


def _meetings(history: demo.History, rnd: random.Random, now: datetime, zones: list[int]) -> None:
    for week in range(1, WEEKS, 3):
        starts = now - timedelta(weeks=WEEKS - week)
        zone = rnd.choice(zones)
        booked = rnd.randint(8, 30)
        params = (
            zone, to_iso(starts), to_iso(starts - timedelta(hours=2)),
            booked - rnd.randint(0, 6), to_iso(starts - timedelta(days=7)),
            to_iso(starts + timedelta(hours=3)),
        )  # fmt: skip
        history.meetings.append(demo.DemoMeeting(params, booked, to_iso(starts)))
