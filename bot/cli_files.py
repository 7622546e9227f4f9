"""The commands that read a file into the database, all or nothing (`minhu import`,
`import-grids`, `import-services`), and the runner every command's database work goes through."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.core.clock import SystemClock
from bot.core.config import Settings
from storage.csv_import import ImportError_, import_csv
from storage.db import Database


def with_db(settings: Settings, work: Callable[[Database], Awaitable[int]]) -> int:
    async def runner() -> int:
        async with Database(settings.database) as db:
            return await work(db)

    return asyncio.run(runner())


def _import_file(
    args: argparse.Namespace,
    settings: Settings,
    load: Callable[[Database, Path, datetime], Awaitable[Any]],
    done: Callable[[Any], str],
    where: Callable[[int], str] = lambda number: f"{number}:",
) -> int:
    """Import a file all or nothing: each problem on its own line (`where` says where), or
    `done(result)`."""

    async def work(db: Database) -> int:
        try:
            result = await load(db, Path(args.file), SystemClock().now())
        except ImportError_ as exc:
            for number, message in exc.problems:
                print(f"{args.file}:{where(number)} {message}", file=sys.stderr)
            print("nothing was imported", file=sys.stderr)
            return 1
        print(done(result))
        return 0

    if not Path(args.file).is_file():
        print(f"no such file: {args.file}", file=sys.stderr)
        return 1
    return with_db(settings, work)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    """Import zones, communities, grids, departments and staff from CSV."""
    return _import_file(
        args,
        settings,
        import_csv,
        lambda result: (
            "imported: " + ", ".join(f"{v} {k}" for k, v in sorted(result.counts.items()))
        ),
    )


def cmd_import_grids(args: argparse.Namespace, settings: Settings) -> int:
    """Import grid boundaries and place names from GeoJSON (属地 routing)."""
    from bot.places.service import import_file

    return _import_file(
        args,
        settings,
        import_file,
        lambda count: f"imported boundaries and place names of {count} grids",
        lambda number: f" feature {number}:" if number else " file:",
    )


def cmd_import_services(args: argparse.Namespace, settings: Settings) -> int:
    """Import service points (15分钟服务圈) from CSV or GeoJSON."""
    from bot.services.importer import import_file

    return _import_file(
        args, settings, import_file, lambda count: f"imported {count} service points"
    )
