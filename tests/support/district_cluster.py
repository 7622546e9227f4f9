"""A district as real processes: three towns (three bots) in one PostgreSQL database, a schema
each, served by one `minhu receive` and several `minhu worker` (MINHU_TOWNS names the towns
file); people talk to each town's bot through the emulator."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bot.core.towns import town_database
from storage.db import Database
from storage.meetings import NewMeeting
from storage.meetings import insert as insert_meeting
from storage.seed import seed_demo
from tests.support.cluster import Process
from tests.support.e2e import Chat

SECRET = "e2e-district-secret"
HOME_GRID = "SQ-01-01"


@dataclass(frozen=True)
class TownSpec:
    """One town of the test district: its bot, admin, reporters and seeded recipients."""

    key: str
    name: str
    bot_id: int
    admin_id: int
    reporters: int
    first_recipient: int
    recipients: int

    @property
    def token(self) -> str:
        return f"{self.bot_id}:E2E-district-{self.key}"

    @property
    def recipient_ids(self) -> list[int]:
        return list(range(self.first_recipient, self.first_recipient + self.recipients))

    @property
    def meeting_title(self) -> str:
        return f"{self.name}加装电梯协商议事会"


@dataclass
class TownChat(Chat):
    """A person talking to one town's bot (the emulator keeps a chat per bot)."""

    bot: int = 0
    actions: list[int] = field(default_factory=list)  # shared per town: updates caused

    def _post(self, path: str, **body: Any) -> dict[str, Any]:
        self.seq = self.current_seq()
        response = self.client.post(
            f"/api/users/{self.user_id}/{path}", json={"bot": self.bot, **body}
        )
        response.raise_for_status()
        self.actions.append(self.user_id)
        result: dict[str, Any] = response.json()
        return result

    def current_seq(self) -> int:
        r = self.client.get(
            f"/api/chats/{self.user_id}/messages", params={"after_seq": 1 << 40, "bot": self.bot}
        )
        return int(r.json()["seq"])

    def messages(self, after_seq: int = 0, wait: float = 0) -> list[dict[str, Any]]:
        r = self.client.get(
            f"/api/chats/{self.user_id}/messages",
            params={"after_seq": after_seq, "wait": wait, "bot": self.bot},
        )
        r.raise_for_status()
        return list(r.json()["messages"])

    def answer_of_last_press(self, query_id: str) -> dict[str, Any]:
        r = self.client.get(f"/api/callbacks/{query_id}", params={"wait": 10, "bot": self.bot})
        r.raise_for_status()
        return dict(r.json())


def person(
    client: httpx.Client, town: TownSpec, user_id: int, name: str, actions: list[int]
) -> TownChat:
    """A user of the emulator (made if new) talking to `town`'s bot."""
    client.post(
        "/api/users", json={"id": user_id, "first_name": name, "language_code": "zh-hans"}
    ).raise_for_status()
    return TownChat(client, user_id, bot=town.bot_id, actions=actions)


def add_bots(client: httpx.Client, towns: list[TownSpec]) -> None:
    """Each town's bot in the emulator, and its seeded recipients with a chat open with it."""
    for town in towns:
        client.post(
            "/api/bots",
            json={"token": town.token, "first_name": town.name, "username": f"{town.key}_bot"},
        ).raise_for_status()
        client.post(
            "/api/users/bulk",
            json={
                "bot": town.bot_id,
                "count": town.recipients,
                "start_id": town.first_recipient,
                "first_name": f"{town.name}居民",
                "started": True,
                "language_code": "zh-hans",
            },
        ).raise_for_status()


async def seed_town(base: str, town: TownSpec, reporter_ids: list[int]) -> None:
    """The demo town in the town's schema; consented residents (the reporters and the
    recipients) in its home grid; one upcoming meeting named after the town."""
    now = datetime.now(UTC)
    stamp = now.isoformat(timespec="seconds")
    async with Database(town_database(base, town.key)) as db:
        await seed_demo(db)
        grid = await db.fetchval("SELECT id FROM grids WHERE code = ?", (HOME_GRID,))
        zone = await db.fetchval("SELECT id FROM zones WHERE code = 'SQ'")
        async with db.transaction() as conn:
            for uid in [*reporter_ids, *town.recipient_ids]:
                await conn.execute(
                    "INSERT INTO people (id, first_name, language, grid_id, consented_at,"
                    " created_at, updated_at) VALUES (?, ?, 'zh-CN', ?, ?, ?, ?)",
                    (uid, f"{town.name}居民", grid, stamp, stamp, stamp),
                )
            starts = now + timedelta(days=10)
            meeting = NewMeeting(
                title=town.meeting_title,
                topic=f"{town.name}老旧小区加装电梯的费用分摊",
                zone_id=int(zone),
                community_id=None,
                place=f"{town.name}党群服务中心",
                starts_at=starts,
                duration_minutes=90,
                capacity=30,
                reserved_seats=0,
                registration_until=starts - timedelta(days=1),
            )
            await insert_meeting(conn, meeting, town.first_recipient, now)


