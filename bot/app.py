"""One place wires the application: storage, services, handlers (in order), jobs."""

from __future__ import annotations

import logging
import warnings
from types import ModuleType
from typing import Any, cast

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.assignments.service import AssignmentTimers
from bot.bulletins.publish import BulletinSchedule
from bot.calendar.watch import CalendarWatch
from bot.calendar.workdays import WorkCalendar
from bot.complaints.reach import log_at_start as warn_unreachable
from bot.core.clock import Clock, OffsetClock, SystemClock
from bot.core.config import Settings
from bot.core.render import Renderer
from bot.core.towns import District
from bot.dashboard.server import Screen
from bot.district.books import BOOKS_KEY, TownBooks, books_of, runs_here
from bot.district.publish import DistrictSchedule
from bot.escalation.digest import DailyDigest
from bot.mediation.deadlines import MediationDeadlines
from bot.runtime.broadcasting import BroadcastProgress
from bot.runtime.delivery import Delivery
from bot.runtime.errors import note_start, on_error
from bot.runtime.http import BotApiRequest
from bot.runtime.menus import set_default_menus
from bot.runtime.persistence import SQLitePersistence
from bot.runtime.processor import PerChatUpdateProcessor
from bot.runtime.ratelimit import FloodGate
from bot.runtime.services import SERVICES_KEY, MinhuContext, Services, services_of
from bot.runtime.timers import TimerRunner
from bot.visits.timers import VisitTimers
from handlers import (
    assignments,
    broadcasts,
    bulletins,
    chat,
    complaints,
    dashboard,
    dispatch,
    emergency,
    mediation,
    meetings,
    nearby,
    patrols,
    people,
    points,
    proxy,
    reception,
    supervision,
    visits,
)
from handlers import district as district_view
from handlers import services as service_circle
from handlers.kit.common import settle
from storage.db import Database

log = logging.getLogger(__name__)

DELIVERY_SWEEP_SECONDS = 5.0
# The handlers packages, in the order their handlers are added (group 0): each capability's
# conversations, commands and buttons, then /help and /cancel (chat).
CAPABILITIES: tuple[ModuleType, ...] = (
    people,
    broadcasts,
    nearby,
    complaints,
    proxy,
    mediation,
    dispatch,
    dashboard,
    meetings,
    assignments,
    supervision,
    reception,
    patrols,
    points,
    visits,
    bulletins,
    district_view,
    service_circle,
    chat,
)
# Packages whose handlers run ahead of the chat guard, each in a group of its own that never
# stops an update (emergency numbers first).
EARLY_CAPABILITIES: tuple[ModuleType, ...] = (emergency,)
# Connections to the Bot API (bot/runtime/http.py): replies of different chats and the
# outbox's sends (16 at a time) share 16.
SCREEN_KEY = "minhu.screen"  # the command centre's screen (bot/dashboard), when switched on
CONNECTIONS = 16
START_GROUP = -3  # first: where the update's writes start counting (bot/runtime/commits.py)
EMERGENCY_GROUP = -2  # before the chat guard (-1)
SETTLE_GROUP = 100  # after every other handler group
POOL_TIMEOUT = 20.0  # seconds a request may wait for a free connection under a burst
MinhuApp = Application[Any, MinhuContext, Any, Any, Any, Any]


async def _post_init(app: MinhuApp) -> None:
    await services_of(app).db.open()
    await start_background(app)


async def start_background(app: MinhuApp) -> None:
    """What runs once per deployment: the outbox's delivery, timers, broadcasts' progress,
    scheduled bulletins, the calendar's watch (in a cluster, on the leader only)."""
    services = services_of(app)
    recovered = await services.delivery.recover()
    if recovered:
        log.info("%d notices were in flight at the last stop; they will be sent", recovered)
    await set_default_menus(app)
    services.delivery.start(app, DELIVERY_SWEEP_SECONDS)
    assert services.timers is not None
    services.timers.start(app, services.settings.timer_sweep)
    assert services.progress is not None
    services.progress.start(app)
    await BulletinSchedule(services).start(app, services.settings.timer_sweep)
    await CalendarWatch(services).start(app, services.settings.timer_sweep)
    books = books_of(app.bot_data)
    if books is not None:  # the district bulletin: the publisher town's bot only
        await DistrictSchedule(books, services).start(app, services.settings.timer_sweep)
    await warn_unreachable(services)
    if services.settings.web_port is not None:
        screen = Screen(services.db, services.settings, services.renderer, services.clock)
        try:
            port = await screen.start()
        except OSError as exc:  # the bot runs on without its screen
            log.error("the command centre's screen cannot listen: %s", exc)
        else:
            app.bot_data[SCREEN_KEY] = screen
            log.info("the command centre's screen listens on port %d", port)


