"""The screen over the in-process bot: its server on a free port, and browsers as httpx
clients (each with its own cookies)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx

from bot.complaints.service import open_new
from bot.dashboard.server import Screen
from storage import complaints, geo
from tests.conftest import ADMIN_ID
from tests.support.harness import Harness, User, register, texts
from tests.support.representatives import grant

WEB = {"web_url": "http://screen.test"}  # the bot's links; the tests swap in the real port
ADMIN = User(ADMIN_ID, "镇办老陈")
SQ_DISPATCH = User(700001, "上强分中心老吴")
YS_DISPATCH = User(700002, "阳山分中心小王")
TOWN_DISPATCH = User(700003, "镇指挥中心")
WORKER = User(200001, "张网格")
START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
LINK = re.compile(r'href="(http://screen\.test/[^"]+)"')


@asynccontextmanager
async def screen_of(bot: Harness) -> AsyncIterator[tuple[Screen, str]]:
    """The screen's server over the bot's database, its feed driven by hand; its base URL."""
    s = bot.services
    screen = Screen(s.db, s.settings, s.renderer, s.clock)
    port = await screen.start(0, "127.0.0.1", live=False)
    try:
        yield screen, f"http://127.0.0.1:{port}"
    finally:
        await screen.stop()


async def staffed(bot: Harness) -> None:
    """An admin, a worker of SQ-01-01, dispatchers of 上强, 阳山 and the town."""
    bot.clock.set(START)
    await register(bot, ADMIN)
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    for user, code in ((SQ_DISPATCH, "SQ"), (YS_DISPATCH, "YS"), (TOWN_DISPATCH, "-")):
        await bot.send(ADMIN, f"/grant dispatcher {user.id} {code}")
        await register(bot, user)


def link_in(calls: list) -> str:  # type: ignore[type-arg]
    """The login or kiosk link of the bot's answer (its path and query)."""
    found = LINK.search(texts(calls))
    assert found, texts(calls)
    parts = urlsplit(found[1])
    return f"{parts.path}?{parts.query}"


async def logged_in(bot: Harness, base: str, user: User) -> httpx.AsyncClient:
    """A browser that opened the link /dashboard sent to `user`."""
    client = httpx.AsyncClient(base_url=base, timeout=5)
    answer = await client.get(link_in(await bot.send(user, "/dashboard")))
    assert answer.status_code == 302 and answer.headers["location"] == "/", answer.text
    return client


async def file_case(
    bot: Harness, grid_code: str, description: str = "路灯不亮，晚上很黑", **where: float
) -> tuple[int, str]:
    """A case in a grid, filed the way intake files it: (id, number)."""
    services, db = bot.services, bot.services.db
    grid_id = await geo.grid_id_by_code(db, grid_code)
    cat_id = await db.fetchval("SELECT id FROM categories WHERE code = 'sanitation'")
    cat = await geo.category(db, int(cat_id))
    assert grid_id is not None and cat is not None
    new = complaints.NewComplaint(
        reporter_id=None,  # type: ignore[arg-type]
        category_id=cat.id,
        grid_id=grid_id,
        description=description,
        anonymous=True,
        **where,  # type: ignore[arg-type]
    )
    now = bot.clock.now()
    async with db.transaction() as conn:
        cid, number = await complaints.insert(
            conn, new, now, year=2026, department_id=cat.department_id
        )
        await open_new(conn, services, cid, cat, now)
    return cid, number
