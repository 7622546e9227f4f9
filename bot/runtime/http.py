"""The Bot API's HTTP client: python-telegram-bot's request interface, lean where it is hot.

Every Bot API call but an upload goes straight to httpcore's connection pool (the engine
under httpx) over asyncio's own streams; uploads (photos, documents, charts) go through
python-telegram-bot's stock `HTTPXRequest`. The profile of issue 14 is why: with the stock
client, half the bot's CPU per action was the HTTP stack — httpx's client layers over the
pool, and, on every request, each idle pooled connection asked anyio for its socket's
attributes (a fresh dict of them, with a `getpeername` call) to see whether the server had
closed it. Here that check is the stream's own state (`StreamReader.at_eof`), and a call
costs one form-encoded body and one pooled HTTP/1.1 exchange. Errors map as the stock
client maps them: a timeout is `TimedOut`, anything else `NetworkError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

import httpcore
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData
from telegram.request._baserequest import BaseRequest

_POOL_TIMEOUT = (
    "Pool timeout: All connections in the connection pool are occupied. Request was *not* "
    "sent to Telegram. Consider adjusting the connection pool size or the pool timeout."
)
_FORM = b"application/x-www-form-urlencoded"
KEEPALIVE = 5.0  # seconds an idle connection is kept (httpx's default)


class _Stream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS) connection as asyncio's stream pair."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc)) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        if not buffer:
            return
        try:
            self._writer.write(buffer)
            async with asyncio.timeout(timeout):
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc)) from exc
        except (OSError, RuntimeError) as exc:  # RuntimeError: writing to a closed transport
            raise httpcore.WriteError(str(exc)) from exc

    async def aclose(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await self._writer.wait_closed()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            await self.aclose()
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except (OSError, ssl.SSLError) as exc:
            await self.aclose()
            raise httpcore.ConnectError(str(exc)) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # idle yet readable: the server closed it (or misbehaves)
            return self._reader.at_eof() or self._writer.is_closing()
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        return None


class _Backend(httpcore.AsyncNetworkBackend):
    """Opens `_Stream`s with asyncio."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, local_addr=local)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for option in socket_options or ():
                sock.setsockopt(*option)
        return _Stream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class _Pool:
    """At most `size` connections at once, the idle ones reused last-in first-out.

    httpcore's own pool walks every connection it holds, twice a request, asking each
    whether it is idle, expired or closed; here a request takes the newest idle connection
    (checked alone) or opens one, and gives it back when its response is read.
    """

    def __init__(self, size: int, keepalive: float) -> None:
        self._slots = asyncio.Semaphore(size)
        self._idle: list[httpcore.AsyncHTTPConnection] = []
        self._keepalive = keepalive
        self._ssl = ssl.create_default_context()
        self._backend = _Backend()
        self._urls: dict[str, tuple[httpcore.URL, bytes]] = {}

    def url(self, url: str) -> tuple[httpcore.URL, bytes]:
        """`url` parsed, and its Host header, once: a bot calls a few dozen method URLs."""
        known = self._urls.get(url)
        if known is None:
            if len(self._urls) >= 1024:  # file downloads have URLs of their own
                self._urls.clear()
            parsed = httpcore.URL(url)
            default = {b"http": 80, b"https": 443}.get(parsed.scheme)
            host = parsed.host
            if parsed.port is not None and parsed.port != default:
                host += b":%d" % parsed.port
            known = self._urls[url] = (parsed, host)
        return known

    async def request(
        self, request: httpcore.Request, pool_timeout: float | None
    ) -> tuple[int, bytes]:
        """Send `request` on a pooled connection; its status and whole body."""
        try:
            async with asyncio.timeout(pool_timeout):
                await self._slots.acquire()
        except TimeoutError as exc:
            raise httpcore.PoolTimeout(str(exc)) from exc
        try:
            connection = await self._take(request.url.origin)
            try:
                response = await connection.handle_async_request(request)
                body = await response.aread()
                await response.aclose()
            except BaseException:
                await connection.aclose()
                raise
            if connection.is_idle():
                self._idle.append(connection)
            else:
                await connection.aclose()
            return response.status, body
        finally:
            self._slots.release()

    async def _take(self, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        while self._idle:
            connection = self._idle.pop()
            if connection.can_handle_request(origin) and not connection.has_expired():
                return connection
            await connection.aclose()
        return httpcore.AsyncHTTPConnection(
            origin,
            ssl_context=self._ssl,
            keepalive_expiry=self._keepalive,
            network_backend=self._backend,
        )

    async def aclose(self) -> None:
        """Close the idle connections (one in use closes as its request ends)."""
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.aclose()


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
        self._defaults = {
            "connect": connect_timeout,
            "read": read_timeout,
            "write": write_timeout,
            "pool": pool_timeout,
        }
        self._pool = _Pool(connection_pool_size, keepalive=KEEPALIVE)
        self._user_agent = self.USER_AGENT.encode()

    async def shutdown(self) -> None:
        await self._pool.aclose()
        await super().shutdown()

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
        given = {
            "connect": connect_timeout,
            "read": read_timeout,
            "write": write_timeout,
            "pool": pool_timeout,
        }
        timeouts = {k: _seconds(v, self._defaults[k]) for k, v in given.items()}
        params = request_data.json_parameters if request_data is not None else {}
        body = urlencode(params).encode() if params else b""
        target, host = self._pool.url(url)
        headers = [(b"Host", host), (b"User-Agent", self._user_agent)]
        if body:
            headers.append((b"Content-Type", _FORM))
        headers.append((b"Content-Length", str(len(body)).encode()))
        request = httpcore.Request(
            method, target, headers=headers, content=body, extensions={"timeout": timeouts}
        )
        try:
            return await self._pool.request(request, timeouts["pool"])
        except httpcore.PoolTimeout as exc:
            raise TimedOut(message=_POOL_TIMEOUT) from exc
        except httpcore.TimeoutException as exc:
            raise TimedOut from exc
        except (
            httpcore.NetworkError,
            httpcore.ProtocolError,
            httpcore.UnsupportedProtocol,
            httpcore.ProxyError,
        ) as exc:
            raise NetworkError(f"httpcore.{type(exc).__name__}: {exc}") from exc
