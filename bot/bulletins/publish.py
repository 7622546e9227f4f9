"""Publishing bulletins: on demand (/bulletin) and on a schedule, through the outbox.

Publishing is one transaction: the bulletin row, the figures it publishes (snapshot.py: the
period's exports print them from then on), its rendered parts, and an outbox row per
message — to the configured channel or group (chart first, when there is one) and the zone's
part to every resident following a zone. The delivery engine sends them at Telegram's pace.
Publishing a published period again is a correction (更正, corrections.py): the note of what
changed goes first, and a zone's followers hear of it only if it touches their zone.

The schedule (default: Mondays 09:00 for last week, the 1st 09:00 for last month, local time)
is checked by a sweep on the JobQueue. A scheduled bulletin is unique per period in the
database, so it goes out once even when the bot restarts, runs late, or two sweeps race; a
moment missed while the bot was down is published when it comes back. Moments before the
schedule first ran (a fresh install) are not back-filled.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.bulletins import corrections, snapshot
from bot.bulletins.corrections import Difference
from bot.bulletins.render import BulletinText
from bot.bulletins.report import BulletinConfig, Report, build_report
from bot.core.periods import Period, containing, last_complete
from bot.core.refusals import NotFound, Stale
from bot.core.render import LANGUAGES
from bot.runtime import jobs
from bot.runtime.jobs import AnyApp
from bot.runtime.services import Services
from storage import bulletins, outbox

log = logging.getLogger(__name__)

SWEEP_JOB = "BULLETIN schedule"
SINCE_KEY = "bulletins:schedule_since"  # counters row: when the schedule first ran (epoch s)


class NoSuchPeriod(NotFound):
    """A button naming no period, or one that has not begun (old or forged)."""

    template = "common.invalid_button"


class StalePreview(Stale):
    """Publish pressed for another period than the preview this admin last opened: a double
    tap or an old message publishes nothing."""

    template = "bulletin_admin.stale"


class FiguresMoved(Stale):
    """A correction whose figures changed after the admin saw its differences: they must see
    the new ones first."""

    template = "bulletin_admin.moved"


class NothingToCorrect(Stale):
    """Publishing again a period whose recount prints exactly what was published."""

    template = "bulletin_admin.unchanged_refusal"


def config_of(services: Services) -> BulletinConfig:
    s = services.settings
    return BulletinConfig(tz=s.tz, weights=s.bulletin_weights, min_cases=s.bulletin_min_cases)


async def live_report(services: Services, period: Period) -> Report:
    """The period counted now, from the records as they are."""
    return await build_report(services.db, period, services.clock.now(), config_of(services))


@dataclass(frozen=True)
class Published:
    """A period's latest published bulletin and the figures it published (None: it went out
    before bulletins kept their figures)."""

    bulletin: bulletins.Bulletin
    report: Report | None


async def published_report(services: Services, period: Period) -> Published | None:
    found = await bulletins.latest(services.db, period)
    if found is None:
        return None
    bulletin, figures = found
    return Published(bulletin, None if figures is None else snapshot.load(figures))


async def report_for(services: Services, period: Period) -> Report:
    """The period's figures as published — frozen, whatever changed since — or, for a period
    never published (or published before figures were kept), counted now."""
    published = await published_report(services, period)
    if published is not None and published.report is not None:
        return published.report
    return await live_report(services, period)


@dataclass(frozen=True)
class Correction:
    """A published period counted again: what the correction would state."""

    published: Published
    recount: Report
    found: list[Difference] | None  # None: the published bulletin kept no figures

    @property
    def fingerprint(self) -> str:
        return snapshot.fingerprint(self.recount)

    @property
    def unchanged(self) -> bool:
        return self.found == []


async def correction_for(services: Services, period: Period, language: str) -> Correction | None:
    """What publishing `period` again would correct, in `language`; None if never published."""
    published = await published_report(services, period)
    if published is None:
        return None
    return _correction(services, published, await live_report(services, period), language)


def _correction(
    services: Services, published: Published, recount: Report, language: str
) -> Correction:
    found = (
        None
        if published.report is None
        else corrections.differences(services.renderer, published.report, recount, language)
    )
    return Correction(published, recount, found)


def correction_note(services: Services, correction: Correction, language: str) -> list[str]:
    return corrections.note(
        services.renderer,
        correction.recount,
        language,
        correction.found,
        correction.published.bulletin.created_at,
    )


@dataclass(frozen=True)
class Outcome:
    bulletin_id: int
    chat_messages: int  # to the channel or group (the chart counts as one)
    followers: int  # residents who get their zone's part
    corrected: int | None = None  # a correction: the rows it states changed (None: unknown)
    correction: bool = False


async def publish(
    services: Services,
    period: Period,
    *,
    trigger: str,
    created_by: int | None = None,
    expected: str | None = None,
) -> Outcome | None:
    """Publish the bulletin of `period` (counted now) with its figures; None for a scheduled
    one whose period already went out. Publishing a published period by hand is a correction
    (更正): it states what changed, and its figures replace the published ones. `expected`,
    the fingerprint of the recount the admin saw, refuses a correction whose figures moved
    since (FiguresMoved); one that changes nothing is refused (NothingToCorrect)."""
    settings, db = services.settings, services.db
    if trigger == "schedule" and await bulletins.published(db, period):
        return None  # already out (on schedule, or by an admin with /bulletin)
    earlier = None if trigger == "schedule" else await published_report(services, period)
    report = await live_report(services, period)
    fixes: dict[str, Correction] = {}
    if earlier is not None:
        if expected is not None and snapshot.fingerprint(report) != expected:
            raise FiguresMoved("moved")
        fixes = {lang: _correction(services, earlier, report, lang) for lang in LANGUAGES}
        if fixes[settings.bulletin_language].unchanged:
            raise NothingToCorrect("unchanged")
    correcting = bool(fixes)
    now = services.clock.now()
    chat_id = settings.bulletin_chat_id
    language = settings.bulletin_language
    channel = BulletinText(services.renderer, report, language, correction=correcting)
    note = correction_note(services, fixes[language], language) if correcting else []
    parts = channel.messages() if chat_id is not None else []
    chart = await asyncio.to_thread(channel.chart) if chat_id is not None else None
    zone_parts = {
        (zone.key, lang): _zone_parts(services, report, lang, zone.key, fixes.get(lang))
        for zone in report.zones
        for lang in LANGUAGES
    }
    async with db.transaction() as conn:
        bulletin_id = await bulletins.create(
            conn,
            period,
            trigger=trigger,
            chat_id=chat_id,
            language=language,
            chart=chart,
            created_by=created_by,
            now=now,
        )
        if bulletin_id is None:
            return None
        await bulletins.add_figures(conn, bulletin_id, snapshot.dump(report))
        sent = 0
        if chat_id is not None:
            pieces = [(text, False) for text in note]
            pieces += [(channel.caption(), True)] if chart else []
            pieces += [(text, False) for text in parts]
            for position, (text, with_chart) in enumerate(pieces):
                part_id = await bulletins.add_part(
                    conn, bulletin_id, "chat", language, position, text
                )
                context: dict[str, object] = {"bulletin_part": part_id}
                if with_chart:
                    context["chart"] = bulletin_id
                await outbox.enqueue(
                    conn,
                    chat_id=chat_id,
                    kind="bulletin",
                    template="bulletin.part",
                    context=context,
                    due_at=now,
                    dedupe_key=f"bulletin:{bulletin_id}:chat:{position}",
                    now=now,
                )
                sent += 1
        stored: dict[tuple[str, str], list[int]] = {}
        items: list[tuple[int, dict[str, Any], str]] = []
        reached: set[int] = set()
        for follower in await bulletins.followers(conn):
            lang = follower.language if follower.language in LANGUAGES else "zh-CN"
            key = (follower.zone_code, lang)
            if not zone_parts.get(key):
                continue  # no such zone now, or a correction that does not touch it
            if key not in stored:
                stored[key] = [
                    await bulletins.add_part(
                        conn, bulletin_id, f"zone:{key[0]}", key[1], position, text
                    )
                    for position, text in enumerate(zone_parts[key])
                ]
            reached.add(follower.person_id)
            items += [
                (
                    follower.person_id,
                    {"bulletin_part": part_id},
                    f"bulletin:{bulletin_id}:{follower.person_id}:{follower.zone_code}:{position}",
                )
                for position, part_id in enumerate(stored[key])
            ]
        await outbox.enqueue_many(
            conn,
            items,
            kind="bulletin",
            template="bulletin.part",
            due_at=now,
            now=now,
            expires_at=now + timedelta(days=7),
        )
        await bulletins.set_messages(conn, bulletin_id, sent)
    services.delivery.kick_soon()
    found = fixes[language].found if correcting else []
    log.info(
        "bulletin %s (%s, %s%s) published: %d messages to the channel, %d followers",
        bulletin_id,
        period.key,
        trigger,
        ", a correction" if correcting else "",
        sent,
        len(reached),
    )
    return Outcome(
        bulletin_id,
        sent,
        len(reached),
        corrected=None if found is None else len(found),
        correction=correcting,
    )


def _zone_parts(
    services: Services, report: Report, language: str, zone: str, fix: Correction | None
) -> list[str]:
    """A zone's part for its followers; a correction's is its note for that zone first, and
    nothing at all when it changes none of the zone's rows."""
    text = BulletinText(services.renderer, report, language, correction=fix is not None)
    if fix is None:
        return text.zone_messages(zone)
    if fix.found is not None and not any(d.zone == zone for d in fix.found):
        return []
    note = corrections.note(
        services.renderer,
        report,
        language,
        fix.found,
        fix.published.bulletin.created_at,
        zone=zone,
    )
    return [*note, *text.zone_messages(zone)]


