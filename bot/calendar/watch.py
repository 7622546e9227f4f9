"""Keeps the running bot's working-day calendar true: it reloads the imported notices (an
admin may import one with `minhu calendar import` while the bot runs), and warns the admins,
once per year, 60 days before a year for which no official data exists."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from bot.runtime import jobs, notices
from bot.runtime.jobs import AnyApp
from bot.runtime.services import Services
from storage import calendar

log = logging.getLogger(__name__)

JOB = "CALENDAR watch"
WARN_AHEAD = timedelta(days=60)


def years_to_check(now: datetime, services: Services) -> list[int]:
    """This year, and the next one from 60 days before it begins."""
    today = now.astimezone(services.settings.tz).date()
    return sorted({today.year, (today + WARN_AHEAD).year})


def missing_years(services: Services, now: datetime) -> list[int]:
    """The years ahead for which deadlines are counted on an estimate, not an official notice."""
    return [y for y in years_to_check(now, services) if not services.calendar.is_official(y)]


class CalendarWatch:
    """Reload the imported days; warn once per year that lacks official data."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._logged: set[int] = set()
        self._lock = asyncio.Lock()

    async def run(self) -> list[int]:
        """One pass; returns the years the admins were warned about just now."""
        services = self.services
        async with self._lock:
            services.calendar.use_imported(await calendar.load(services.db))
            now = services.clock.now()
            warned = []
            for year in missing_years(services, now):
                if year not in self._logged:
                    self._logged.add(year)
                    log.warning(
                        "no official holiday data for %d: deadlines count on the holidays "
                        "package's estimate; import the State Council notice with "
                        "`minhu calendar import FILE`",
                        year,
                    )
                if await self._warn_admins(year, now):
                    warned.append(year)
        if warned:
            services.delivery.kick_soon()
        return warned

    async def _warn_admins(self, year: int, now: datetime) -> bool:
        services = self.services
        if await calendar.was_warned(services.db, year):
            return False
        admins = await notices.all_admins(services)
        if not admins:
            return False  # warned as soon as an admin has opened the bot
        async with services.db.transaction() as conn:
            if not await calendar.mark_warned(conn, year, now):
                return False
            await notices.send(
                conn,
                services,
                admins,
                template="notices.calendar_missing",
                key=f"calendar.missing:{year}",
                now=now,
                context={"year": year},
            )
        return True

    async def _job(self, context: object) -> None:
        await self.run()

    async def start(self, application: AnyApp, every: float) -> None:
        """Run once now (the imported days are in place before any update; the start-up log
        line), then on every sweep."""
        await self.run()
        jobs.start_sweep(application, self._job, JOB, every)
