"""Telegram's flood limits, respected by us, with priority lanes.

One gate paces every message-producing request: about 30 messages a second overall, about
one a second per private chat (short bursts allowed) and 20 a minute per group or channel.
Waiting requests go in lane order — 0 direct replies, 1 personal notices, 2 bulk — so a
resident's answer overtakes a running broadcast. Bursts are half of what Telegram (and the
emulator) tolerate, so a bot restarted with fresh buckets still stays within the limits.
A 429 pauses every send for `retry_after` seconds.
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


@dataclass(frozen=True)
class Limits:
    """Rates in messages per second and bursts in messages."""

    overall_rate: float = 30.0
    overall_burst: int = 15
    private_rate: float = 1.0
    private_burst: int = 10
    group_rate: float = 20 / 60
    group_burst: int = 10


class TokenBucket:
    """A token bucket whose waiters are served by priority (lower first), then arrival."""

    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate, self.burst, self.clock, self.sleep = rate, float(burst), clock, sleep
        self.tokens, self.stamp = float(burst), clock()
        self.paused_until = 0.0
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._pump: asyncio.Task[None] | None = None

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def pause(self, seconds: float) -> None:
        """Hold every waiter for `seconds` (after a 429)."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    async def acquire(self, priority: int = 0) -> None:
        """Wait for a token, behind every waiter of the same or a more urgent lane."""
        self._refill()
        if not self._waiters and self.tokens >= 1 and self.clock() >= self.paused_until:
            self.tokens -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._order), future))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._serve())
        await future

    async def _serve(self) -> None:
        while self._waiters:
            self._refill()
            wait = max(self.paused_until - self.clock(), (1 - self.tokens) / self.rate, 0)
            if wait > 0:
                await self.sleep(wait)
                continue
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                self.tokens -= 1
                future.set_result(None)


class FloodGate(BaseRateLimiter[int]):
    """The bot's rate limiter: `rate_limit_args` is the lane (0 when not given)."""

    def __init__(self, limits: Limits | None = None, max_retries: int = 2) -> None:
        self.limits = limits or Limits()
        self.max_retries = max_retries
        self.overall = TokenBucket(self.limits.overall_rate, self.limits.overall_burst)
        self._chats: OrderedDict[int, TokenBucket] = OrderedDict()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _chat_bucket(self, chat_id: int) -> TokenBucket:
        bucket = self._chats.pop(chat_id, None)
        if bucket is None:
            if chat_id > 0:
                bucket = TokenBucket(self.limits.private_rate, self.limits.private_burst)
            else:
                bucket = TokenBucket(self.limits.group_rate, self.limits.group_burst)
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
        producing = endpoint.startswith(("send", "edit", "copy", "forward"))
        chat_id = data.get("chat_id")
        lane = rate_limit_args if isinstance(rate_limit_args, int) else 0
        attempt = 0
        while True:
            if producing:
                if isinstance(chat_id, int | str) and str(chat_id).lstrip("-").isdigit():
                    await self._chat_bucket(int(chat_id)).acquire(lane)
                await self.overall.acquire(lane)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                log.warning("flood control: pausing all sends for %.0f s", seconds)
                self.overall.pause(seconds)
                attempt += 1
                if lane != 0 or attempt > self.max_retries:
                    raise  # the outbox re-queues notices; direct replies retry here


def retry_seconds(exc: RetryAfter) -> float:
    """`retry_after` in seconds (PTB gives an int or a timedelta depending on its settings)."""
    with warnings.catch_warnings():  # PTB warns that the int form will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return float(value) if isinstance(value, int | float) else value.total_seconds()