def towns_file(path: Path, towns: list[TownSpec]) -> Path:
    lines = ['[district]\nname = "吴兴区"\n']
    for town in towns:
        lines.append(
            f'[[town]]\nkey = "{town.key}"\nname = "{town.name}"\ntoken = "{town.token}"\n'
            f"admins = [{town.admin_id}]\n"
        )
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@dataclass
class District:
    """A receiver and workers serving every town of `towns` from `database`."""

    api_base: str
    database: str  # the deployment's postgresql:// URL; each town is a schema in it
    folder: Path
    port: int
    towns: list[TownSpec]
    workers: list[Process] = field(default_factory=list)
    receiver: Process | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _conns: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def env(self) -> dict[str, str]:
        first = self.towns[0]
        return {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": first.token,
            "MINHU_TOWNS": str(towns_file(self.folder / "towns.toml", self.towns)),
            "MINHU_TELEGRAM_API_URL": self.api_base,
            "MINHU_DATABASE": self.database,
            "MINHU_ADMIN_IDS": str(first.admin_id),
            "MINHU_PERSISTENCE_INTERVAL": "0.2",
            "MINHU_TIMER_SWEEP": "1",
            "MINHU_WEBHOOK_URL": f"http://127.0.0.1:{self.port}/hook/district",
            "MINHU_WEBHOOK_PORT": str(self.port),
            "MINHU_WEBHOOK_SECRET": SECRET,
        }

    def start(self, workers: int) -> District:
        for number in range(1, workers + 1):
            log = self.folder / f"worker{number}.log"
            worker = Process("worker", self.env(), log, b"started").start()
            for town in self.towns:  # each town's application started in this process
                worker.ready = f"started ({town.key})".encode()
                _wait_ready(worker)
            self.workers.append(worker)
        self.receiver = Process(
            "receive", self.env(), self.folder / "receiver.log", b"receiver listening"
        ).start()
        return self

    def stop(self) -> dict[str, int]:
        codes = {}
        if self.receiver is not None and self.receiver.proc is not None:
            codes["receiver"] = self.receiver.stop()
        for number, worker in enumerate(self.workers, 1):
            if worker.proc is not None:
                codes[f"worker{number}"] = worker.stop()
        self.close()
        return codes

    def logs(self) -> str:
        parts = [self.receiver] if self.receiver else []
        return "\n".join(f"== {p.log_path.name}\n{p.log()}" for p in [*parts, *self.workers])

    def query(self, key: str, sql: str, *args: Any) -> list[Any]:
        """Rows of a query in town `key`'s schema (one connection per town, kept open)."""
        import asyncpg

        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
            loop = self._loop

            async def run() -> list[Any]:
                conn = self._conns.get(key)
                if conn is None:
                    conn = await asyncpg.connect(town_database(self.database, key))
                    self._conns[key] = conn
                return list(await conn.fetch(sql, *args))

            return loop.run_until_complete(run())

    def close(self) -> None:
        with self._lock:
            if self._loop is None:
                return
            for conn in self._conns.values():
                self._loop.run_until_complete(conn.close())
            self._conns.clear()
            self._loop.close()
            self._loop = None


def _wait_ready(process: Process, timeout: float = 60.0) -> None:
    """Until the running process's log holds its `ready` line (it dying fails the test)."""
    deadline = time.monotonic() + timeout
    assert process.proc is not None
    while process.ready not in process.log_path.read_bytes():
        assert time.monotonic() < deadline, f"not ready: {process.ready!r}\n{process.log()}"
        try:  # waits on the process: its exit fails the test
            code = process.proc.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            continue
        raise AssertionError(f"{process.command} exited with {code}:\n{process.log()}")


def holds(worker: Process) -> str:
    """A regular expression matching this worker's name in `chat_leases` (host:pid…)."""
    return f":{worker.pid}($|[^0-9])"


def leads(worker: Process) -> int:
    """How many towns this worker says it leads (its log)."""
    return len(re.findall("this worker leads", worker.log()))


def counters(client: httpx.Client, bot_id: int) -> dict[str, Any]:
    r = client.get("/api/counters", params={"bot": bot_id})
    r.raise_for_status()
    return dict(r.json())


def bot_message_counts(client: httpx.Client, bot_id: int) -> dict[int, int]:
    r = client.get("/api/stats/bot-messages", params={"bot": bot_id})
    r.raise_for_status()
    return {int(k): int(v) for k, v in r.json()["counts"].items()}


def texts_from_bot(client: httpx.Client, bot_id: int, chat_id: int) -> Iterator[str]:
    r = client.get(f"/api/chats/{chat_id}/messages", params={"bot": bot_id})
    r.raise_for_status()
    for m in r.json()["messages"]:
        if m["from_bot"]:
            yield (m.get("text") or "") + (m.get("caption") or "")
