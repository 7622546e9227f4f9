"""Bulletins (晾晒): a period's league tables, built from Minhu's own records.

`build_report` reads the period's complaints from daily pre-aggregates (storage/aggregates.py)
and everything else with a handful of indexed aggregates (storage/rankings.py)
and scores in plain Python (bot/bulletins/rankings.py). The report holds no resident's data: units
are grids, grid workers and representatives (by the name they were granted under), departments,
communities and zones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.bulletins.rankings import HONOURED, Change, Ranked, UnitStats, Weights, rank
from bot.bulletins.volunteers import VolunteerRow
from bot.bulletins.volunteers import table as volunteer_table
from bot.core.periods import Period
from bot.mediation.stats import Row as MediationRow
from bot.mediation.stats import table as mediation_table
from bot.visits import service as visits
from storage import aggregates, geo
from storage import rankings as q
from storage.db import Database
from storage.models import Category

# Representatives: assignments done on time weigh most; visits and reception sessions are
# counted relative to the most active representative (the "patrol" component).
REPRESENTATIVE_WEIGHTS = Weights(
    ack=0, resolve=60, rating=0, no_reply=0, relapse=0, overdue=0, patrol=40, visit=0
)


@dataclass(frozen=True)
class BulletinConfig:
    tz: ZoneInfo
    weights: Weights = field(default_factory=Weights)
    min_cases: int = 3  # fewer handled cases than this: listed, not ranked


@dataclass(frozen=True)
class AreaRow:
    """A zone or community: cases received by category, now and a year earlier."""

    key: str
    name: str
    parent: str
    current: dict[int, int]
    previous: dict[int, int]

    @property
    def change(self) -> Change:
        return Change(sum(self.current.values()), sum(self.previous.values()))

    def top_categories(self, limit: int = 3) -> list[tuple[int, int]]:
        return sorted(self.current.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


@dataclass(frozen=True)
class CategoryRow:
    id: int
    code: str
    name: str
    name_en: str
    change: Change


@dataclass(frozen=True)
class MeetingRow:
    zone: str  # '' for meetings of the whole town
    planned: int
    held: int
    cancelled: int
    awaiting_result: int
    booked: int
    attended: int
    total: bool = False  # the sum of the rows above

    @property
    def attendance_rate(self) -> float | None:
        return self.attended / self.booked if self.booked else None


@dataclass(frozen=True)
class Report:
    period: Period
    as_of: datetime
    config: BulletinConfig
    total: Change
    grids: list[Ranked]
    workers: list[Ranked]
    departments: list[Ranked]
    representatives: list[Ranked]
    zones: list[AreaRow]
    communities: list[AreaRow]
    categories: list[CategoryRow]
    meetings: list[MeetingRow]
    grid_zone: dict[str, str]  # grid code -> zone code (for a zone's part)
    # 矛盾调解: cases, outcomes and success rate per zone and kind, year on year (counts only)
    mediations: list[MediationRow] = field(default_factory=list)
    # 志愿服务: activities, volunteers and hours per community, a month or longer (counts only)
    volunteers: list[VolunteerRow] = field(default_factory=list)

    @property
    def assessment(self) -> bool:
        """A month or longer: the assessment notice (月度考核通报), top six honoured."""
        return self.period.kind != "week"

    @property
    def meetings_total(self) -> MeetingRow:
        rows = self.meetings
        return MeetingRow(
            "",
            planned=sum(r.planned for r in rows),
            held=sum(r.held for r in rows),
            cancelled=sum(r.cancelled for r in rows),
            awaiting_result=sum(r.awaiting_result for r in rows),
            booked=sum(r.booked for r in rows),
            attended=sum(r.attended for r in rows),
            total=True,
        )


async def build_report(
    db: Database, period: Period, as_of: datetime, config: BulletinConfig, *, raw: bool = False
) -> Report:
    """The period's report as of `as_of`, from the daily pre-aggregates (storage/aggregates.py);
    `raw=True` reads the raw rows instead — the reference the pre-aggregates must equal (the
    property test and the benchmark's unaggregated path)."""
    start, end = period.bounds(config.tz)
    last_start, last_end = period.year_earlier().bounds(config.tz)
    source = q if raw else aggregates
    groups = await source.complaint_groups(db, start, end, as_of)
    last_year = await source.counts_by_grid_category(db, last_start, last_end)
    places = await q.places(db)
    categories = await geo.categories(db, active_only=False)
    departments = await q.departments(db)
    patrols = await q.patrols_by_worker(db, start, end)

    grid_stats = {
        p.grid_id: UnitStats(p.grid_code, p.grid_name, p.community_name) for p in places.values()
    }
    dept_stats = {
        d: UnitStats(code, name, name_en=name_en)
        for d, (code, name, name_en) in departments.items()
    }
    current: dict[tuple[int, int], int] = {}  # residents' cases per (grid, category)
    for g in groups:
        unit = grid_stats.get(g.grid_id)
        if unit is None:
            continue
        if g.origin in q.RESIDENTS:
            unit.received += g.received
            key = (g.grid_id, g.category_id)
            current[key] = current.get(key, 0) + g.received
        if g.department_id is not None:
            department = dept_stats.get(g.department_id)
            if department is not None:  # every case a department handles counts for it
                department.received += g.received
                department.add(handled_stats(g))
        elif g.origin in q.RESIDENTS:  # a grid is ranked on residents' cases it handles
            unit.add(handled_stats(g))
    for (_, grid_id), (done, found) in patrols.items():
        if grid_id in grid_stats:
            grid_stats[grid_id].patrols += done
            grid_stats[grid_id].hazards_found += found
    # Home visits (网格走亲): the grid's coverage, shared by its workers like its cases.
    if start < as_of:
        covered = await visits.coverage_by_grid(db, config.tz, start, min(end, as_of))
        for grid_id, cover in covered.items():
            if grid_id in grid_stats:
                grid_stats[grid_id].visit_registered += round(cover.registered)
                grid_stats[grid_id].visit_on_cadence += round(cover.on_cadence)

    # A worker is ranked on the record of the grids they hold (workers sharing a grid share
    # its record) and on their own patrols.
    workers: list[UnitStats] = []
    by_user: dict[int, UnitStats] = {}
    for grant in await q.staff(db, "grid_worker"):
        if grant.grid_id is None or grant.grid_id not in places:
            continue
        place = places[grant.grid_id]
        worker = by_user.get(grant.user_id)
        if worker is None:
            name = grant.display_name.strip() or f"{place.grid_name}网格员"
            worker = UnitStats(f"{place.grid_code}/{grant.user_id}", name, place.grid_name)
            by_user[grant.user_id] = worker
            workers.append(worker)
        else:
            worker.place += f"、{place.grid_name}"
        share = UnitStats(worker.key, worker.name)
        share.add(grid_stats[grant.grid_id])
        share.patrols, share.hazards_found = patrols.get((grant.user_id, grant.grid_id), (0, 0))
        worker.add(share)

    weights, min_cases = config.weights, config.min_cases
    areas = _areas(places, current, last_year)
    return Report(
        period=period,
        as_of=as_of,
        config=config,
        total=Change(sum(current.values()), sum(last_year.values())),
        grids=rank(list(grid_stats.values()), weights, min_cases=min_cases),
        workers=rank(
            workers, weights, min_cases=min_cases, honour=HONOURED if period.kind != "week" else 0
        ),
        departments=rank(
            [d for d in dept_stats.values() if d.received], weights, min_cases=min_cases
        ),
        representatives=await _representatives(db, start, end, as_of, min_cases),
        zones=areas[0],
        communities=areas[1],
        categories=_categories(categories, current, last_year),
        meetings=await _meetings(db, start, end, as_of, places),
        grid_zone={p.grid_code: p.zone_code for p in places.values()},
        mediations=await _mediations(db, (start, end), (last_start, last_end)),
        volunteers=(
            await volunteer_table(db, (start, end), (last_start, last_end))
            if period.kind != "week"
            else []
        ),
    )


async def _mediations(
    db: Database, now: tuple[datetime, datetime], before: tuple[datetime, datetime]
) -> list[MediationRow]:
    """The mediation table, or none when there were no cases either year."""
    rows = await mediation_table(db, *now, before)
    total = rows[-1]
    return rows if total.opened or total.opened_year_before else []


def handled_stats(g: q.ComplaintGroup) -> UnitStats:
    """What a group of complaints counts for whoever handled them (the district ranks towns
    on it too)."""
    return UnitStats(
        "",
        "",
        handled=g.handled,
        ack_judged=g.ack_judged,
        ack_on_time=g.ack_on_time,
        resolve_judged=g.resolve_judged,
        resolve_on_time=g.resolve_on_time,
        rated=g.rated,
        rating_sum=g.rating_sum,
        closed=g.closed,
        no_reply=g.no_reply,
        relapses=g.relapses,
        overdue=g.overdue,
        sat_judged=g.sat_judged,
        satisfied=g.satisfied,
        basic=g.basic,
        redone=g.redone,
        ever_resolved=g.ever_resolved,
    )


def _areas(
    places: dict[int, q.Place],
    current: dict[tuple[int, int], int],
    last_year: dict[tuple[int, int], int],
) -> tuple[list[AreaRow], list[AreaRow]]:
    zones: dict[str, AreaRow] = {}
    communities: dict[str, AreaRow] = {}
    for p in places.values():
        zones.setdefault(p.zone_code, AreaRow(p.zone_code, p.zone_name, "", {}, {}))
        communities.setdefault(
            p.community_code, AreaRow(p.community_code, p.community_name, p.zone_name, {}, {})
        )
    for counts, side in ((current, "current"), (last_year, "previous")):
        for (grid_id, category_id), n in counts.items():
            place = places.get(grid_id)
            if place is None:
                continue
            for row in (zones[place.zone_code], communities[place.community_code]):
                bucket: dict[int, int] = getattr(row, side)
                bucket[category_id] = bucket.get(category_id, 0) + n
    return list(zones.values()), list(communities.values())


def _categories(
    categories: list[Category],
    current: dict[tuple[int, int], int],
    last_year: dict[tuple[int, int], int],
) -> list[CategoryRow]:
    now: dict[int, int] = {}
    before: dict[int, int] = {}
    for (_, category_id), n in current.items():
        now[category_id] = now.get(category_id, 0) + n
    for (_, category_id), n in last_year.items():
        before[category_id] = before.get(category_id, 0) + n
    rows = [
        CategoryRow(c.id, c.code, c.name, c.name_en, Change(now.get(c.id, 0), before.get(c.id, 0)))
        for c in categories  # in display order
        if now.get(c.id) or before.get(c.id)
    ]
    return rows


async def _representatives(
    db: Database, start: datetime, end: datetime, as_of: datetime, min_cases: int
) -> list[Ranked]:
    work = await q.representative_work(db, start, end, as_of)
    units: list[UnitStats] = []
    seen: set[int] = set()
    for grant in await q.staff(db, "representative"):
        if grant.user_id in seen:
            continue
        seen.add(grant.user_id)
        w = work.get(grant.user_id, q.RepresentativeWork(0, 0, 0, 0, 0, 0, 0))
        unit = UnitStats(
            f"{grant.user_id:012d}",
            grant.display_name.strip() or "人大代表",
            resolve_judged=w.done_on_time + w.done_late + w.overdue_open,
            resolve_on_time=w.done_on_time,
            overdue=w.overdue_open,
            patrols=w.visits + w.sessions,
            extra={
                "assigned": w.assigned,
                "done_on_time": w.done_on_time,
                "done_late": w.done_late,
                "visits": w.visits,
                "sessions": w.sessions,
                "received": w.received,
                "activity": w.assigned + w.visits + w.sessions,
            },
        )
        units.append(unit)
    return rank(units, REPRESENTATIVE_WEIGHTS, min_cases=min_cases, sample="activity")


async def _meetings(
    db: Database, start: datetime, end: datetime, as_of: datetime, places: dict[int, q.Place]
) -> list[MeetingRow]:
    zone_names = {p.zone_id: p.zone_name for p in places.values()}
    return [
        MeetingRow(
            zone_names.get(m.zone_id, "") if m.zone_id is not None else "",
            m.planned,
            m.held,
            m.cancelled,
            m.awaiting_result,
            m.booked,
            m.attended,
        )
        for m in await q.meeting_counts(db, start, end, as_of)
    ]
