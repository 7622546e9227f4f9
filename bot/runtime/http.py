"""The Bot API's HTTP client: python-telegram-bot's request interface, lean where it is hot.

Every Bot API call but an upload goes through `bot/runtime/http11.py`, a small keep-alive
HTTP/1.1 client on asyncio's transports; uploads (photos, documents, charts) go through
python-telegram-bot's stock `HTTPXRequest`. The profile of issue 14 is why: with the stock
client, half the bot's CPU per action was the HTTP stack (httpx's client layers, httpcore's
pool walking every connection twice a request and asking anyio for each socket's attributes,
h11's general parser), and the outbox, which does little else, was held to ~800 messages a
second. Errors map as the stock client maps them: a timeout is `TimedOut` (a full pool says
so), anything else `NetworkError`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData
from telegram.request._baserequest import BaseRequest

from bot.runtime import http11

_POOL_TIMEOUT = (
    "Pool timeout: All connections in the connection pool are occupied. Request was *not* "
    "sent to Telegram. Consider adjusting the connection pool size or the pool timeout."
)
# A request's head; the body is PTB's parameters form-encoded, as its stock client sends them.
_HEAD = b"%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n%sContent-Length: %d\r\n\r\n"
_FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"
KEEPALIVE = 5.0  # seconds an idle connection is kept (httpx's default)


def _seconds(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, type(BaseRequest.DEFAULT_NONE)) else value


class BotApiRequest(HTTPXRequest):
    """`HTTPXRequest` whose calls without files take the lean path."""

    def __init__(
        self,
        connection_pool_size: int,
        pool_timeout: float | None = 1.0,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
    ) -> None:
        super().__init__(
            connection_pool_size=connection_pool_size,
            pool_timeout=pool_timeout,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
        )
        self._defaults = {"connect": connect_timeout, "read": read_timeout, "pool": pool_timeout}
        self._pool = http11.Pool(connection_pool_size, keepalive=KEEPALIVE)
        self._targets: dict[str, http11.Target] = {}
        self._agent = self.USER_AGENT.encode()

    async def shutdown(self) -> None:
        self._pool.close()
        await super().shutdown()

    def _target(self, url: str) -> http11.Target:
        """`url` parsed once: a bot calls a few dozen method URLs (file downloads have
        URLs of their own, hence the bound)."""
        target = self._targets.get(url)
        if target is None:
            if len(self._targets) >= 1024:
                self._targets.clear()
            target = self._targets[url] = http11.Target.of(url)
        return target

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See `BaseRequest.do_request`; uploads go to the stock client."""
        if request_data is not None and request_data.contains_files:
            return await super().do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )  # fmt: skip
        # The request goes to the connection in one write; the read timeout runs until the
        # whole answer is in (the write timeout is for the stock client's uploads).
        connect = _seconds(connect_timeout, self._defaults["connect"])
        read = _seconds(read_timeout, self._defaults["read"])
        pool = _seconds(pool_timeout, self._defaults["pool"])
        params = request_data.json_parameters if request_data is not None else {}
        body = urlencode(params).encode() if params else b""
        try:
            target = self._target(url)
            head = _HEAD % (
                method.encode(), target.path, target.host_header, self._agent,
                _FORM if body else b"", len(body),
            )  # fmt: skip
            return await self._pool.request(
                target,
                head + body,
                pool_timeout=pool,
                connect_timeout=connect,
                read_timeout=read,
            )
        except http11.PoolFull as exc:
            raise TimedOut(message=_POOL_TIMEOUT) from exc
        except http11.TimedOutError as exc:
            raise TimedOut from exc
        except http11.HttpError as exc:
            raise NetworkError(f"{type(exc).__name__}: {exc}") from exc
