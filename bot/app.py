"""One place wires the application: storage, services, handlers (in order), jobs."""

from __future__ import annotations

import logging
import warnings
from typing import Any, cast

from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.assignments import AssignmentTimers
from bot.broadcasts import BroadcastProgress
from bot.bulletin_publish import BulletinSchedule
from bot.calendar_watch import CalendarWatch
from bot.clock import Clock, OffsetClock, SystemClock
from bot.config import Settings
from bot.delivery import Delivery
from bot.errors import on_error
from bot.menus import set_default_menus
from bot.persistence import SQLitePersistence
from bot.processor import PerChatUpdateProcessor
from bot.ratelimit import FloodGate
from bot.reach import log_at_start as warn_unreachable
from bot.render import Renderer
from bot.services import SERVICES_KEY, MinhuContext, Services, services_of
from bot.timers import TimerRunner
from bot.workdays import WorkCalendar
from handlers import (
    admin,
    assign_admin,
    assignment_lists,
    assignments,
    broadcast,
    broadcast_list,
    bulletin,
    chat_guard,
    feedback,
    help,
    inbox,
    meetings,
    meetings_admin,
    meetings_manage,
    meetings_result,
    my,
    onboarding,
    patrol,
    privacy,
    reception,
    reception_outcomes,
    reception_rep,
    report,
    staff_actions,
    supervision,
)
from handlers import settings as settings_menu
from storage.db import Database

log = logging.getLogger(__name__)

DELIVERY_SWEEP_SECONDS = 5.0
MinhuApp = Application[Any, MinhuContext, Any, Any, Any, Any]


async def _post_init(app: MinhuApp) -> None:
    services = services_of(app)
    await services.db.open()
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
    await warn_unreachable(services)


async def _post_shutdown(app: MinhuApp) -> None:
    await services_of(app).db.close()


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    raise_errors: bool = False,
    rate_limit: bool = True,
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
    app: MinhuApp = builder.build()
    app.bot_data[SERVICES_KEY] = services
    services.timers = TimerRunner(services)
    services.timers.sources.append(AssignmentTimers(services))
    services.progress = BroadcastProgress(services)

    # Group -1 first: private chats only, edits unread, blocks recorded (handlers/chat_guard).
    app.add_handlers(chat_guard.handlers(), group=-1)
    # Conversations track button presses per chat, not per message; that is intended.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        # Group 0, order matters: conversations first, then single commands and buttons,
        # then the answers of last resort for whatever nobody took.
        conversations = (
            onboarding,
            report,
            settings_menu,
            broadcast,
            staff_actions,
            feedback,
            meetings_admin,
            meetings_manage,
            meetings_result,
            meetings,
            assign_admin,
            assignments,
            supervision,
            reception,
            reception_rep,
            reception_outcomes,
            patrol,
        )
        features = (my, privacy, admin, broadcast_list, bulletin, inbox, assignment_lists, help)
        for module in (*conversations, *features):
            app.add_handlers(module.handlers(), group=0)
    app.add_handlers(help.last_resort(), group=0)
    app.add_error_handler(on_error)
    return app
