"""The screen benchmark's processes (`python -m tests.bench.screen_procs ROLE …`):

- `serve DB PORT`: the screen's server (bot/dashboard) alone over the database, real clock;
- `change DB RATE SECONDS OUT`: changes open cases at RATE a second the way the bot does (the
  case's row and a new event, one transaction each), writing `[case id, commit time]` lines;
- `pages URL COOKIES PAGES SECONDS OUT`: PAGES open pages on the live feed (server-sent events,
  the session cookies shared round-robin), writing what each page received and when.

Each is its own process so the server's CPU is its alone and the clients do not share its loop.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx


async def serve(database: str, port: int) -> None:
    """The screen, until killed."""
    from bot.core.clock import SystemClock
    from bot.core.config import Settings
    from bot.core.render import Renderer
    from bot.dashboard.server import Screen
    from storage.db import Database

    settings = Settings(token="", database=database, web_port=port)
    db = Database(database)
    await db.open()
    screen = Screen(db, settings, Renderer(settings.tz), SystemClock())
    await screen.start()
    print(json.dumps({"listening": port}), flush=True)
    await asyncio.Event().wait()


def change(database: str, rate: float, seconds: float, out: str) -> None:
    """Change `rate` open cases a second for `seconds`: accept one (or note progress)."""
    conn = sqlite3.connect(database, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 5000")
    ids = [r[0] for r in conn.execute(
        "SELECT id FROM complaints WHERE status IN ('submitted', 'accepted') ORDER BY id"
    )]  # fmt: skip
    start, done = time.monotonic(), []
    for n in range(int(rate * seconds)):
        case_id = ids[(n * 7919) % len(ids)]  # spread over the town
        pause = start + n / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "UPDATE complaints SET status = 'accepted', accepted_at = COALESCE(accepted_at, ?), "
            "updated_at = ? WHERE id = ?",
            (stamp, stamp, case_id),
        )
        conn.execute(
            "INSERT INTO complaint_events (complaint_id, at, kind, note) VALUES (?, ?, 'note', ?)",
            (case_id, stamp, f"进展 {n}"),
        )
        conn.execute("COMMIT")
        done.append([case_id, time.time()])
    Path(out).write_text(json.dumps(done))


async def _page(
    client: httpx.AsyncClient, cookie: str, index: int, until: float, got: list[list[float]]
) -> None:
    headers = {"Cookie": f"minhu_screen={cookie}", "Accept": "text/event-stream"}
    async with client.stream("GET", "/api/live", headers=headers) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                now = time.time()
                for row in json.loads(line[6:])["cases"]:
                    got.append([index, row[0], now])
            if time.monotonic() > until:
                return


async def pages(url: str, cookies: list[str], count: int, seconds: float) -> dict[str, Any]:
    """`count` pages on the live feed for `seconds`; what each received, when."""
    got: list[list[float]] = []
    limits = httpx.Limits(max_connections=count + 10)
    timeout = httpx.Timeout(seconds + 30)
    until = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client:
        tasks = [
            asyncio.create_task(_page(client, cookies[i % len(cookies)], i, until, got))
            for i in range(count)
        ]
        print(json.dumps({"pages": count}), flush=True)
        done, pending = await asyncio.wait(tasks, timeout=seconds + 20)
        for task in pending:
            task.cancel()
        failed = [repr(t.exception()) for t in done if not t.cancelled() and t.exception()]
    return {"received": got, "failed": failed[:5]}


def main(argv: list[str]) -> None:
    role = argv[0]
    if role == "serve":
        asyncio.run(serve(argv[1], int(argv[2])))
    elif role == "change":
        change(argv[1], float(argv[2]), float(argv[3]), argv[4])
    elif role == "pages":
        found = asyncio.run(pages(argv[1], argv[2].split(","), int(argv[3]), float(argv[4])))
        Path(argv[5]).write_text(json.dumps(found))
    else:
        raise SystemExit(f"unknown role {role!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
