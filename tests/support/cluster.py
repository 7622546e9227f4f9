"""A cluster as real processes: `minhu receive` and several `minhu worker` on one PostgreSQL
database, against the emulator (which posts updates to the receiver's webhook); one town, or
several (a towns file, a schema each). Also what the e2e tests ask about a worker they kill:
the chats it held and the updates it left, and how soon those were handled again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bot.core.towns import town_database
from storage.codec import to_iso
from tests.support.e2e import TOKEN

SECRET = "e2e-cluster-secret"
# The chats whose lease names a worker (a regular expression on `chat_leases.worker`).
LEASES = "SELECT chat_key FROM chat_leases WHERE worker ~ $1"
# Their updates not handled yet: under way (taken, attempts > 0) or waiting their turn.
STRANDED = """SELECT u.update_id, u.chat_key, u.attempts FROM inbound_updates u
              JOIN chat_leases l ON l.chat_key = u.chat_key
              WHERE l.worker ~ $1 AND u.done_at IS NULL"""


@dataclass
class Process:
    """One `minhu` command running, with its log; started once every `ready` line is in it."""

    command: str
    env: dict[str, str]
    log_path: Path
    ready: tuple[bytes, ...]
    proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> Process:
        log = self.log_path.open("ab")
        args = [sys.executable, "-m", "bot", self.command]
        self.proc = subprocess.Popen(args, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_path.read_bytes()
            if all(line in text for line in self.ready):
                return self
            try:  # waits on the process: its exit fails the test
                code = self.proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            raise AssertionError(f"{self.command} exited with {code}:\n{self.log()}")
        raise AssertionError(f"{self.command} did not start ({self.ready}):\n{self.log()}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=60)
        self.proc = None
        return code

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc = None


def holds(worker: Process) -> str:
    """A regular expression matching this worker's name in `chat_leases` (host:pid…)."""
    return f":{worker.pid}($|[^0-9])"


@dataclass
class Kill:
    """A worker SIGKILLed: per town (None: the cluster's one town), the chats it held and the
    updates of those chats it left unhandled (update_id → chat), read right after its death."""

    worker: Process
    at: datetime
    chats: dict[str | None, set[str]]
    stranded: dict[str | None, dict[int, str]]

    def held(self, town: str | None = None) -> set[str]:
        return self.chats[town]


