"""Telegram's flood limits, respected by us: 30 msg/s overall, 20/min per group (PTB's
AIORateLimiter) and about 1/s per private chat with short bursts (added here)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter

PRIVATE_RATE = 1.0  # messages per second, sustained, per private chat
PRIVATE_BURST = 10  # half the burst Telegram tolerates: a restarted bot stays within it
_MAX_TRACKED_CHATS = 10_000


class MinhuRateLimiter(AIORateLimiter):
    """AIORateLimiter plus a leaky bucket per private chat for message-producing calls."""

    def __init__(
        self, private_rate: float = PRIVATE_RATE, private_burst: int = PRIVATE_BURST, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._private_rate = private_rate
        self._private_burst = private_burst
        self._private: OrderedDict[int, AsyncLimiter] = OrderedDict()

    def _private_limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._private.pop(chat_id, None)
        if limiter is None:
            limiter = AsyncLimiter(self._private_burst, self._private_burst / self._private_rate)
            if len(self._private) >= _MAX_TRACKED_CHATS:
                self._private.popitem(last=False)
        self._private[chat_id] = limiter
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = data.get("chat_id")
        producing = endpoint.startswith("send") or endpoint.startswith("edit")
        if producing and isinstance(chat_id, int | str) and str(chat_id).isdigit():
            async with self._private_limiter(int(chat_id)):
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
