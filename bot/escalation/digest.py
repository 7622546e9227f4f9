"""One digest a working day for dispatchers and admins (new, overdue, awaiting their ruling),
instead of a message per case; urgent items (催办 no. 1, a hazard's daily 催办, 通报) still
come at once (`bot.escalation.ladder`).

A source of due rows for `bot.runtime.timers.TimerRunner`: the next digest is a
`ladder_digests` row before it is due; at its moment it is sent once, in one transaction with
its mark, or skipped when the bot was down over its whole day (the next one lists what is new
since the last one sent). Each person gets the zones they answer for: the zone's dispatchers
(`dispatchers_for`) and admins, and town-wide and configured admins every zone.

It also counts, per grid of those zones, the households overdue a home visit (网格走亲) —
counts only, never a household's name or address (those reach the grid's workers).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from bot.complaints.dispatch import dispatchers_for
from bot.runtime import notices
from bot.runtime.services import Services
from bot.visits.service import overdue_by_grid
from storage import escalation, geo, people
from storage.escalation import Case

SHOWN = 10  # lines of each part; the rest are counted


async def awaiting_ruling(services: Services, now: datetime) -> list[Case]:
    """Cases waiting for a dispatcher's or an admin's ruling: a 退回 or a 延期申请 (the dispatch
    centre's requests). Unstaffed work is not listed here yet."""
    return await escalation.awaiting_cases(services.db)


def next_moment(services: Services, after: datetime) -> tuple[date, datetime]:
    """The first working day whose digest time (local) is strictly after `after`."""
    at = services.settings.ladder_digest_at
    assert at is not None
    tz = services.settings.tz
    day = after.astimezone(tz).date()
    while True:
        day = services.calendar.next_workday(day)
        moment = datetime.combine(day, at, tzinfo=tz).astimezone(after.tzinfo)
        if moment > after:
            return day, moment
        day += timedelta(days=1)


class DailyDigest:
    """Plans, sends or skips the daily digest; each once."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._lock = asyncio.Lock()

    async def run_due(self) -> int:
        """Send (or skip) the digest whose moment has come; returns how many were handled."""
        services, done = self.services, 0
        if services.settings.ladder_digest_at is None:
            return 0
        async with self._lock:
            now = services.clock.now()
            pending = await escalation.pending_digest(services.db) or await self._plan(now)
            today = now.astimezone(services.settings.tz).date()
            while pending.due_at <= now:
                stale = pending.day != today  # the bot was down over its whole day
                await self._send(pending, now, skip=stale)
                done += 1
                # After a skipped day, the next working day's (today's may still be due),
                # counting what is new from where the skipped one would have.
                if stale:
                    pending = await self._plan(pending.due_at, since=pending.since)
                else:
                    pending = await self._plan(now)
        return done

    async def next_due(self) -> datetime | None:
        """When the next digest is due."""
        if self.services.settings.ladder_digest_at is None:
            return None
        pending = await escalation.pending_digest(self.services.db)
        return pending.due_at if pending else None

    async def _plan(self, after: datetime, since: datetime | None = None) -> escalation.Digest:
        """The row of the next digest after `after` (a day done already is passed over):
        "new" since `since`, else the last one sent, else `after`."""
        db = self.services.db
        since = since or await escalation.last_sent_at(db) or after
        while (pending := await escalation.pending_digest(db)) is None:
            day, moment = next_moment(self.services, after)
            await escalation.add_digest(db, day, moment, since)
            after = moment
        return pending

    async def _send(self, digest: escalation.Digest, now: datetime, *, skip: bool) -> None:
        services = self.services
        parts = {} if skip else await self._parts(digest, now)
        async with services.db.transaction() as conn:
            state = "skipped" if skip else "sent"
            if not await escalation.finish_digest(conn, digest.day, state, now):
                return
            for user_id, context in parts.items():
                await notices.send(
                    conn,
                    services,
                    [user_id],
                    template="escalation.digest",
                    key=f"digest:{digest.day.isoformat()}",
                    now=now,
                    context=context,
                )
        if parts:
            services.delivery.kick_soon()

    async def _parts(self, digest: escalation.Digest, now: datetime) -> dict[int, dict[str, Any]]:
        """Each recipient's digest (none for someone with nothing to read)."""
        services = self.services
        new = await escalation.new_cases(services.db, digest.since, digest.due_at)
        overdue = await escalation.overdue_cases(services.db, now)
        awaiting = await awaiting_ruling(services, now)
        late_visits = await self._late_visits(now)
        found: dict[int, dict[str, Any]] = {}
        for user_id, zones in (await self._readers()).items():
            mine = [[c for c in cases if c.zone_id in zones] for cases in (new, overdue, awaiting)]
            visits = [line for zone, line in late_visits if zone in zones]
            if not any(mine) and not visits:
                continue
            context: dict[str, Any] = {"due_at": digest.due_at.isoformat()}
            for name, cases in zip(("new", "overdue", "awaiting"), mine, strict=True):
                context[name] = [self._line(c, now) for c in cases[:SHOWN]]
                context[f"{name}_total"] = len(cases)
            context["visits"] = visits[:SHOWN]
            context["visits_total"] = sum(v["households"] for v in visits)
            context["visits_grids"] = len(visits)
            found[user_id] = context
        return found

    async def _late_visits(self, now: datetime) -> list[tuple[int, dict[str, Any]]]:
        """(zone id, line) per grid with households overdue a home visit, the most first."""
        db = self.services.db
        lines: list[tuple[int, dict[str, Any]]] = []
        for grid_id, count in (await overdue_by_grid(db, self.services.settings.tz, now)).items():
            grid = await geo.grid(db, grid_id)
            if grid is not None:
                lines.append((grid.zone_id, {"grid": grid.full_name, "households": count}))
        lines.sort(key=lambda line: (-int(line[1]["households"]), str(line[1]["grid"])))
        return lines

    async def _readers(self) -> dict[int, set[int]]:
        """Who reads a digest, and the zones each answers for."""
        services = self.services
        configured = sorted(services.settings.admin_ids)
        zones: dict[int, set[int]] = defaultdict(set)
        for zone in await geo.zones(services.db):
            ids = await dispatchers_for(services, zone.id)
            ids += await people.admins_of_zone(services.db, zone.id) + configured
            for user_id in await notices.reachable(services, sorted(set(ids))):
                zones[user_id].add(zone.id)
        return dict(zones)

    def _line(self, c: Case, now: datetime) -> dict[str, Any]:
        late = self.services.calendar.working_days_between(c.due_at, now) if c.due_at else 0
        return {
            "number": c.number,
            "category": c.category,
            "category_en": c.category_en,
            "grid": c.grid,
            "department": c.department,
            "accepted": c.accepted,
            "reported": c.reported,
            "days": late,
        }
