"""The flood gate across workers: two processes' gates, each within its own limits, together
within the bot's 30 msg/s and each chat's limit (judged by the emulator's flood control)."""

from __future__ import annotations

import asyncio
import contextlib

from telegram.error import RetryAfter

from bot.emulator import EmulatorConfig
from bot.runtime import cluster
from bot.runtime.cluster import shared_flood
from bot.runtime.ratelimit import FloodGate
from storage.db import Database
from tests.runtime.test_ratelimit import FakeTime, StrictServer, _broadcast, _send


def gates(time: FakeTime, *databases: Database | None) -> list[FloodGate]:
    """One gate per worker; sharing the database's buckets when it has one."""
    made = []
    for db in databases:
        gate = FloodGate(clock=time.clock, sleep=time.sleep)
        if db is not None:
            gate.shared = shared_flood(db, gate.limits, clock=time.clock)
        made.append(gate)
    return made


async def test_two_workers_broadcasting_together_never_exceed_30_a_second(
    url: str, db: Database
) -> None:
    time = FakeTime()
    server = StrictServer(time, EmulatorConfig())
    async with Database(url) as other:  # the second worker's own connections
        both = gates(time, db, other)
        await asyncio.gather(*(_broadcast(gate, server, 150) for gate in both))
    assert server.refused == 0
    assert len(server.sent) == 300  # each chat got both workers' messages
    assert server.sent[-1][0] - server.sent[0][0] >= (300 - 30) / 30  # paced at 30/s


async def test_without_the_shared_buckets_two_workers_would_be_refused() -> None:
    time = FakeTime()
    server = StrictServer(time, EmulatorConfig())
    await asyncio.gather(*(_broadcast(gate, server, 150) for gate in gates(time, None, None)))
    assert server.refused > 0  # what the shared buckets prevent


async def test_replies_to_one_chat_from_two_workers_keep_the_chats_limit(
    url: str, db: Database
) -> None:
    time = FakeTime()
    server = StrictServer(time, EmulatorConfig())

    async def replies(gate: FloodGate) -> None:
        for _ in range(25):
            # A refused reply, retried by the gate or given up, is counted as refused.
            with contextlib.suppress(RetryAfter):
                await _send(gate, server, 7, 0)

    async with Database(url) as other:
        await asyncio.gather(*(replies(gate) for gate in gates(time, db, other)))
    assert server.refused == 0
    assert len(server.sent) == 50


async def test_an_update_handled_again_does_not_answer_its_callback_query_twice() -> None:
    gate = FloodGate()
    gate.skip = cluster._not_twice
    calls: list[str] = []

    async def call() -> bool:
        calls.append("answered")
        return True

    again = cluster._again.set(True)  # its worker died during it: maybe answered already
    try:
        assert await gate.process_request(call, (), {}, "answerCallbackQuery", {}, None)
    finally:
        cluster._again.reset(again)
    assert calls == []  # Telegram would refuse a second answer (a 400)
    assert await gate.process_request(call, (), {}, "answerCallbackQuery", {}, None)
    assert calls == ["answered"]
