"""The cluster's commands: `minhu receive` (the webhook receiver) and `minhu worker`
(PostgreSQL only; `minhu run` stays the one-process bot on either database)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from typing import Any
from urllib.parse import urlparse

from bot.core.clock import SystemClock
from bot.core.config import ConfigError, Settings
from storage.db import Database, is_postgres

log = logging.getLogger("minhu")


def _require_postgres(settings: Settings, command: str) -> None:
    if not is_postgres(settings.database):
        raise ConfigError(
            f"`minhu {command}` needs PostgreSQL (MINHU_DATABASE=postgresql://…); "
            f"{settings.database} is a SQLite file: run `minhu run` (one process) instead"
        )


def cmd_receive(args: argparse.Namespace, settings: Settings) -> int:
    """Receive webhook updates and store each before acknowledging it."""
    import tornado.httpserver

    from bot.runtime import receiver

    _require_postgres(settings, "receive")
    if not settings.webhook_url or not settings.webhook_secret:
        raise ConfigError("`minhu receive` needs MINHU_WEBHOOK_URL and MINHU_WEBHOOK_SECRET")

    async def serve() -> int:
        async with Database(settings.database) as db:
            path = urlparse(settings.webhook_url).path
            app = receiver.application(db, SystemClock(), path, settings.webhook_secret)
            server = tornado.httpserver.HTTPServer(app)
            server.listen(settings.webhook_port, settings.webhook_listen)
            await receiver.register(
                settings.token, settings.api_url, settings.webhook_url, settings.webhook_secret
            )
            log.info("receiver listening on %s:%d", settings.webhook_listen, settings.webhook_port)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
            server.stop()
            await server.close_all_connections()
        return 0

    return asyncio.run(serve())


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Handle stored updates beside other workers; one of them leads."""
    from bot.app import build_application, start_background
    from bot.runtime.cluster import serve

    _require_postgres(settings, "worker")
    app = build_application(settings)
    return asyncio.run(serve(app, start_background))


def cluster_commands(sub: Any) -> None:
    """Add `receive` and `worker` to the command line's subcommands."""
    receive = sub.add_parser(
        "receive", help="store webhook updates for the workers (PostgreSQL, several workers)"
    )
    receive.set_defaults(func=cmd_receive, token=True)
    worker = sub.add_parser("worker", help="handle stored updates beside other workers")
    worker.set_defaults(func=cmd_worker, token=True)
