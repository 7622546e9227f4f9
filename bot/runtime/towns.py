"""`minhu run` with several towns (MINHU_TOWNS): every town's application in one process, each
polling with its own bot token, on its own data (a SQLite file each, or a schema each). What
python-telegram-bot's `run_polling` does for one application, done here for all of them."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from telegram import Update

from bot.runtime.jobs import pause_jobs

log = logging.getLogger(__name__)

App = Any  # the Application (bot.app.MinhuApp)


async def poll_all(apps: list[App], stop: asyncio.Event | None = None) -> None:
    """Start every town's application (initialise, its post_init, polling, start); run until
    SIGINT/SIGTERM (or `stop`); then stop them all, the last started first."""
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    begun: list[App] = []
    try:
        for app in apps:
            begun.append(app)
            await app.initialize()
            if app.post_init is not None:
                await app.post_init(app)
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            await app.start()
        log.info("%d towns polling", len(apps))
        await stop.wait()
    finally:
        for app in reversed(begun):
            await _stop(app)


async def _stop(app: App) -> None:
    try:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            pause_jobs(app)
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
    except Exception:  # the other towns still stop
        log.exception("stopping a town's bot failed")
