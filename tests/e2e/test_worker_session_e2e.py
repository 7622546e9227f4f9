"""A follower whose own session connection is cut (the one holding its outbox claimer's lock):
it claims nothing while the lock is free, connects again, takes the lock again and goes on;
residents mid-report get every answer once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from bot.emulator import Emulator
from storage.cluster import CLAIMERS
from tests.e2e.test_resident_journey import finish_report, register
from tests.support.cluster import Cluster, seeded
from tests.support.e2e import Chat, new_user

RESIDENTS = 4
# The backends holding an outbox claimer's lock (two-key advisory lock CLAIMERS, hashtext),
# and of those, the one that also holds the leader's lock (a one-key lock).
CLAIMER_PIDS = f"""SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
                   AND classid = {CLAIMERS} AND objsubid = 2
                   AND database = (SELECT oid FROM pg_database
                                   WHERE datname = current_database())"""
LEADER_PIDS = """SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
                 AND objsubid = 1
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"""


@pytest.fixture
def cluster(emulator: Emulator, tmp_path: Path) -> Iterator[Cluster]:
    with seeded(emulator.bot_api_base, tmp_path) as running:
        yield running


def journey(chat: Chat, building: int) -> str:
    chat.say("/report")
    chat.expect("类别")
    chat.press("环境卫生")
    chat.expect("描述问题")
    chat.say(f"{building}号楼下的路灯坏了一个星期")
    chat.expect("照片")
    chat.photo()
    chat.expect("第 1 张")
    return finish_report(chat)


def pids(cluster: Cluster, sql: str) -> set[int]:
    return {int(r[0]) for r in cluster.query(sql)}


def test_a_follower_whose_session_is_cut_takes_its_lock_again_and_sends_nothing_twice(
    cluster: Cluster, emulator: Emulator
) -> None:
    cluster.start(workers=2)
    leader, follower = cluster.workers
    clients = [httpx.Client(base_url=emulator.url, timeout=30) for _ in range(RESIDENTS)]
    residents = [new_user(c, f"居民{n}") for n, c in enumerate(clients, 1)]
    deadline = time.monotonic() + 60
    while len(pids(cluster, CLAIMER_PIDS)) < 2 or not pids(cluster, LEADER_PIDS):
        assert time.monotonic() < deadline, cluster.logs()
    (cut,) = pids(cluster, CLAIMER_PIDS) - pids(cluster, LEADER_PIDS)  # the follower's session
    with ThreadPoolExecutor(RESIDENTS) as pool:
        list(pool.map(register, residents))
        running = [pool.submit(journey, r, n) for n, r in enumerate(residents, 1)]
        assert cluster.query("SELECT pg_terminate_backend($1)", cut)[0][0]
        answers = [f.result(timeout=120) for f in running]

    # The follower took its claimer's lock again on a new connection, and still runs; the
    # leader led on untouched.
    deadline = time.monotonic() + 30
    while len(pids(cluster, CLAIMER_PIDS)) < 2:
        assert time.monotonic() < deadline, cluster.logs()
    assert cut not in pids(cluster, CLAIMER_PIDS)
    assert follower.proc is not None and follower.proc.poll() is None, follower.log()
    assert "session connection was lost" in follower.log(), follower.log()
    assert "claimer's lock is held again" in follower.log(), follower.log()
    assert "this worker leads" in leader.log() and "leads" not in follower.log()
    # Every report made once, its confirmation (an outbox row, sent by the worker that handled
    # it or by the leader) in each resident's chat once; every update handled.
    numbers = sorted(a[a.index("MH-2026-") :][:14] for a in answers)
    assert numbers == [f"MH-2026-{n:06d}" for n in range(1, RESIDENTS + 1)], answers
    for chat, answer in zip(residents, answers, strict=True):
        texts = [m.get("text") for m in chat.messages() if m.get("from_bot")]
        assert texts.count(answer) == 1, texts
    residents[0].wait_until(
        lambda: not cluster.query("SELECT 1 FROM inbound_updates WHERE done_at IS NULL"),
        "every update handled",
    )
    for client in clients:
        client.close()
