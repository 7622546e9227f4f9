"""The flood gate: bursts, sustained rate, lanes in priority order, pauses after a 429, a
rate that learns a stricter server's limit, one budget per chat shared by every lane."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.emulator.config import EmulatorConfig
from bot.emulator.limits import ApiError, FloodControl
from bot.runtime.ratelimit import FloodGate, Limits, TokenBucket


class FakeTime:
    """A monotonic clock that moves only when the bucket sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def bucket(rate: float, burst: int, time: FakeTime) -> TokenBucket:
    return TokenBucket(rate, burst, clock=time.clock, sleep=time.sleep)


async def test_a_burst_goes_at_once_then_the_sustained_rate() -> None:
    time = FakeTime()
    b = bucket(1.0, 3, time)
    moments = []
    for _ in range(5):
        await b.acquire()
        moments.append(time.now - 1000.0)
    assert moments[:3] == [0.0, 0.0, 0.0]
    assert moments[3] >= 1.0 and moments[4] >= 2.0


async def test_direct_replies_overtake_waiting_bulk_messages() -> None:
    time = FakeTime()
    b = bucket(10.0, 1, time)
    await b.acquire()  # the bucket is empty now
    served: list[str] = []

    async def take(name: str, lane: int) -> None:
        await b.acquire(lane)
        served.append(name)

    tasks = [asyncio.create_task(take(f"bulk{i}", 2)) for i in range(3)]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(take("notice", 1)))
    tasks.append(asyncio.create_task(take("reply", 0)))
    await asyncio.gather(*tasks)
    assert served == ["reply", "notice", "bulk0", "bulk1", "bulk2"]


async def test_a_pause_holds_everyone_that_long() -> None:
    time = FakeTime()
    b = bucket(30.0, 15, time)
    b.pause(7)
    await b.acquire()
    assert time.now - 1000.0 >= 7


async def test_direct_replies_may_burst_into_a_reserve_that_bulk_messages_never_touch() -> None:
    """8 tokens for everyone, 7 more for direct replies only; the reserve refills with the
    rest (the rate over time stays 30/s)."""
    time = FakeTime()
    b = TokenBucket(30.0, 8, clock=time.clock, sleep=time.sleep, reserve=7)
    for _ in range(8):
        await b.acquire(1)
    assert time.now == 1000.0
    await b.acquire(1)  # a notice waits once the shared burst is spent
    assert time.now > 1000.0
    time.now = 2000.0  # full again
    for _ in range(15):
        await b.acquire(0)
    assert time.now == 2000.0  # fifteen replies at once
    await b.acquire(0)
    assert time.now > 2000.0
    await b.acquire(1)  # a notice now waits until the reserve is paid back and a token is left
    assert time.now - 2000.0 >= 8 / 30 - 1e-9


def test_our_bursts_stay_within_half_of_what_telegram_tolerates() -> None:
    limits = Limits()
    assert limits.overall_rate == 30 and limits.overall_burst * 2 <= 30
    assert (limits.overall_burst + limits.reply_reserve) * 2 <= 30
    assert limits.private_burst * 2 <= 20 and limits.group_rate == 20 / 60


def _retry_after(seconds: int) -> RetryAfter:
    with warnings.catch_warnings():  # PTB nudges towards its timedelta form
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        return RetryAfter(timedelta(seconds=seconds))


class StrictServer:
    """The emulator's flood control on the fake clock: 429 with retry_after when exceeded."""

    def __init__(self, time: FakeTime, config: EmulatorConfig) -> None:
        self.time, self.config = time, config
        self.flood = FloodControl(time.clock)
        self.sent: list[tuple[float, int, int]] = []  # (moment, chat, lane)
        self.refused = 0

    def request(self, chat_id: int, lane: int) -> Callable[[], Coroutine[Any, Any, bool]]:
        async def send() -> bool:
            try:
                self.flood.check(self.config, chat_id, "private")
            except ApiError as exc:
                self.refused += 1
                raise _retry_after(exc.retry_after or 1) from None
            self.sent.append((self.time.now, chat_id, lane))
            return True

        return send