async def _post_shutdown(app: MinhuApp) -> None:
    screen = app.bot_data.pop(SCREEN_KEY, None)
    if isinstance(screen, Screen):
        await screen.stop()
    books = books_of(app.bot_data)
    if books is not None:
        await books.close()
    await services_of(app).db.close()


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    raise_errors: bool = False,
    rate_limit: bool = True,
    district: District | None = None,
) -> MinhuApp:
    """Build the bot: every handler registered here, in an order that matters."""
    db = Database(settings.database)
    renderer = Renderer(settings.tz)
    if clock is None:
        clock = (
            OffsetClock(settings.clock_offset_file)
            if settings.clock_offset_file
            else (SystemClock())
        )
    services = Services(
        settings=settings,
        db=db,
        renderer=renderer,
        clock=clock,
        delivery=Delivery(db, renderer, clock),
        calendar=WorkCalendar(settings.tz),
        raise_errors=raise_errors,
        district=district,
    )
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        .context_types(ContextTypes(context=MinhuContext))
        .persistence(SQLitePersistence(db, update_interval=settings.persistence_interval))
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if rate_limit and settings.rate_limit:
        builder = builder.rate_limiter(cast(Any, FloodGate()))
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        calls = BotApiRequest(CONNECTIONS, pool_timeout=POOL_TIMEOUT)
        builder = builder.request(calls).get_updates_request(BotApiRequest(1))
    app: MinhuApp = builder.build()
    app.bot_data[SERVICES_KEY] = services
    if district is not None:  # the other towns' databases, opened when first read
        app.bot_data[BOOKS_KEY] = TownBooks(district, settings.town, db)
        runs_here(str(settings.database), services)
    services.timers = TimerRunner(services)
    services.timers.sources.append(AssignmentTimers(services))
    services.timers.sources.append(DailyDigest(services))
    services.timers.sources.append(MediationDeadlines(services))
    services.timers.sources.append(VisitTimers(services))
    services.progress = BroadcastProgress(services)

    # Group -3 first, for every update: its start noted, so an error after a write it committed
    # is never called a failure (bot/runtime/errors.py).
    app.add_handler(TypeHandler(Update, note_start), group=START_GROUP)
    # Group -2 next: a message naming danger gets the emergency numbers first, and goes on
    # (handlers/emergency; it never stops an update, edits and groups included).
    app.add_handlers(emergency.handlers(), group=EMERGENCY_GROUP)
    # Group -1 next: private chats only, edits unread, blocks recorded (handlers/chat/guard.py).
    app.add_handlers(chat.guard_handlers(), group=-1)
    # Conversations track button presses per chat, not per message; that is intended.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        # Group 0, order matters: each capability's conversations, commands and buttons, then
        # /help and /cancel (chat), then the answers of last resort for whatever nobody took:
        # a question about a service is a service search (services), any other message is
        # offered to be filed as a problem (complaints), the rest answered (chat).
        for package in CAPABILITIES:
            app.add_handlers(package.handlers(), group=0)
    app.add_handlers(service_circle.last_resort(), group=0)
    app.add_handlers(complaints.last_resort(), group=0)
    app.add_handlers(chat.last_resort(), group=0)
    # The last group, for every update: a choice still waiting to be shown in the pressed
    # message is shown there (handlers/kit/common.py, `shown_above`).
    app.add_handler(TypeHandler(Update, settle), group=SETTLE_GROUP)
    app.add_error_handler(on_error)
    return app
