"""The flood gate: bursts, sustained rate, lanes in priority order, pauses after a 429."""

from __future__ import annotations

import asyncio

from bot.ratelimit import Limits, TokenBucket


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


def test_our_bursts_stay_within_half_of_what_telegram_tolerates() -> None:
    limits = Limits()
    assert limits.overall_rate == 30 and limits.overall_burst * 2 <= 30
    assert limits.private_burst * 2 <= 20 and limits.group_rate == 20 / 60
