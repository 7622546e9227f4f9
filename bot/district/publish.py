"""Publishing the district bulletin to the district's channel, by hand (/district) or monthly.

The bulletin is rows first: its messages go into the outbox of the publisher town's database
(storage/district.py), in one transaction, and that town's delivery sends them through its
bot. Their dedupe keys name the period, so a period goes out once — a double press, a press in
another town's bot and the schedule all meet the same rows.

The schedule (the 2nd of the month, 09:00 in the publisher town's time zone: after the towns'
own bulletins of the 1st) runs only in the publisher town's application, as a sweep that
derives the due moment from the clock and the rows: a moment missed while the bot was down is
published when it comes back; moments before the schedule first ran (recorded once, a
counters row) are not back-filled.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time

from bot.core.periods import Period, containing, last_complete
from bot.core.refusals import NotAllowed, Stale
from bot.district.books import TownBooks, running_here
from bot.district.figures import district_report, rules_of
from bot.district.render import DistrictText
from bot.district.rules import DistrictReport
from bot.runtime import jobs
from bot.runtime.jobs import AnyApp
from bot.runtime.services import Services
from storage import bulletins, cluster, district
from storage.db import Database, is_postgres

log = logging.getLogger(__name__)

SWEEP_JOB = "DISTRICT schedule"
SINCE_KEY = "district:schedule_since"  # counters row (publisher's database): first run, epoch s
MONTHLY = (2, time(9, 0))  # day of the month, local time: the towns publish theirs on the 1st


class NoChannel(NotAllowed):
    """The towns file names no channel for the district bulletin."""

    template = "district.no_channel"


class AlreadyPublished(Stale):
    """The period's district bulletin is already in the district's channel (or on its way)."""

    template = "district.already"


class StalePreview(Stale):
    """Publish pressed for another period than this admin's latest preview (a double tap, an
    old message)."""

    template = "district.stale"


async def report(books: TownBooks, services: Services, period: Period) -> DistrictReport:
    """The period counted now, every town from its own records."""
    return await district_report(books, period, services.clock.now())


@dataclass(frozen=True)
class Outcome:
    period: Period
    messages: int  # to the district's channel


async def publish(
    books: TownBooks,
    services: Services,
    period: Period,
    *,
    trigger: str,
) -> Outcome | None:
    """Put the period's district bulletin in the publisher town's outbox. A period already
    published: None on schedule, AlreadyPublished by hand."""
    channel = books.district.channel
    if channel is None:
        raise NoChannel("no_channel")
    found = await report(books, services, period)
    _, _, language = rules_of(books.district)
    parts = DistrictText(services.renderer, found, language).messages()
    publisher = books.district.publisher
    db = await books.db(publisher)
    now = services.clock.now()
    async with db.transaction() as conn:
        made = await district.enqueue_parts(conn, channel, period.key, parts, now)
    if not made:
        if trigger == "schedule":
            return None
        raise AlreadyPublished("already", when=await district.published_at(db, period.key))
    if publisher == services.settings.town:
        services.delivery.kick_soon()
    else:
        await wake_publisher(books, db)
    log.info(
        "district bulletin %s (%s) published: %d messages, sent by town %s",
        period.key,
        trigger,
        len(parts),
        publisher,
    )
    return Outcome(period, len(parts))


async def wake_publisher(books: TownBooks, db: Database) -> None:
    """After rows were committed into the publisher town's outbox from another town's bot:
    kick its delivery if its application runs in this process, and on PostgreSQL NOTIFY its
    outbox channel (its leader, in whichever process, listens there)."""
    address = str(books.district.town(books.district.publisher).settings.database)
    local = running_here(address)
    if local is not None:
        local.delivery.kick_soon()
    if is_postgres(db.path):
        await cluster.notify(db, cluster.OUTBOX)


def latest_moment(now: datetime, services: Services) -> tuple[datetime, Period]:
    """The schedule's latest moment at or before `now`, and the month published then."""
    tz = services.settings.tz
    local = now.astimezone(tz)
    day, at = MONTHLY
    moment = datetime.combine(local.date().replace(day=day), at, tzinfo=tz)
    if moment > local:
        previous = containing("month", local.date()).previous().start
        moment = datetime.combine(previous.replace(day=day), at, tzinfo=tz)
    return moment, last_complete("month", moment, tz)


class DistrictSchedule:
    """Publishes the monthly district bulletin when due; run by a sweep job in the publisher
    town's application."""

    def __init__(self, books: TownBooks, services: Services) -> None:
        self.books, self.services = books, services
        self._running = asyncio.Lock()
        self._since: datetime | None = None

    @property
    def applies(self) -> bool:
        """Only the publisher town's bot publishes, and only to a channel."""
        district = self.books.district
        return district.channel is not None and self.services.settings.town == district.publisher

    async def since(self) -> datetime:
        """When the schedule first ran on the publisher's database (recorded once)."""
        if self._since is None:
            now = int(self.services.clock.now().timestamp())
            value = await bulletins.first_value(self.services.db, SINCE_KEY, now)
            self._since = datetime.fromtimestamp(value, tz=UTC)
        return self._since

    async def run_due(self) -> list[Outcome]:
        """Publish the due month unless it went out already; what was published."""
        if not self.applies or self._running.locked():
            return []
        async with self._running:
            moment, period = latest_moment(self.services.clock.now(), self.services)
            if moment < await self.since():
                return []
            if await district.published_at(self.services.db, period.key) is not None:
                return []  # out already: nothing to count
            outcome = await publish(self.books, self.services, period, trigger="schedule")
            return [] if outcome is None else [outcome]

    async def _job(self, context: object) -> None:
        await self.run_due()

    async def start(self, application: AnyApp, every: float) -> None:
        """Record the first run (at start-up), then sweep every `every` seconds."""
        if not self.applies:
            return
        await self.since()
        jobs.start_sweep(application, self._job, SWEEP_JOB, every)


def choices(services: Services) -> tuple[Period, Period]:
    """The periods /district offers: last month and last week (complete ones only)."""
    now, tz = services.clock.now(), services.settings.tz
    return last_complete("month", now, tz), last_complete("week", now, tz)


def complete(services: Services, period: Period) -> bool:
    """Whether a period named by a button has ended (only whole periods are published)."""
    today = services.clock.now().astimezone(services.settings.tz).date()
    return period.end <= today and period.start.year >= 2000
