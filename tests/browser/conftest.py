"""Fixtures for the browser tests: a usable Chromium and the offline demo on a free port.

A missing or broken browser skips these tests on a developer machine, but fails them
when ``CI=true``: on CI the browser is part of the environment and must work.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DEMO_READY_SECONDS = 30.0
DEMO_STOP_SECONDS = 20.0
RESIDENT_ID = 100001  # the last demo person created; once listed, the demo is seeded


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _minhu_command() -> list[str]:
    script = Path(sys.executable).parent / "minhu"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]


@dataclass(frozen=True)
class Demo:
    """A running ``minhu demo``."""

    url: str
    log: Path

    def output(self) -> str:
        """What the demo printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    """``minhu demo`` as a subprocess on a free port with a temporary database.

    Ready once the chat page answers and the demo people exist; stopped with SIGINT,
    and it must exit with status 0.
    """
    port = _free_port()
    log = tmp_path / "demo.log"
    command = [
        *_minhu_command(),
        "demo",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database",
        str(tmp_path / "demo.db"),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    running = Demo(url=f"http://127.0.0.1:{port}", log=log)
    try:
        _wait_until_ready(proc, running)
        yield running
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=DEMO_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                pytest.fail(f"minhu demo did not stop on SIGINT:\n{running.output()}")
    assert proc.returncode == 0, f"minhu demo exited {proc.returncode}:\n{running.output()}"


def _wait_until_ready(proc: subprocess.Popen[bytes], demo: Demo) -> None:
    deadline = time.monotonic() + DEMO_READY_SECONDS
    with httpx.Client(base_url=demo.url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"minhu demo exited early ({proc.returncode}):\n{demo.output()}")
            try:
                page = client.get("/")
                users = client.get("/api/users").json().get("users", [])
            except (httpx.HTTPError, ValueError):
                users, page = [], None
            if (
                page is not None
                and page.status_code == 200
                and any(u.get("id") == RESIDENT_ID for u in users)
            ):
                return
            _pause(proc, 0.2)
    proc.kill()
    proc.wait()
    pytest.fail(f"the chat page did not answer within {DEMO_READY_SECONDS}s:\n{demo.output()}")


def _pause(proc: subprocess.Popen[bytes], seconds: float) -> None:
    """Pause between polls, returning early if the process exits."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=seconds)


@pytest.fixture
def artifacts_dir() -> Path:
    """``test-artifacts/`` at the repository root (created)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