@dataclass
class Cluster:
    """A receiver and workers sharing `database` (a postgresql:// URL); with `towns_file`,
    every worker serves each of `town_keys`, a schema each."""

    api_base: str
    database: str
    folder: Path
    port: int
    towns_file: Path | None = None  # several towns (MINHU_TOWNS): each its token, its schema
    town_keys: tuple[str, ...] = ()
    workers: list[Process] = field(default_factory=list)
    receiver: Process | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _conns: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def env(self) -> dict[str, str]:
        if self.towns_file is not None:
            base = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
            return {**self._env(base), "MINHU_TOWNS": str(self.towns_file)}
        return {**self._env(dict(os.environ)), "TELEGRAM_BOT_TOKEN": TOKEN}

    def _env(self, base: dict[str, str]) -> dict[str, str]:
        return {
            **base,
            "MINHU_TELEGRAM_API_URL": self.api_base,
            "MINHU_DATABASE": self.database,
            "MINHU_ADMIN_IDS": "619999",
            "MINHU_PERSISTENCE_INTERVAL": "0.2",
            "MINHU_TIMER_SWEEP": "1",
            "MINHU_WEBHOOK_URL": f"http://127.0.0.1:{self.port}/hook/cluster",
            "MINHU_WEBHOOK_PORT": str(self.port),
            "MINHU_WEBHOOK_SECRET": SECRET,
        }

    def worker_ready(self) -> tuple[bytes, ...]:
        """What a worker logs once it serves: each town's application started."""
        return tuple(f"started ({key})".encode() for key in self.town_keys) or (b"started",)

    def start(self, workers: int) -> Cluster:
        for number in range(1, workers + 1):
            log = self.folder / f"worker{number}.log"
            process = Process("worker", self.env(), log, self.worker_ready())
            self.workers.append(process.start())
        self.receiver = Process(
            "receive", self.env(), self.folder / "receiver.log", (b"receiver listening",)
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

    def query(self, sql: str, *args: Any) -> list[Any]:
        """Rows of a query on the cluster's database (its own connection, kept open)."""
        return self._fetch(self.database, sql, args)

    def in_town(self, key: str | None, sql: str, *args: Any) -> list[Any]:
        """Rows of a query in town `key`'s schema (None: the cluster's database)."""
        url = self.database if key is None else town_database(self.database, key)
        return self._fetch(url, sql, args)

    def _fetch(self, url: str, sql: str, args: tuple[Any, ...]) -> list[Any]:
        import asyncpg

        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()

            async def run() -> list[Any]:
                conn = self._conns.get(url)
                if conn is None:
                    conn = self._conns[url] = await asyncpg.connect(url)
                return list(await conn.fetch(sql, *args))

            return self._loop.run_until_complete(run())

    def close(self) -> None:
        """Close the connections `query` and `in_town` kept open."""
        with self._lock:
            if self._loop is None:
                return
            for conn in self._conns.values():
                self._loop.run_until_complete(conn.close())
            self._conns.clear()
            self._loop.close()
            self._loop = None

    def scopes(self) -> tuple[str | None, ...]:
        """Each town's key, or None for the cluster's one town."""
        return self.town_keys or (None,)

    def held_by(self, worker: Process, town: str | None = None) -> set[str]:
        """The chats whose lease names `worker` now."""
        return {r[0] for r in self.in_town(town, LEASES, holds(worker))}

    def under_way(self, worker: Process, town: str | None = None) -> set[str]:
        """The chats of `worker` with an update taken and not done yet."""
        rows = self.in_town(town, STRANDED, holds(worker))
        return {r["chat_key"] for r in rows if r["attempts"] > 0}

    def kill(self, worker: Process) -> Kill:
        """SIGKILL `worker`; then what it held (its leases keep its name until they lapse)."""
        pattern = holds(worker)
        at = datetime.now(UTC)
        worker.kill()
        towns = self.scopes()
        chats = {t: {r[0] for r in self.in_town(t, LEASES, pattern)} for t in towns}
        stranded = {
            t: {r["update_id"]: r["chat_key"] for r in self.in_town(t, STRANDED, pattern)}
            for t in towns
        }
        return Kill(worker, at, chats, stranded)

    def taken_over(self, kill: Kill) -> float | None:
        """Seconds from the kill until the last of its chats with updates left went on: the
        first of a chat's left updates handled (to the second: handled times are stored so);
        None when it left none. Every left update must be handled by now."""
        last: str | None = None
        for town, updates in kill.stranded.items():
            if not updates:
                continue
            rows = self.in_town(
                town,
                "SELECT update_id, done_at FROM inbound_updates WHERE update_id = ANY($1::int[])",
                list(updates),
            )
            undone = [r["update_id"] for r in rows if r["done_at"] is None]
            assert not undone and len(rows) == len(updates), (town, undone, updates)
            resumed: dict[str, str] = {}
            for r in rows:
                chat = updates[r["update_id"]]
                resumed[chat] = min(resumed.get(chat, r["done_at"]), r["done_at"])
            last = max([last or "", *resumed.values()])
        if last is None:
            return None
        since = datetime.fromisoformat(last) - datetime.fromisoformat(to_iso(kill.at))
        return since.total_seconds()


@contextmanager
def seeded(api_base: str, folder: Path) -> Iterator[Cluster]:
    """A one-town cluster on a fresh PostgreSQL database with the demo town (the test skips
    without a server), not started; once the test is done every process must have stopped
    with status 0, without a traceback or the token in a log. The polling tests after it
    start from no webhook, and the database is dropped."""
    from tests.e2e.test_webhook import free_port
    from tests.support import databases

    url = asyncio.run(databases.fresh_postgres("seeded"))
    running = Cluster(api_base, url, folder, free_port())
    try:
        yield running
        codes = running.stop()
        assert set(codes.values()) == {0}, f"{codes}\n{running.logs()}"
        assert "Traceback" not in running.logs(), running.logs()
        assert TOKEN not in running.logs()
    finally:
        running.stop()
        httpx.post(f"{api_base}{TOKEN}/deleteWebhook", timeout=10)
        asyncio.run(databases.drop(url))
