"""`minhu run` with MINHU_TOWNS: every town's bot in one process, each polling with its own
token into its own SQLite file (the embedded district)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.emulator import Emulator
from tests.e2e.test_resident_journey import register
from tests.support.e2e import BOT_ID, TOKEN, BotProcess, new_user

OTHER_TOKEN = "5550003:E2E-minhu-third-town-token"
OTHER_ID = 5550003


def test_one_process_runs_every_towns_bot_on_its_own_file(
    emulator: Emulator, tmp_path: Path
) -> None:
    with httpx.Client(base_url=emulator.url) as client:
        client.post(
            "/api/bots",
            json={"token": OTHER_TOKEN, "first_name": "德清 Minhu", "username": "deqing_bot"},
        ).raise_for_status()
    towns = tmp_path / "towns.toml"
    towns.write_text(
        f'[[town]]\nkey = "zhili"\ntoken = "{TOKEN}"\n\n'
        f'[[town]]\nkey = "deqing"\ntoken = "{OTHER_TOKEN}"\n',
        encoding="utf-8",
    )
    bot = BotProcess(
        emulator.bot_api_base,
        tmp_path / "minhu.db",
        tmp_path / "bot.log",
        extra_env={"MINHU_TOWNS": str(towns), "TELEGRAM_BOT_TOKEN": ""},
    )
    for key in ("zhili", "deqing"):
        subprocess.run(
            [sys.executable, "-m", "bot", "seed-demo", "--town", key],
            env=bot.env(),
            check=True,
            capture_output=True,
        )
    bot.start()
    try:
        deadline = time.monotonic() + 60
        while b"2 towns polling" not in bot.log_path.read_bytes():
            assert time.monotonic() < deadline, bot.log_path.read_text()
            time.sleep(0.05)
        with httpx.Client(base_url=emulator.url, timeout=30) as client:
            here = new_user(client, "织里居民", bot=BOT_ID)
            there = new_user(client, "德清居民", bot=OTHER_ID)
            register(here)
            register(there)
    finally:
        assert bot.stop() == 0, bot.log_path.read_text()
    log = bot.log_path.read_text()
    assert "Traceback" not in log and TOKEN not in log and OTHER_TOKEN not in log, log
    for key, person in (("zhili", here), ("deqing", there)):
        with sqlite3.connect(tmp_path / f"minhu-{key}.db") as db:
            assert [r[0] for r in db.execute("SELECT id FROM people")] == [person.user_id]
    assert not (tmp_path / "minhu.db").exists()  # the deployment's own file: not used
