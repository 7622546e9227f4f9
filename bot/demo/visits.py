"""The demo grid worker's home-visit register (网格走亲): a few invented households in 张网格's
grid SQ-01-01, each registered with its oral consent recorded by the worker, some visited
already — and one overdue, so the list, the 催办 and the dispatchers' digest have something to
show. Written once (nothing is added when the grid has households already)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.calendar.workdays import WorkCalendar
from bot.visits import rules
from storage import geo
from storage import visits as store
from storage.db import Database
from storage.visits import NewHousehold

URGE_AT = time(9, 0)  # the ladder's default hour (Settings.ladder_urge_at)


@dataclass(frozen=True)
class DemoHousehold:
    kind: str
    cadence_days: int
    name: str
    address: str
    phone: str | None
    emergency_contact: str | None
    notes: str
    registered_days_ago: int
    visits_days_ago: tuple[int, ...]  # oldest first; the last one sets the due day


HOUSEHOLDS = (
    DemoHousehold(
        "独居老人",
        7,
        "陈阿婆",
        "上强社区3幢102室",
        "13800000101",
        "儿子 陈先生 13800000102",
        "82岁，腿脚不便，下午在家",
        45,
        (30, 17, 10, 3),
    ),
    DemoHousehold(
        "困难家庭",
        14,
        "刘建华家",
        "上强社区7幢201室",
        "13800000201",
        None,
        "低保户，女儿在读初中",
        70,
        (48, 34, 21),
    ),  # last visited 21 days ago: a week overdue
    DemoHousehold(
        "留守儿童",
        14,
        "小宇（奶奶黄秀英照看）",
        "上强社区12幢门卫旁平房",
        None,
        "父亲 在杭州打工 13800000302",
        "父母在外务工，周末在家",
        30,
        (26, 12),
    ),
    DemoHousehold(
        "残疾人",
        14,
        "吴师傅",
        "上强社区5幢101室",
        "13800000401",
        "妻子 13800000402",
        "轮椅出行，楼道扶手已装",
        9,
        (),
    ),
)


def _next_urge(calendar: WorkCalendar, tz: ZoneInfo, after: datetime) -> datetime:
    """Like `ladder.next_urge` with the default hour: the first working day's 09:00 after."""
    day = after.astimezone(tz).date()
    while True:
        day = calendar.next_workday(day)
        moment = datetime.combine(day, URGE_AT, tzinfo=tz)
        if moment > after:
            return moment
        day += timedelta(days=1)


async def write_visits(
    db: Database, worker_id: int, calendar: WorkCalendar, tz: ZoneInfo, now: datetime
) -> bool:
    """The households, their visits and their pending rows; False when the grid has some."""
    grid_id = await geo.grid_id_by_code(db, "SQ-01-01")
    assert grid_id is not None  # the demo town has it
    if await store.of_grids(db, [grid_id]):
        return False
    async with db.transaction() as conn:
        for h in HOUSEHOLDS:
            registered = now - timedelta(days=h.registered_days_ago)
            new = NewHousehold(
                grid_id=grid_id,
                kind=h.kind,
                cadence_days=h.cadence_days,
                name=h.name,
                address=h.address,
                phone=h.phone,
                emergency_contact=h.emergency_contact,
                notes=h.notes,
            )
            # Consent recorded by the worker when registering, as /visit's form does.
            household_id = await store.insert_household(
                conn, new, worker_id=worker_id, now=registered
            )
            anchor = registered
            for days in h.visits_days_ago:
                anchor = (now - timedelta(days=days)).replace(hour=7, minute=30)
                await store.insert_visit(
                    conn,
                    household_id=household_id,
                    worker_id=worker_id,
                    grid_id=grid_id,
                    now=anchor,
                    latitude=None,
                    longitude=None,
                    finding="ok",
                    note="身体和家里都好",
                    photo_file_id=None,
                    complaint_id=None,
                )
            due = datetime.combine(rules.due_day(anchor, h.cadence_days, tz), URGE_AT, tzinfo=tz)
            late = _next_urge(calendar, tz, rules.overdue_from(anchor, h.cadence_days, tz))
            if due > now:  # a due day long past is not reminded of; its 催办 comes at start
                await store.add_timer(conn, "due", household_id, due, now)
            await store.add_timer(conn, "overdue", household_id, late, now)
            await store.add_timer(
                conn, "escalate", household_id, _next_urge(calendar, tz, late), now
            )
    return True
