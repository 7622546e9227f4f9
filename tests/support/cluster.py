"""A cluster as real processes: `minhu receive` and several `minhu worker` on one PostgreSQL
database, against the emulator (which posts updates to the receiver's webhook)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.e2e import TOKEN

SECRET = "e2e-cluster-secret"


@dataclass
class Process:
    """One `minhu` command running, with its log."""

    command: str
    env: dict[str, str]
    log_path: Path
    ready: bytes
    proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> Process:
        log = self.log_path.open("ab")
        args = [sys.executable, "-m", "bot", self.command]
        self.proc = subprocess.Popen(args, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready in self.log_path.read_bytes():
                return self
            try:
                code = self.proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            raise AssertionError(f"{self.command} exited with {code}:\n{self.log()}")
        raise AssertionError(f"{self.command} did not start:\n{self.log()}")

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


@dataclass
class Cluster:
    """A receiver and workers sharing `database` (a postgresql:// URL)."""

    api_base: str
    database: str
    folder: Path
    port: int
    workers: list[Process] = field(default_factory=list)
    receiver: Process | None = None
    towns_file: Path | None = None  # several towns (MINHU_TOWNS): each its token, its schema
    worker_ready: bytes = b"started"

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

    def start(self, workers: int) -> Cluster:
        for number in range(1, workers + 1):
            log = self.folder / f"worker{number}.log"
            process = Process("worker", self.env(), log, self.worker_ready)
            self.workers.append(process.start())
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
        return codes

    def logs(self) -> str:
        parts = [self.receiver] if self.receiver else []
        return "\n".join(f"== {p.log_path.name}\n{p.log()}" for p in [*parts, *self.workers])

    def query(self, sql: str, *args: Any) -> list[Any]:
        """Rows of a query on the cluster's database (a connection of its own)."""

        async def run() -> list[Any]:
            import asyncpg

            conn = await asyncpg.connect(self.database)
            try:
                return list(await conn.fetch(sql, *args))
            finally:
                await conn.close()

        return asyncio.run(run())
