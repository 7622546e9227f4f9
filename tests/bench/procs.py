"""The benchmark's processes — the emulator, the bots (Minhu, the echo bot), the simulated
users — and the emulator's per-bot counters."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process so far (Linux /proc; None elsewhere)."""
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BotProcess:
    """One bot running as a subprocess, its stderr in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.name = name
        self.log_path = cwd / f"{name}.log"
        self._log = self.log_path.open("w", encoding="utf-8")
        self.proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT
        )

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the bot's log."""
        if not self._log.closed:
            self._log.flush()
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def log_errors(self, limit: int = 20) -> list[str]:
        """ERROR/CRITICAL log lines; for a traceback, its last frame and its exception line."""
        if not self._log.closed:
            self._log.flush()
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        found: list[str] = []
        frame: str | None = None
        in_traceback = False
        for line in text.splitlines():
            if " ERROR " in line or " CRITICAL " in line:
                found.append(line)
            elif line.startswith("Traceback"):
                in_traceback, frame = True, None
            elif in_traceback and line.startswith("  File "):
                frame = line.strip()
            elif in_traceback and line[:1] not in ("", " ", "\t"):
                found.append(f"{line}  [{frame}]" if frame else line)
                in_traceback = False
        return found[:limit]

    @property
    def pid(self) -> int:
        """The process id."""
        return self.proc.pid

    async def stop(self, grace: float = 20.0) -> int:
        """SIGINT (graceful stop), then kill after ``grace`` seconds."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                await asyncio.to_thread(self.proc.wait, grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        code = self.proc.wait()
        self._log.close()
        return code


class Emulator(BotProcess):
    """The emulator in its own process (tests/bench/emulator.py), at ``url``."""

    def __init__(self, cwd: Path) -> None:
        argv = [sys.executable, "-m", "tests.bench.emulator"]
        super().__init__("emulator", argv, _env(), cwd)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.proc.poll() is None:
            self._log.flush()
            for line in self.log_path.read_text(encoding="utf-8").splitlines():
                if line.startswith('{"url"'):
                    address = json.loads(line)
                    self.url: str = address["url"]
                    self.api_base: str = address["api_base"]
                    return
            time.sleep(0.05)
        raise RuntimeError(f"the emulator did not start:\n{self.log_tail()}")


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, **(extra or {})}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def _bot_env(token: str, api_base: str, database: Path | None) -> dict[str, str]:
    env = _env({"TELEGRAM_BOT_TOKEN": token, "MINHU_TELEGRAM_API_URL": api_base})
    if database is not None:
        env["MINHU_DATABASE"] = str(database)
    return env


async def users(argv: list[str], limit: float) -> dict[str, Any]:
    """Run the simulated users (tests/bench/users.py) in their own process; their JSON."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.bench.users",
        *argv,
        cwd=ROOT,
        env=_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), limit)
    except (TimeoutError, asyncio.CancelledError) as exc:
        proc.kill()
        await proc.wait()
        if isinstance(exc, asyncio.CancelledError):
            raise
        raise RuntimeError(f"the simulated users did not finish in {limit:.0f} s") from None
    lines = out.decode().strip().splitlines()
    if proc.returncode != 0 or not lines:
        last = (err.decode().strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"the simulated users failed ({proc.returncode}): {last}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def seed_demo(token: str, api_base: str, database: Path, cwd: Path) -> None:
    """`minhu seed-demo` into ``database``."""
    subprocess.run(
        [str(BIN / "minhu"), "seed-demo"],
        env=_bot_env(token, api_base, database),
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def start_minhu(
    token: str,
    api_base: str,
    database: Path,
    cwd: Path,
    *,
    rate_limit: bool = True,
    admins: tuple[int, ...] = (),
) -> BotProcess:
    """`minhu run` (long polling) against the emulator; MINHU_RATE_LIMIT=off if asked."""
    env = _bot_env(token, api_base, database) | {"MINHU_RATE_LIMIT": "on" if rate_limit else "off"}
    if admins:
        env["MINHU_ADMIN_IDS"] = ",".join(map(str, admins))
    return BotProcess("minhu", [str(BIN / "minhu"), "run"], env, cwd)


def start_echo(
    token: str, api_base: str, cwd: Path, *, rate_limit: bool, buttons: bool
) -> BotProcess:
    """The bare python-telegram-bot echo bot."""
    argv = [sys.executable, "-m", "tests.bench.echo_bot", "--token", token, "--base-url", api_base]
    if rate_limit:
        argv.append("--rate-limit")
    if buttons:
        argv.append("--buttons")
    return BotProcess("echo", argv, _bot_env(token, api_base, None), cwd)


async def counters(client: httpx.AsyncClient, bot_id: int) -> dict[str, Any]:
    """The emulator's counters of one bot."""
    resp = await client.get("/api/counters", params={"bot": bot_id})
    body: dict[str, Any] = resp.json()
    return body


async def wait_polling(
    client: httpx.AsyncClient, bot: BotProcess, bot_id: int, before: int = 0
) -> None:
    """Wait until the bot starts polling (run_polling calls deleteWebhook right before):
    until the emulator has counted more than ``before`` deleteWebhook calls (0 when it was
    reset before the bot started)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if bot.proc.poll() is not None:
            raise RuntimeError(f"{bot.name} exited early:\n{bot.log_tail()}")
        if (await counters(client, bot_id))["methods"].get("deleteWebhook", 0) > before:
            await asyncio.sleep(0.5)  # the first getUpdates and Application.start()
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"{bot.name} did not start polling in 60 s:\n{bot.log_tail()}")


def counter_diff(after: dict[str, Any], before: dict[str, Any], since: float) -> dict[str, Any]:
    """Counters accumulated between two snapshots (errors: those newer than ``since``)."""
    out: dict[str, Any] = {}
    for key in ("methods", "status", "error_counts"):
        diff = Counter(after.get(key, {}))
        diff.subtract(Counter(before.get(key, {})))
        out[key] = {k: v for k, v in sorted(diff.items()) if v}
    for code in ("400", "403", "429"):
        out["status"].setdefault(code, 0)
    out["errors"] = [e for e in after.get("errors", []) if e.get("time", 0) >= since]
    return out


@contextlib.contextmanager
def temp_workdir() -> Any:
    """A temporary working directory (kept when MINHU_BENCH_KEEP is set)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="minhu-bench-"))
    try:
        yield path
    finally:
        if not os.environ.get("MINHU_BENCH_KEEP"):
            import shutil

            shutil.rmtree(path, ignore_errors=True)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a process about to listen on it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
