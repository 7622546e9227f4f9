"""Two towns (two bots) on one PostgreSQL database, a schema each: one receiver, two workers
each serving both towns. A worker is SIGKILLed while residents of both towns are mid-report:
the other takes its chats of every town over, each town numbers its own cases, and nothing of
one town is in the other's schema."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from bot.emulator import Emulator
from tests.e2e.test_resident_journey import finish_report, register
from tests.e2e.test_webhook import free_port
from tests.support import databases
from tests.support.cluster import Cluster, Process
from tests.support.e2e import BOT_ID, TOKEN, Chat, new_user

SECOND_TOKEN = "5550002:E2E-minhu-second-town-token"
SECOND_ID = 5550002
TOWNS = {"zhili": (TOKEN, BOT_ID), "nanxun": (SECOND_TOKEN, SECOND_ID)}
RESIDENTS = 3  # a town


def towns_file(folder: Path) -> Path:
    path = folder / "towns.toml"
    path.write_text(
        '[district]\nname = "吴兴区"\nadmins = [619998]\n'
        + "".join(
            f'\n[[town]]\nkey = "{key}"\nname = "{key}镇"\ntoken = "{token}"\nadmins = [619999]\n'
            for key, (token, _) in TOWNS.items()
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def cluster(emulator: Emulator, tmp_path: Path) -> Iterator[Cluster]:
    url = asyncio.run(databases.fresh_postgres("empty"))  # skips without a server
    with httpx.Client(base_url=emulator.url) as client:
        client.post(
            "/api/bots",
            json={"token": SECOND_TOKEN, "first_name": "南浔 Minhu", "username": "nanxun_bot"},
        ).raise_for_status()
    running = Cluster(
        emulator.bot_api_base, url, tmp_path, free_port(), towns_file(tmp_path), tuple(TOWNS)
    )
    try:
        yield running
        codes = running.stop()
        assert set(codes.values()) == {0}, f"{codes}\n{running.logs()}"
        assert "Traceback" not in running.logs(), running.logs()
        assert TOKEN not in running.logs() and SECOND_TOKEN not in running.logs()
    finally:
        running.stop()
        for token, _ in TOWNS.values():
            httpx.post(f"{emulator.bot_api_base}{token}/deleteWebhook", timeout=10)
        asyncio.run(databases.drop(url))


def minhu(cluster: Cluster, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=cluster.env(), capture_output=True, text=True
    )


def journey(chat: Chat, building: int) -> str:
    chat.say("/report")
    chat.expect("类别")
    chat.press("环境卫生")
    chat.expect("描述问题")
    chat.say(f"{building}幢门口垃圾桶满了三天没人清理")
    chat.expect("照片")
    chat.photo()
    chat.expect("第 1 张")
    return finish_report(chat)


def test_two_towns_on_two_workers_one_killed_each_town_keeps_its_own(
    cluster: Cluster, emulator: Emulator
) -> None:
    # One town's data: `--town` is needed when there are several.
    refused = minhu(cluster, "seed-demo")
    assert refused.returncode == 2 and "--town (zhili, nanxun)" in refused.stderr
    for key in TOWNS:
        assert minhu(cluster, "seed-demo", "--town", key).returncode == 0
    cluster.start(workers=2)
    clients = [httpx.Client(base_url=emulator.url, timeout=30) for _ in range(2 * RESIDENTS)]
    residents = {
        key: [new_user(c, f"{key}居民{n}", bot=bot) for n, c in enumerate(clients[i::2], 1)]
        for i, (key, (_, bot)) in enumerate(TOWNS.items())
    }
    everyone = [(key, n, r) for key, rs in residents.items() for n, r in enumerate(rs, 1)]

    def holding_both() -> list[Process]:
        """The workers holding chats of both towns right now."""
        return [w for w in cluster.workers if all(cluster.held_by(w, key) for key in TOWNS)]

    with ThreadPoolExecutor(len(everyone)) as pool:
        list(pool.map(register, [r for _, _, r in everyone]))
        running = [pool.submit(journey, r, n) for _, n, r in everyone]
        # Kill a worker once it holds chats of both towns, mid-stream: whichever it is (the
        # two workers share the chats as they come, so neither is sure to hold both).
        while not (victims := holding_both()):
            assert not all(f.done() for f in running), cluster.logs()
        victim = victims[0]
        second = next(w for w in cluster.workers if w is not victim)
        kill = cluster.kill(victim)
        answers = [f.result(timeout=120) for f in running]

    # Each town numbered its own cases from 1: nothing of one is in the other.
    by_town: dict[str, list[str]] = {key: [] for key in TOWNS}
    for (key, _, _), answer in zip(everyone, answers, strict=True):
        by_town[key].append(answer[answer.index("MH-2026-") :][:14])
    for key in TOWNS:
        assert sorted(by_town[key]) == [f"MH-2026-{n:06d}" for n in range(1, RESIDENTS + 1)]
        people = {r[0] for r in cluster.in_town(key, "SELECT id FROM people")}
        assert people == {r.user_id for r in residents[key]}, key
        assert cluster.in_town(key, "SELECT COUNT(*) FROM complaints")[0][0] == RESIDENTS
    assert cluster.query("SELECT COUNT(*) FROM complaints")[0][0] == 0  # the database's own
    # The second worker took the lead of both towns and every update of both was handled.
    for key in TOWNS:
        assert f"this worker leads {key}" in second.log(), cluster.logs()
    residents["zhili"][0].wait_until(
        lambda: (
            not any(
                cluster.in_town(key, "SELECT 1 FROM inbound_updates WHERE done_at IS NULL")
                for key in TOWNS
            )
        ),
        "every update of both towns handled",
    )
    # Handled again: only updates of the killed worker's chats, each at most once more.
    for key in TOWNS:
        redone = cluster.in_town(
            key, "SELECT chat_key, attempts FROM inbound_updates WHERE attempts > 1"
        )
        assert {r[0] for r in redone} <= kill.held(key), (key, redone, kill.chats)
        assert all(r[1] == 2 for r in redone), redone
    for client in clients:
        client.close()
    with httpx.Client(base_url=emulator.url) as client:  # the first bot's: the conftest's
        status = client.get("/api/counters", params={"bot": SECOND_ID}).json()["status"]
    assert status.get("400", 0) == 0 and status.get("429", 0) == 0, status