async def _send(gate: FloodGate, server: StrictServer, chat_id: int, lane: int) -> None:
    data = {"chat_id": chat_id}
    await gate.process_request(server.request(chat_id, lane), (), {}, "sendMessage", data, lane)


async def _broadcast(gate: FloodGate, server: StrictServer, recipients: int) -> None:
    """The outbox's way: 16 chats at once, a refused message queued again for later."""
    queue = list(range(1, recipients + 1))

    async def worker() -> None:
        while queue:
            chat_id = queue.pop(0)
            try:
                await _send(gate, server, chat_id, 2)
            except RetryAfter:
                queue.append(chat_id)

    await asyncio.gather(*(worker() for _ in range(16)))


async def test_a_429_halves_the_rate_of_an_unknown_limit_and_pauses_for_retry_after() -> None:
    time = FakeTime()
    b = bucket(30.0, 15, time)
    b.slow_down(1)
    assert (b.rate, b.burst) == (15.0, 7.5)
    b.slow_down(1)  # the answer to a request already on its way: the same cut
    assert b.rate == 15.0
    await b.acquire()
    assert time.now - 1000.0 >= 1
    b.slow_down(1)  # right after the pause: the cut was not enough
    assert b.rate == 7.5


async def test_the_rate_climbs_back_only_while_messages_wait_and_never_above_telegrams() -> None:
    time = FakeTime()
    b = bucket(30.0, 15, time)
    b.slow_down(1)  # 15/s
    time.now += 3600  # an idle hour teaches nothing
    await b.acquire()
    assert b.rate == 15.0
    rates = []
    for _ in range(30_000):  # a long broadcast, not one 429
        await b.acquire(2)
        rates.append(b.rate)
    assert rates == sorted(rates) and rates[-1] == 30.0
    seconds_to_27 = next(i for i, r in enumerate(rates) if r >= 0.9 * 30 - 0.01) / 27
    assert seconds_to_27 < 60  # quickly back near the last good rate, then slowly up
    assert time.now - 1000.0 - 3600 > 600  # the last 10 % by small steps


async def test_a_probe_past_the_limit_costs_only_15_percent() -> None:
    time = FakeTime()
    b = bucket(30.0, 15, time)
    b.slow_down(1)
    for _ in range(100):  # calm for a while
        await b.acquire(2)
    before = b.rate
    b.slow_down(1)
    assert b.rate == before * 0.85


async def test_a_server_stricter_than_telegram_costs_a_handful_of_429s() -> None:
    time = FakeTime()
    gate = FloodGate(clock=time.clock, sleep=time.sleep)
    strict = EmulatorConfig(overall_rate=8.0, overall_burst=8)
    server = StrictServer(time, strict)
    await _broadcast(gate, server, 2000)
    seconds = server.sent[-1][0] - server.sent[0][0]
    assert len(server.sent) == 2000
    assert server.refused <= 2 * 5, server.refused  # at most 5 per 1,000 messages
    assert 2000 / seconds >= 0.9 * 8, 2000 / seconds


async def test_a_residents_replies_and_their_broadcast_message_share_one_budget() -> None:
    """Replies first, and together within the chat's 1 msg/s: not a single 429 from a server
    that tolerates no more than our own burst in a chat."""
    time = FakeTime()
    gate = FloodGate(clock=time.clock, sleep=time.sleep)
    server = StrictServer(time, EmulatorConfig(private_burst=Limits().private_burst))
    resident = 42
    for _ in range(10):  # they have been talking: their chat's burst is spent
        await _send(gate, server, resident, 0)
    sends = [asyncio.create_task(_send(gate, server, resident, 2))]  # the broadcast's message
    await asyncio.sleep(0)
    sends += [asyncio.create_task(_send(gate, server, resident, 0)) for _ in range(3)]
    await asyncio.gather(*sends)
    assert [lane for _, _, lane in server.sent[10:]] == [0, 0, 0, 2]
    assert server.sent[-1][0] - server.sent[0][0] >= 4 - 1e-9  # 1/s once the burst is spent
    assert server.refused == 0
