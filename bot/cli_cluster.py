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
from bot.core.towns import district_of
from storage.db import Database, is_postgres

log = logging.getLogger("minhu")


def _require_postgres(settings: Settings, command: str) -> None:
    if not is_postgres(settings.database):
        raise ConfigError(
            f"`minhu {command}` needs PostgreSQL (MINHU_DATABASE=postgresql://…); "
            f"{settings.database} is a SQLite file: run `minhu run` (one process) instead"
        )


def cmd_receive(args: argparse.Namespace, settings: Settings) -> int:
    """Receive webhook updates and store each before acknowledging it: one town's, or every
    town's of MINHU_TOWNS (`<path>/<key>`, each with its secret, into its database)."""
    import tornado.httpserver

    from bot.runtime import receiver

    _require_postgres(settings, "receive")
    if not settings.webhook_url or not settings.webhook_secret:
        raise ConfigError("`minhu receive` needs MINHU_WEBHOOK_URL and MINHU_WEBHOOK_SECRET")
    district = district_of(settings)
    towns = [t.settings for t in district.towns] if district else [settings]
    for town in towns:
        _require_postgres(town, "receive")

    async def serve() -> int:
        opened: list[Database] = []
        try:
            for town in towns:
                opened.append(await Database(town.database).open())
            path = urlparse(settings.webhook_url).path
            if district is None:
                app = receiver.application(opened[0], SystemClock(), path, settings.webhook_secret)
            else:
                routes = {
                    t.town: (db, t.webhook_secret) for t, db in zip(towns, opened, strict=True)
                }
                app = receiver.district_application(routes, SystemClock(), path)
            server = tornado.httpserver.HTTPServer(app)
            server.listen(settings.webhook_port, settings.webhook_listen)
            for town in towns:
                await receiver.register(
                    town.token, town.api_url, town.webhook_url, town.webhook_secret
                )
            log.info(
                "receiver listening on %s:%d for %d town(s)",
                settings.webhook_listen,
                settings.webhook_port,
                len(towns),
            )
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
            server.stop()
            await server.close_all_connections()
        finally:
            for db in opened:
                await db.close()
        return 0

    return asyncio.run(serve())


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Handle stored updates beside other workers; one of them leads (each town's, with
    MINHU_TOWNS: one application a town in this process)."""
    from bot.app import build_application, start_background
    from bot.runtime.cluster import serve

    district = district_of(settings)
    towns = [t.settings for t in district.towns] if district else [settings]
    for town in towns:
        _require_postgres(town, "worker")
    apps = [build_application(town, district=district) for town in towns]
    return asyncio.run(serve(apps, start_background))


def cluster_commands(sub: Any) -> None:
    """Add `receive` and `worker` to the command line's subcommands."""
    receive = sub.add_parser(
        "receive", help="store webhook updates for the workers (PostgreSQL, several workers)"
    )
    receive.set_defaults(func=cmd_receive, token=True)
    worker = sub.add_parser("worker", help="handle stored updates beside other workers")
    worker.set_defaults(func=cmd_worker, token=True)
