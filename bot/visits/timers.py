"""The rows of home visits that fall due, run by the same jobs as complaint timers (a source
of `bot.runtime.timers.TimerRunner`): the reminder on a household's due day to its grid's
workers, their 催办 once it is overdue, then the dispatchers of its zone (again each week while
it stays overdue). A visit cancels the pending rows and adds the next ones, so nothing is said
of a household visited meanwhile."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.complaints.dispatch import dispatchers_for
from bot.runtime import notices
from bot.runtime.services import Services
from bot.visits import rules
from bot.visits.service import anchor_of
from storage import geo, people
from storage import visits as store

AGAIN = timedelta(days=7)  # the dispatchers hear again while a household stays overdue


class VisitTimers:
    """A source of due rows for the timer runner."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._lock = asyncio.Lock()

    async def run_due(self) -> int:
        services, done = self.services, 0
        async with self._lock:
            while due := await store.due_timers(services.db, services.clock.now()):
                for timer in due:
                    await self._run(timer)
                    done += 1
        return done

    async def next_due(self) -> datetime | None:
        return await store.next_timer(self.services.db)

    async def _run(self, timer: store.VisitTimer) -> None:
        services, now = self.services, self.services.clock.now()
        db, tz = services.db, services.settings.tz
        h = await store.household(db, timer.household_id)
        async with db.transaction() as conn:
            if not await store.finish_timer(conn, timer.id, now) or h is None:
                return
            if h.status != "active":
                return
            anchor = anchor_of(h)
            late = rules.days_overdue(anchor, h.cadence_days, tz, now)
            if timer.kind != "due" and not late:
                return
            grid = await geo.grid(db, h.grid_id)
            workers = await notices.reachable(services, await people.staff_of_grid(db, h.grid_id))
            context = {
                "household": h.id,
                "name": h.name,
                "address": h.address,
                "kind": h.kind,
                "cadence": h.cadence_days,
                "last": anchor.isoformat() if h.last_visit_at else None,
                "due_day": rules.due_day(anchor, h.cadence_days, tz).isoformat(),
                "late": late,
                "grid": grid.full_name if grid else "",
            }
            if timer.kind in ("due", "overdue"):
                await notices.send(
                    conn,
                    services,
                    workers,
                    template=f"visits.{timer.kind}",
                    key=f"vt:{timer.id}",
                    now=now,
                    context=context,
                )
                return
            ruling = await dispatchers_for(services, grid.zone_id if grid else None)
            ruling = [d for d in ruling if d not in workers]
            await notices.send(
                conn,
                services,
                ruling,
                template="visits.escalated",
                key=f"vt:{timer.id}",
                now=now,
                context={**context, "workers": [await _name(services, w) for w in workers]},
            )
            await store.add_timer(conn, "escalate", h.id, timer.due_at + AGAIN, now)


async def _name(services: Services, user_id: int) -> str:
    return await people.granted_name(services.db, user_id) or str(user_id)
