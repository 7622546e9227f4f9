"""The `minhu` command: run the bot, the emulator, the demo, and the data tools."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sqlite3
import sys
from pathlib import Path
from urllib.parse import urlparse

from bot.cli_cluster import cluster_commands
from bot.cli_files import cmd_import, cmd_import_grids, cmd_import_services, with_db
from bot.core.clock import SystemClock
from bot.core.config import ConfigError, Settings, load_settings
from bot.core.logs import setup_logging
from bot.core.towns import district_of, town_settings
from storage import aggregates
from storage.db import Database, StorageError
from storage.models import ROLES, Role
from storage.seed import seed_demo
from storage.sql import redact

log = logging.getLogger("minhu")


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bot against Telegram (or any Bot-API-compatible server)."""
    from telegram import Update

    from bot.app import build_application

    district = district_of(settings)
    if district is not None:  # every town in this process, each polling with its own token
        from bot.runtime.towns import poll_all

        if args.webhook:
            raise ConfigError(
                "with MINHU_TOWNS, webhooks go to `minhu receive` and `minhu worker` "
                "(PostgreSQL); `minhu run` polls for every town"
            )
        apps = [build_application(t.settings, district=district) for t in district.towns]
        asyncio.run(poll_all(apps))
        return 0
    app = build_application(settings)
    if args.webhook:
        if not settings.webhook_url or not settings.webhook_secret:
            raise ConfigError("--webhook needs MINHU_WEBHOOK_URL and MINHU_WEBHOOK_SECRET")
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlparse(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Apply pending migrations."""

    async def work(db: Database) -> int:
        version = await db.schema_version()
        print(f"database {redact(settings.database)} is at schema version {version}")
        return 0

    return with_db(settings, work)


def cmd_db_reaggregate(args: argparse.Namespace, settings: Settings) -> int:
    """Rebuild the bulletins' daily pre-aggregates from the raw rows."""

    async def work(db: Database) -> int:
        days = await aggregates.reaggregate(db)
        print(f"bulletin pre-aggregates rebuilt: {days} day rows")
        return 0

    return with_db(settings, work)


def cmd_seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Load the demo town."""

    async def work(db: Database) -> int:
        counts = await seed_demo(db)
        print("demo town 埭溪镇 loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        return 0

    return with_db(settings, work)


def cmd_calendar(args: argparse.Namespace, settings: Settings) -> int:
    """`calendar import FILE` (the State Council's notice) or `calendar show YEAR`."""
    from bot.calendar.cli import import_notice, show_year

    if args.calendar_command == "import":
        if not Path(args.file).is_file():
            print(f"no such file: {args.file}", file=sys.stderr)
            return 1
        return with_db(settings, lambda db: import_notice(db, Path(args.file)))
    return with_db(settings, lambda db: show_year(db, settings.tz, args.year))


def cmd_grant(args: argparse.Namespace, settings: Settings) -> int:
    """Grant a role to a Telegram user id."""
    from bot.people import service

    async def work(db: Database) -> int:
        try:
            added = await service.grant(
                db,
                args.user_id,
                Role(args.role),
                SystemClock().now(),
                grid_code=args.grid,
                department_code=args.department,
                zone_code=args.zone,
                name=args.name or "",
                granted_by="cli",
            )
        except service.UnknownCode as unknown:
            print(
                f"unknown {unknown.values['kind']} code {unknown.values['code']!r}", file=sys.stderr
            )
            return 1
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        print(f"{'granted' if added else 'already held'}: {args.role} to {args.user_id}")
        return 0

    return with_db(settings, work)


def cmd_revoke(args: argparse.Namespace, settings: Settings) -> int:
    """Revoke a role."""
    from bot.people import service

    async def work(db: Database) -> int:
        removed = await service.revoke(db, args.user_id, Role(args.role))
        print(f"revoked {removed} grant(s) of {args.role} from {args.user_id}")
        return 0

    return with_db(settings, work)


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the live database consistently."""

    async def work(db: Database) -> int:
        await db.backup(args.path)
        print(f"backed up {settings.database} to {args.path}")
        return 0

    return with_db(settings, work)


def cmd_db_copy(args: argparse.Namespace, settings: Settings) -> int:
    """Copy every row of one database into another (a SQLite file ⇄ a postgresql:// URL):
    the target given, or the database of the town `--town` names (the configured one without
    MINHU_TOWNS) — with PostgreSQL, that town's schema of the deployment's database."""
    from storage.copy import copy_between

    target = args.target
    if target is None:
        target = town_settings(settings, district_of(settings), args.into_town).database
    elif args.into_town is not None:
        raise ConfigError("give the target or --town, not both")
    print(asyncio.run(copy_between(args.source, target)))
    return 0


def cmd_emulator(args: argparse.Namespace, settings: Settings) -> int:
    """Run the Telegram Bot API emulator and its chat page."""
    from bot.emulator import EmulatorConfig, serve

    print(f"emulator listening on http://{args.host}:{args.port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(EmulatorConfig(host=args.host, port=args.port, flood_control=not args.no_limits))
        )
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Run the offline demo: emulator, demo data, bot, chat page."""
    from bot.demo.run import DEMO_DATABASE, run_demo

    database = Path(args.database) if args.database else DEMO_DATABASE
    asyncio.run(run_demo(args.host, args.port, database, args.web_port))
    return 0


def cmd_bulletin(args: argparse.Namespace, settings: Settings) -> int:
    """A period's bulletin: printed as its messages, or written as XLSX and HTML — for a
    published period, the figures it published (`--live`: counted now)."""
    from bot.bulletins import exports, snapshot
    from bot.bulletins.render import BulletinText
    from bot.bulletins.report import BulletinConfig, build_report
    from bot.core.periods import KINDS, Period, last_complete
    from bot.core.render import Renderer
    from storage import bulletins

    now = SystemClock().now()
    try:
        if args.period in KINDS:
            period = last_complete(args.period, now, settings.tz)
        else:
            period = Period.from_key(args.period)
    except ValueError:
        print(
            f"--period must be week, month, quarter, year (the last complete one) or a start "
            f"like month:2026-10-01, got {args.period!r}",
            file=sys.stderr,
        )
        return 1

    async def work(db: Database) -> int:
        config = BulletinConfig(
            tz=settings.tz, weights=settings.bulletin_weights, min_cases=settings.bulletin_min_cases
        )
        found = None if args.live else await bulletins.latest(db, period)
        if found is not None and found[1] is not None:
            report = snapshot.load(found[1])
            print(
                f"the figures published at {found[0].created_at.isoformat()} (--live: count now)",
                file=sys.stderr,
            )
        else:
            report = await build_report(db, period, now, config)
        text = BulletinText(Renderer(settings.tz), report, args.language)
        if not args.xlsx and not args.html:
            print("\n\n".join(text.messages()))
            return 0
        title, subtitle, tables = text.plain("title"), text.plain("summary"), text.tables()
        files: dict[str, bytes] = {}
        if args.xlsx:
            files[args.xlsx] = exports.xlsx_workbook(title, tables)
        if args.html:
            page = exports.html_page(
                title, subtitle, tables, language=args.language, chart_png=text.chart()
            )
            files[args.html] = page.encode("utf-8")
        for name, data in files.items():
            await asyncio.to_thread(Path(name).write_bytes, data)
            print(f"wrote {name}")
        return 0

    return with_db(settings, work)


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="minhu", description="Minhu (民呼) community governance bot")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (long polling; --webhook for webhook mode)")
    run.add_argument("--webhook", action="store_true")
    run.set_defaults(func=cmd_run, token=True)
    cluster_commands(sub)  # receive, worker (bot/cli_cluster.py)
    emu = sub.add_parser("emulator", help="run the Telegram Bot API emulator and chat page")
    emu.add_argument("--host", default="127.0.0.1")
    emu.add_argument("--port", type=int, default=8080)
    emu.add_argument("--no-limits", action="store_true", help="switch flood control off")
    emu.set_defaults(func=cmd_emulator)
    demo = sub.add_parser("demo", help="run the whole product offline (no token, no network)")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--database", help=f"SQLite file (default {'demo-data/minhu-demo.db'})")
    demo.add_argument(
        "--web-port", type=int, help="the command centre's screen (default: the port + 1)"
    )
    demo.set_defaults(func=cmd_demo)
    db = sub.add_parser("db", help="database tools")
    dbsub = db.add_subparsers(dest="db_command", required=True)
    upgrade = dbsub.add_parser("upgrade", aliases=["migrate"], help="apply migrations")
    upgrade.set_defaults(func=cmd_db_upgrade)
    reaggregate = dbsub.add_parser(
        "reaggregate", help="rebuild the bulletins' pre-aggregates from the raw rows"
    )
    reaggregate.set_defaults(func=cmd_db_reaggregate)
    copy = dbsub.add_parser("copy", help="copy every row into another database (replacing its)")
    copy.add_argument("source", help="SQLite file or postgresql:// URL")
    copy.add_argument(
        "target", nargs="?", help="the same, its rows replaced (default: --town's database)"
    )
    copy.add_argument(
        "--town",
        dest="into_town",
        metavar="KEY",
        help="copy into this town's database (MINHU_TOWNS: its schema or file)",
    )
    copy.set_defaults(func=cmd_db_copy)
    seed = sub.add_parser("seed-demo", help="load the demo town 埭溪镇")
    seed.set_defaults(func=cmd_seed_demo)
    imp = sub.add_parser("import", help="import a town from CSV")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_import)
    grids = sub.add_parser("import-grids", help="import grid boundaries from GeoJSON")
    grids.add_argument("file", help="GeoJSON FeatureCollection: properties.code, places")
    grids.set_defaults(func=cmd_import_grids)
    svc = sub.add_parser("import-services", help="import service points from CSV or GeoJSON")
    svc.add_argument("file", help="CSV (code,name,kind,…) or GeoJSON Points (.geojson/.json)")
    svc.set_defaults(func=cmd_import_services)
    cal = sub.add_parser("calendar", help="the official holiday calendar (working days)")
    calsub = cal.add_subparsers(dest="calendar_command", required=True)
    cal_import = calsub.add_parser("import", help="load the State Council's notice from CSV")
    cal_import.add_argument("file", help="CSV: date, kind (holiday|workday), name")
    cal_show = calsub.add_parser("show", help="a year's holidays and make-up working days")
    cal_show.add_argument("year", type=int)
    cal.set_defaults(func=cmd_calendar)
    grant = sub.add_parser("grant", help="grant a role")
    grant.add_argument("role", choices=ROLES)
    grant.add_argument("user_id", type=int)
    grant.add_argument("--grid", help="grid code (grid_worker)")
    grant.add_argument("--department", help="department code (department)")
    grant.add_argument(
        "--zone", help="zone code (dispatcher or mediator of one zone; none: town-wide)"
    )
    grant.add_argument("--name", help="display name shown to colleagues and in bulletins")
    grant.set_defaults(func=cmd_grant)
    revoke = sub.add_parser("revoke", help="revoke a role")
    revoke.add_argument("role", choices=ROLES)
    revoke.add_argument("user_id", type=int)
    revoke.set_defaults(func=cmd_revoke)
    backup = sub.add_parser("backup", help="consistent copy of the live database")
    backup.add_argument("path")
    backup.set_defaults(func=cmd_backup)
    bulletin = sub.add_parser("bulletin", help="a period's bulletin: print it or export it")
    bulletin.add_argument("--period", default="week", help="week|month|quarter|year or KIND:START")
    bulletin.add_argument("--language", choices=("zh-CN", "en"), default="zh-CN")
    bulletin.add_argument("--xlsx", help="write the tables as an Excel workbook")
    bulletin.add_argument("--html", help="write a standalone web page")
    bulletin.add_argument(
        "--live", action="store_true", help="count now, even for a published period"
    )
    bulletin.set_defaults(func=cmd_bulletin)
    for command in (
        upgrade,
        reaggregate,
        seed,
        imp,
        grids,
        svc,
        cal,
        grant,
        revoke,
        backup,
        bulletin,
    ):
        command.add_argument(
            "--town", metavar="KEY", help="which town of MINHU_TOWNS (needed with several)"
        )
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `minhu` command."""
    args = parser().parse_args(argv)
    try:
        settings = load_settings(require_token=False)
        if getattr(args, "token", False) and not settings.towns_file:  # else each town's
            settings = load_settings(require_token=True)
        district = district_of(settings)
        tokens = [t.settings.token for t in district.towns] if district else []
        setup_logging(settings.token, more=tokens)
        if hasattr(args, "town"):  # a command on one town's data
            settings = town_settings(settings, district, args.town)
        return int(args.func(args, settings))
    except ConfigError as exc:
        print(f"minhu: configuration error: {exc}", file=sys.stderr)
        return 2
    except StorageError as exc:
        print(f"minhu: database error: {exc}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:  # only start-up (and shutdown) errors get this far
        print(f"minhu: cannot use the database {redact(settings.database)}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
