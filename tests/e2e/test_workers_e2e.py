"""A district on one deployment: the webhook receiver and two workers on one PostgreSQL
database; the leading worker is SIGKILLed while residents are mid-report, and nothing is lost,
nothing done twice, nobody's conversation starts over."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from bot.emulator import Emulator
from bot.runtime.cluster import LEASE
from tests.e2e.test_resident_journey import finish_report, register
from tests.support.cluster import Cluster, seeded
from tests.support.e2e import Chat, new_user

RESIDENTS = 6


@pytest.fixture
def cluster(emulator: Emulator, tmp_path: Path) -> Iterator[Cluster]:
    with seeded(emulator.bot_api_base, tmp_path) as running:
        yield running


def grant_grid_worker(cluster: Cluster, user_id: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "bot", "grant", "grid_worker", str(user_id), "--grid", "SQ-01-01"],
        env=cluster.env(),
        check=True,
        capture_output=True,
    )


def journey(chat: Chat, building: int) -> str:
    """A report with two photos, its place named (different buildings: different problems,
    not "the same as MH-…")."""
    chat.say("/report")
    chat.expect("类别")
    chat.press("环境卫生")
    chat.expect("描述问题")
    chat.say(f"{building}幢门口垃圾桶满了三天没人清理")
    chat.expect("照片")
    chat.photo()
    chat.expect("第 1 张")
    chat.photo()
    chat.expect("第 2 张")
    return finish_report(chat)


def test_a_worker_killed_mid_stream_loses_nothing_and_repeats_nothing(
    cluster: Cluster, emulator: Emulator
) -> None:
    cluster.start(workers=2)
    first, second = cluster.workers
    clients = [httpx.Client(base_url=emulator.url, timeout=30) for _ in range(RESIDENTS + 1)]
    officer = new_user(clients[0], "张网格")
    grant_grid_worker(cluster, officer.user_id)
    register(officer)
    residents = [new_user(c, f"居民{n}") for n, c in enumerate(clients[1:], 1)]
    # Onboarding keeps nothing before consent, not even its step, so a chat's worker dying
    # mid-onboarding means /start again (by design); the killing comes mid-report.
    with ThreadPoolExecutor(RESIDENTS) as pool:
        list(pool.map(register, residents))
        running = [pool.submit(journey, r, n) for n, r in enumerate(residents, 1)]
        # Kill the leader (the first worker) in the middle of the reports, in the middle of an
        # update: one of its chats has an update taken and not done.
        tries = 0
        while not cluster.under_way(first):
            tries += 1
            assert tries < 5000 and not any(f.done() for f in running), cluster.logs()
        kill = cluster.kill(first)
        answers = [f.result(timeout=120) for f in running]

    # Every resident's report was made once and answered once, in order (each step waited for
    # the answer to the one before), including those whose chat the killed worker held.
    numbers = sorted(a[a.index("MH-2026-") :][:14] for a in answers)
    assert numbers == [f"MH-2026-{n:06d}" for n in range(1, RESIDENTS + 1)], answers
    assert cluster.query("SELECT COUNT(*) FROM complaints")[0][0] == RESIDENTS
    assert cluster.query("SELECT COUNT(*) FROM complaint_photos")[0][0] == 2 * RESIDENTS
    # The second worker took over leadership: the grid worker hears of every report.
    assert "this worker leads" in second.log(), cluster.logs()
    for n in range(1, RESIDENTS + 1):
        officer.expect(f"MH-2026-{n:06d}", timeout=30)
    # Each update was marked done once (the last ones may be finishing: the answer is sent
    # before its update's conversation is saved and marked).
    officer.wait_until(
        lambda: not cluster.query("SELECT 1 FROM inbound_updates WHERE done_at IS NULL"),
        "every update handled",
    )
    # Handled again: at most the update each of the killed worker's chats had under way.
    redone = cluster.query("SELECT chat_key FROM inbound_updates WHERE attempts > 1")
    assert len(redone) <= len(kill.held())
    assert {r[0] for r in redone} <= kill.held(), (redone, kill.chats)
    # Its chats with updates left went on within seconds of the kill (within its lease, 10 s).
    taken_over = cluster.taken_over(kill)
    assert taken_over is None or taken_over < LEASE + 5, taken_over
    print(f"\nworkers e2e: {len(kill.stranded[None])} update(s) left at the kill, their chats "
          f"taken over within {taken_over} s (to the second)")  # fmt: skip
    for client in clients:
        client.close()