# The schedule ---------------------------------------------------------------------------


def latest_moments(services: Services, now: datetime) -> list[tuple[datetime, Period]]:
    """For each schedule that is on: its latest moment at or before `now`, and the period
    published then (the last complete week or month before that moment)."""
    settings, tz = services.settings, services.settings.tz
    local = now.astimezone(tz)
    found: list[tuple[datetime, Period]] = []
    if settings.bulletin_weekly is not None:
        weekday, at = settings.bulletin_weekly
        day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
        moment = datetime.combine(day, at, tzinfo=tz)
        if moment > local:
            moment -= timedelta(days=7)
        found.append((moment, last_complete("week", moment, tz)))
    if settings.bulletin_monthly is not None:
        day_of_month, at = settings.bulletin_monthly
        moment = datetime.combine(local.date().replace(day=day_of_month), at, tzinfo=tz)
        if moment > local:
            previous = containing("month", local.date()).previous().start
            moment = datetime.combine(previous.replace(day=day_of_month), at, tzinfo=tz)
        found.append((moment, last_complete("month", moment, tz)))
    return found


class BulletinSchedule:
    """Publishes the scheduled bulletins that are due; run by a sweep job."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._running = asyncio.Lock()
        self._since: datetime | None = None

    async def since(self) -> datetime:
        """When the schedule first ran on this database (recorded once, read once)."""
        if self._since is not None:
            return self._since
        now = self.services.clock.now()
        value = await bulletins.first_value(self.services.db, SINCE_KEY, int(now.timestamp()))
        self._since = datetime.fromtimestamp(value, tz=UTC)
        return self._since

    async def run_due(self) -> list[Outcome]:
        """Publish every due, unpublished scheduled bulletin; what was published."""
        if self._running.locked():
            return []
        async with self._running:
            since = await self.since()
            done: list[Outcome] = []
            for moment, period in latest_moments(self.services, self.services.clock.now()):
                if moment < since:
                    continue
                outcome = await publish(self.services, period, trigger="schedule")
                if outcome is not None:
                    done.append(outcome)
            return done

    async def _job(self, context: object) -> None:
        await self.run_due()

    async def start(self, application: AnyApp, every: float) -> None:
        """Record when the schedule first ran (at start-up, before any update or job), then
        sweep every `every` seconds."""
        settings = self.services.settings
        if settings.bulletin_weekly is None and settings.bulletin_monthly is None:
            return
        await self.since()
        jobs.start_sweep(application, self._job, SWEEP_JOB, every)
