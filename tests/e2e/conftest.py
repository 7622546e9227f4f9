"""One emulator for the whole end-to-end session; it must count zero 400s and zero 429s."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.emulator import Emulator, EmulatorConfig, run_emulator_in_thread
from tests.support import databases
from tests.support.e2e import BOT_ID, TOKEN, BotProcess


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    with run_emulator_in_thread(EmulatorConfig(port=0)) as emu:
        with httpx.Client(base_url=emu.url) as client:
            client.post(
                "/api/bots",
                json={"token": TOKEN, "first_name": "民呼 Minhu", "username": "minhu_e2e_bot"},
            ).raise_for_status()
        yield emu
        with httpx.Client(base_url=emu.url) as client:
            counters = client.get("/api/counters", params={"bot": BOT_ID}).json()
        status = counters["status"]
        assert status.get("400", 0) == 0, f"the bot caused 400s: {counters}"
        assert status.get("429", 0) == 0, f"the bot hit flood control: {counters}"


def _refusals(emulator: Emulator) -> tuple[int, list[dict[str, object]]]:
    with httpx.Client(base_url=emulator.url) as c:
        counters = c.get("/api/counters", params={"bot": BOT_ID}).json()
    errors = [e for e in counters["errors"] if e["error_code"] in (400, 429)]
    return counters["status"].get("400", 0) + counters["status"].get("429", 0), errors


@pytest.fixture(autouse=True)
def no_refusals(emulator: Emulator) -> Iterator[None]:
    """Each test, not only the session, ends with no 400 or 429 it caused: the failure names it."""
    before, _ = _refusals(emulator)
    yield
    after, errors = _refusals(emulator)
    caused = after - before
    assert after == before, f"this test caused {caused} 400/429s: {errors[-caused:]}"


@pytest.fixture
def client(emulator: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emulator.url, timeout=30) as c:
        yield c


@pytest.fixture
def e2e_database(tmp_path: Path, db_backend: str) -> Iterator[Path | str]:
    """Where the bot process keeps its data: a file, or a fresh PostgreSQL database."""
    if db_backend == "sqlite":
        yield tmp_path / "e2e.db"
        return
    url = asyncio.run(databases.fresh_postgres("empty"))
    yield url
    asyncio.run(databases.drop(url))


@pytest.fixture
def minhu(emulator: Emulator, tmp_path: Path, e2e_database: Path | str) -> Iterator[BotProcess]:
    """A fresh database with the demo town and the bot polling the emulator."""
    bot = BotProcess(emulator.bot_api_base, e2e_database, tmp_path / "bot.log")
    bot.seed()
    bot.start()
    yield bot
    if bot.proc is not None:
        assert bot.stop() == 0, (tmp_path / "bot.log").read_text()
    log = (tmp_path / "bot.log").read_text()
    assert "Traceback" not in log, log
    # A long pass (a broadcast) makes later sweeps wait: skipped quietly, not a warning each.
    assert "maximum number of running instances" not in log, log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
