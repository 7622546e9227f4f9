"""Telegram's flood limits, respected by us, with priority lanes, learning from 429s.

One gate paces every message-producing request: about 30 messages a second overall, about
one a second per private chat (short bursts allowed) and 20 a minute per group or channel.
Each chat has one bucket that all lanes share, so a resident's replies and the broadcast
message to them together stay within that chat's budget. Waiting requests go in lane order
— 0 direct replies, 1 personal notices, 2 bulk — so a resident's answer overtakes a running
broadcast. Bursts are at most half of what Telegram (and the emulator) tolerate, so a bot
restarted with fresh buckets still stays within the limits.

A server may be stricter than Telegram's published limits. A 429 pauses its scope (the chat,
when that chat had more than one message lately; otherwise every send) for
`retry_after` and cuts the scope's rate (AIMD): to half while the limit is unknown or the last
cut did not suffice, by 15 % otherwise. After each calm stretch (CALM seconds without a 429,
with requests waiting) the rate goes up again: quickly back towards 90 % of the last rate a
429 answered, then by a small step, never above Telegram's limit.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)

_MAX_TRACKED_CHATS = 10_000
CALM = 5.0  # seconds without a 429 before a scope's rate goes up a step
CUT, CUT_HARD = 0.85, 0.5  # multiplicative decrease: a probe that went too far, an unknown limit
PROBE = 1 / 1200  # additive increase past the last good rate, as a share of the ceiling
FLOOR = 1 / 60  # the lowest rate, as a share of the ceiling


@dataclass(frozen=True)
class Limits:
    """Rates in messages per second and bursts in messages."""

    overall_rate: float = 30.0
    overall_burst: int = 8  # a quarter second: a stricter server sees no storm at start
    # Direct replies (lane 0) may burst further, into this reserve: people's answers come in
    # clusters, and with 8 alone a town at a human pace queued them (issue 14's paced row).
    # Burst and reserve together stay at half of what Telegram (and the emulator) tolerate.
    reply_reserve: int = 7
    private_rate: float = 1.0
    private_burst: int = 10
    group_rate: float = 20 / 60
    group_burst: int = 10


class TokenBucket:
    """A token bucket whose waiters are served by priority (lower first), then arrival, and
    whose rate learns from 429s (AIMD) between FLOOR and its ceiling (Telegram's limit)."""

    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        reserve: int = 0,
    ) -> None:
        self.ceiling, self.full_burst = rate, float(burst)
        self.full_reserve = self.reserve = float(reserve)  # tokens lane 0 may borrow
        self.rate, self.burst, self.clock, self.sleep = rate, float(burst), clock, sleep
        self.tokens, self.stamp = float(burst), clock()
        self.paused_until = 0.0
        self.good_rate = rate  # the rate to climb back to quickly after a cut
        self._cut_at: float | None = None
        self._calm_since = self.stamp
        self._busy = False  # someone waited for a token since the last step
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._pump: asyncio.Task[None] | None = None

    def _set_rate(self, rate: float) -> None:
        self.rate = min(self.ceiling, max(rate, self.ceiling * FLOOR))
        self.burst = max(1.0, self.full_burst * self.rate / self.ceiling)
        self.reserve = self.full_reserve * self.rate / self.ceiling
        self.tokens = min(self.tokens, self.burst)

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if now - self._calm_since >= CALM:  # additive increase, only while the rate limits
            if self._busy and self.rate < self.ceiling:
                target = 0.9 * self.good_rate
                step = (target - self.rate) / 2 if self.rate < target else 0.0
                self._set_rate(self.rate + max(step, self.ceiling * PROBE))
            self._calm_since, self._busy = now, False

    def pause(self, seconds: float) -> None:
        """Hold every waiter for `seconds`."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    def slow_down(self, seconds: float) -> None:
        """After a 429: pause for `seconds` and cut the rate (once for 429s of one burst)."""
        self._refill()
        now = self.clock()
        if now < self.paused_until:  # answers to requests already on their way
            self.pause(seconds)
            return
        if self._cut_at is None:  # the limit is unknown: halve, and see
            self._set_rate(self.rate * CUT_HARD)
        elif now - self._cut_at < CALM:  # the last cut did not suffice
            self._set_rate(self.rate * CUT_HARD)
            self.good_rate = self.rate
        else:  # a probe above the limit: back a little below it
            self.good_rate = self.rate
            self._set_rate(self.rate * CUT)
        self.pause(seconds)
        self._cut_at = self._calm_since = self.paused_until
        self._busy = False

    def hot(self) -> bool:
        """More than one message lately (beyond what the rate has given back since)."""
        self._refill()
        return self.tokens < self.burst - 1

    def _floor(self, priority: int) -> float:
        """The fill a request of this lane needs: lane 0 may dip into the reserve."""
        return 1 - self.reserve if priority == 0 else 1.0

    async def acquire(self, priority: int = 0) -> None:
        """Wait for a token, behind every waiter of the same or a more urgent lane."""
        self._refill()
        # Nobody waits, or only less urgent lanes while a reply may dip into the reserve.
        free = not self._waiters or (priority == 0 < self.reserve and self._waiters[0][0] > 0)
        if free and self.tokens >= self._floor(priority) and self.clock() >= self.paused_until:
            self.tokens -= 1
            return
        self._busy = True
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._order), future))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._serve())
        await future

    async def _serve(self) -> None:
        while self._waiters:
            self._refill()
            need = self._floor(self._waiters[0][0]) - self.tokens
            wait = max(self.paused_until - self.clock(), need / self.rate, 0)
            if wait > 1e-9:  # a rounding error's worth of a token is a token
                await self.sleep(wait)
                continue
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                self.tokens = max(-self.reserve, self.tokens - 1)
                future.set_result(None)


class FloodGate(BaseRateLimiter[int]):
    """The bot's rate limiter: `rate_limit_args` is the lane (0 when not given)."""

    def __init__(
        self,
        limits: Limits | None = None,
        max_retries: int = 2,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits or Limits()
        self.max_retries = max_retries
        self.clock, self.sleep = clock, sleep
        limits = self.limits
        self.overall = self._bucket(limits.overall_rate, limits.overall_burst, limits.reply_reserve)
        self._chats: OrderedDict[int, TokenBucket] = OrderedDict()
        # In a cluster, the buckets every worker shares (bot/runtime/cluster.py): after this
        # process's own buckets let a request go, it takes (chat, lane) from them too, waiting
        # the seconds they answer.
        self.shared: Callable[[int | None, int], Awaitable[float]] | None = None
        # Requests not to make at all, answered True (a worker handling an update again after
        # a crash does not answer its callback query twice: Telegram refuses a second answer).
        self.skip: Callable[[str], bool] | None = None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _bucket(self, rate: float, burst: int, reserve: int = 0) -> TokenBucket:
        return TokenBucket(rate, burst, clock=self.clock, sleep=self.sleep, reserve=reserve)

    def _chat_bucket(self, chat_id: int) -> TokenBucket:
        bucket = self._chats.pop(chat_id, None)
        if bucket is None:
            if chat_id > 0:
                bucket = self._bucket(self.limits.private_rate, self.limits.private_burst)
            else:
                bucket = self._bucket(self.limits.group_rate, self.limits.group_burst)
            if len(self._chats) >= _MAX_TRACKED_CHATS:
                self._chats.popitem(last=False)
        self._chats[chat_id] = bucket
        return bucket

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if self.skip is not None and self.skip(endpoint):
            return True
        producing = endpoint.startswith(("send", "edit", "copy", "forward"))
        raw = data.get("chat_id")
        chat_id = (
            int(raw) if isinstance(raw, int | str) and str(raw).lstrip("-").isdigit() else None
        )
        lane = rate_limit_args if isinstance(rate_limit_args, int) else 0
        attempt = 0
        while True:
            if producing:
                if chat_id is not None:  # an @channel name: paced by the overall bucket only
                    await self._chat_bucket(chat_id).acquire(lane)
                await self.overall.acquire(lane)
                if self.shared is not None:
                    while (wait := await self.shared(chat_id, lane)) > 0:
                        await self.sleep(wait)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                chat = self._chats.get(chat_id) if chat_id is not None else None
                if chat is not None and chat.hot():
                    chat.slow_down(seconds)
                    log.warning(
                        "flood control: pausing chat %s for %.0f s; %.2f messages/s to it now",
                        chat_id,
                        seconds,
                        chat.rate,
                    )
                else:
                    self.overall.slow_down(seconds)
                    log.warning(
                        "flood control: pausing all sends for %.0f s; %.1f messages/s now",
                        seconds,
                        self.overall.rate,
                    )
                attempt += 1
                if lane != 0 or attempt > self.max_retries:
                    raise  # the outbox re-queues notices; direct replies retry here


def retry_seconds(exc: RetryAfter) -> float:
    """`retry_after` in seconds (PTB gives an int or a timedelta depending on its settings)."""
    with warnings.catch_warnings():  # PTB warns that the int form will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return float(value) if isinstance(value, int | float) else value.total_seconds()
