"""`minhu demo`: the whole product offline — emulator, demo town, demo staff, bot, chat page."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from telegram import Update

from bot.app import build_application
from bot.calendar.workdays import WorkCalendar
from bot.core.clock import SystemClock
from bot.core.config import Settings
from bot.demo.history import write_history
from bot.demo.points import write_points
from bot.demo.visits import write_visits
from bot.emulator import Emulator, EmulatorConfig
from bot.people import service
from storage import geo, people
from storage.db import Database
from storage.models import Role
from storage.seed import seed_demo

log = logging.getLogger(__name__)

DEMO_TOKEN = "1000001:MINHU-offline-demo-token"
DEMO_DATABASE = Path("demo-data") / "minhu-demo.db"


@dataclass(frozen=True)
class DemoPerson:
    user_id: int
    name: str
    role: str | None
    grid: str | None = None
    department: str | None = None


DEMO_PEOPLE = (
    DemoPerson(900001, "管理员 老陈 (admin)", "admin"),
    DemoPerson(200001, "网格员 张网格 (grid worker)", "grid_worker", grid="SQ-01-01"),
    DemoPerson(300001, "消防 小杨 (department)", "department", department="XF"),
    DemoPerson(400001, "人大代表 周代表 (representative)", "representative"),
    DemoPerson(100001, "居民 王阿姨 (resident)", None),
)


async def prepare_database(path: Path) -> None:
    """Seed the demo town and register the demo staff (idempotent: data is kept)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    now = SystemClock().now()
    async with Database(path) as db:
        await seed_demo(db)
        home = await geo.grid_id_by_code(db, "SQ-01-01")
        assert home is not None  # the demo town has it
        for p in DEMO_PEOPLE:
            if p.role is None:
                continue  # the resident registers in the chat, as a real one would
            name = p.name.split(" (")[0]
            if await people.get(db, p.user_id) is None:
                await service.register(db, p.user_id, name, "zh-CN", home, now)
            await service.grant(
                db,
                p.user_id,
                Role(p.role),
                now,
                grid_code=p.grid,
                department_code=p.department,
                name=name,
                granted_by="demo",
            )
        # The grid worker also mediates the disputes of their zone (矛盾调解), as in the seed.
        await service.grant(
            db, 200001, Role.MEDIATOR, now, zone_code="SQ", name="张网格", granted_by="demo"
        )
        tz = ZoneInfo("Asia/Shanghai")
        await write_history(db, WorkCalendar(tz), now)
        await write_points(db, DEMO_PEOPLE[0].user_id, now)
        await write_visits(db, DEMO_PEOPLE[1].user_id, WorkCalendar(tz), tz, now)


async def create_demo_users(emulator: Emulator) -> int:
    """The demo people exist as users on the emulator, ready in the chat page; the town's
    bulletin channel (晾晒), which all of them can read. Returns the channel's id."""
    async with httpx.AsyncClient(base_url=emulator.url) as client:
        await client.post(
            "/api/bots",
            json={"token": DEMO_TOKEN, "first_name": "民呼 Minhu", "username": "minhu_demo_bot"},
        )
        for p in DEMO_PEOPLE:
            # Demo staff have opened the bot before, so their menus can be set at start-up.
            await client.post(
                "/api/users",
                json={
                    "id": p.user_id,
                    "first_name": p.name,
                    "language_code": "zh-hans",
                    "started": p.role is not None,
                },
            )
        response = await client.post(
            "/api/chats",
            json={
                "type": "channel",
                "title": "埭溪镇基层治理晾晒",
                "members": [p.user_id for p in DEMO_PEOPLE],
            },
        )
        response.raise_for_status()
        return int(response.json()["chat"]["id"])


async def run_demo(host: str, port: int, database: Path, web_port: int | None = None) -> None:
    """Run everything until Ctrl-C; the command centre's screen on `web_port` (PORT+1)."""
    await prepare_database(database)
    web_port = web_port or port + 1
    screen_url = f"http://{host}:{web_port}"
    emulator = Emulator(EmulatorConfig(host=host, port=port, screen_url=screen_url))
    await emulator.start()
    channel = await create_demo_users(emulator)
    settings = Settings(
        token=DEMO_TOKEN,
        api_url=emulator.bot_api_base,
        database=str(database),
        admin_ids=frozenset({900001}),
        bulletin_chat_id=channel,
        web_port=web_port,
        web_listen=host,
        web_url=screen_url,
    )
    app = build_application(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with app:
        assert app.post_init is not None and app.updater is not None
        await app.post_init(app)
        await app.start()
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, timeout=10)
        print(
            f"\n  Minhu demo is running. Open the chat page: {emulator.url}\n"
            f"  The command centre's screen: {screen_url} (as 管理员 老陈, send /dashboard)\n"
            f"  Demo people: "
            + ", ".join(p.name for p in DEMO_PEOPLE)
            + f"\n  Data is kept in {database}. Press Ctrl-C to stop.\n",
            flush=True,
        )
        await stop.wait()
        print("stopping...", flush=True)
        await app.updater.stop()
        await app.stop()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)
    with contextlib.suppress(Exception):
        await emulator.stop()
    print("stopped.", flush=True)
