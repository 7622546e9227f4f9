"""A small HTTP/1.1 client for the Bot API: keep-alive connections over asyncio's transports.

One request at a time on a connection, written in one piece; the answer is read as it comes
in (`data_received`) and complete at its Content-Length, at the end of a chunked body, or, for
an answer with neither, when the server closes. That is all the Bot API (Telegram's servers,
a local Bot API server, the emulator) needs, and, unlike a general client, it costs a few
dozen microseconds a call (bot/runtime/http.py says why that matters).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_HEAD = 64 * 1024  # bytes of a response's status line and headers


class HttpError(Exception):
    """A request that got no complete answer."""


class ConnectFailed(HttpError):
    """The server could not be reached."""


class TimedOutError(HttpError):
    """No connection, free slot or complete answer in time."""


class PoolFull(TimedOutError):
    """Every connection stayed busy for the pool timeout: the request was not sent."""


class BadResponse(HttpError):
    """The connection closed mid-answer, or the answer was not HTTP/1.x."""


@dataclass(frozen=True)
class Target:
    """Where a URL points: the connection's origin and the request line's path."""

    origin: tuple[str, str, int]
    path: bytes
    host_header: bytes

    @classmethod
    def of(cls, url: str) -> Target:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), parts.hostname or ""
        if scheme not in ("http", "https") or not host:
            raise BadResponse(f"not an http(s) URL: {scheme}://{host}")
        default = 443 if scheme == "https" else 80
        port = parts.port or default
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        named = f"[{host}]" if ":" in host else host  # an IPv6 address goes in brackets
        shown = named if port == default else f"{named}:{port}"
        return cls((scheme, host, port), path.encode(), shown.encode("idna"))


class Connection(asyncio.Protocol):
    """One keep-alive connection; `exchange` sends a request and waits for its answer."""

    def __init__(self, origin: tuple[str, str, int]) -> None:
        self.origin = origin
        self.idle_since = 0.0
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, bytes, bool]] | None = None
        self._closed = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        self._advance()

    def eof_received(self) -> bool:
        self._closed = True
        self._advance(eof=True)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._advance(eof=True, error=exc)

    # the client side
    def usable(self) -> bool:
        """Open, and nothing unasked for has arrived (a server closing an idle connection)."""
        transport = self._transport
        return (
            not self._closed and transport is not None and not transport.is_closing()
        ) and not self._buffer

    def close(self) -> None:
        self._closed = True
        if self._transport is not None:
            self._transport.close()

    async def exchange(self, request: bytes, seconds: float | None) -> tuple[int, bytes, bool]:
        """Send `request` whole; (status, body, whether the connection may be kept)."""
        assert self._transport is not None and self._waiter is None
        waiter = self._waiter = asyncio.get_running_loop().create_future()
        try:
            self._transport.write(request)
            async with asyncio.timeout(seconds):
                return await waiter
        except TimeoutError as exc:
            raise TimedOutError("no complete answer in time") from exc
        finally:
            self._waiter = None

    def _advance(self, *, eof: bool = False, error: Exception | None = None) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        try:
            answer = _parse(self._buffer, eof)
        except BadResponse as exc:
            waiter.set_exception(exc)
            return
        if answer is not None:
            waiter.set_result(answer)
        elif eof:
            reason = f": {error}" if error else ""
            waiter.set_exception(BadResponse(f"the server closed the connection{reason}"))


def _parse(buffer: bytearray, eof: bool) -> tuple[int, bytes, bool] | None:
    """A complete answer taken off the front of `buffer`, or None while it is incomplete."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if len(buffer) > MAX_HEAD:
            raise BadResponse("response head too long")
        return None
    lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise BadResponse(f"not an HTTP/1.x answer: {lines[0][:40]!r}")
    status = int(code)
    start = end + 4
    if 100 <= status < 200:  # an interim answer (100 Continue): the real one follows
        del buffer[:start]
        return _parse(buffer, eof)
    fields: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip().lower()
    keep = version == "HTTP/1.1" and "close" not in fields.get("connection", "")
    if status in (204, 304):
        body, consumed = b"", start
    elif "chunked" in fields.get("transfer-encoding", ""):
        found = _chunked(buffer, start)
        if found is None:
            return None
        body, consumed = found
    elif "content-length" in fields:
        length = int(fields["content-length"])
        if len(buffer) - start < length:
            return None
        body, consumed = bytes(buffer[start : start + length]), start + length
    else:  # the body runs until the server closes
        if not eof:
            return None
        body, consumed, keep = bytes(buffer[start:]), len(buffer), False
    del buffer[:consumed]
    return status, body, keep


def _chunked(buffer: bytearray, position: int) -> tuple[bytes, int] | None:
    """A chunked body from `position`: (body, end) once its last chunk is in."""
    parts: list[bytes] = []
    while True:
        line_end = buffer.find(b"\r\n", position)
        if line_end < 0:
            return None
        size_text = bytes(buffer[position:line_end]).split(b";")[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError as exc:
            raise BadResponse(f"bad chunk size {size_text[:20]!r}") from exc
        position = line_end + 2
        if size == 0:  # the last chunk; then trailers (usually none) and an empty line
            if buffer[position : position + 2] == b"\r\n":
                return b"".join(parts), position + 2
            trailers_end = buffer.find(b"\r\n\r\n", position)
            return None if trailers_end < 0 else (b"".join(parts), trailers_end + 4)
        if len(buffer) < position + size + 2:
            return None
        parts.append(bytes(buffer[position : position + size]))
        position += size + 2


class Pool:
    """At most `size` connections in use at once; idle ones reused newest first, dropped
    after `keepalive` seconds or once the server closed them."""

    def __init__(self, size: int, keepalive: float) -> None:
        self._slots = asyncio.Semaphore(size)
        self._idle: list[Connection] = []
        self._keepalive = keepalive
        self._ssl: ssl.SSLContext | None = None

    async def request(
        self,
        target: Target,
        request: bytes,
        *,
        pool_timeout: float | None,
        connect_timeout: float | None,
        read_timeout: float | None,
    ) -> tuple[int, bytes]:
        """Send `request` (a whole HTTP/1.1 request) to `target`'s origin: (status, body)."""
        try:
            async with asyncio.timeout(pool_timeout):
                await self._slots.acquire()
        except TimeoutError as exc:
            raise PoolFull("every connection stayed busy") from exc
        try:
            connection = self._take(target.origin)
            if connection is None:
                connection = await self._connect(target.origin, connect_timeout)
            try:
                status, body, keep = await connection.exchange(request, read_timeout)
            except BaseException:
                connection.close()
                raise
            if keep and connection.usable():
                connection.idle_since = time.monotonic()
                self._idle.append(connection)
            else:
                connection.close()
            return status, body
        finally:
            self._slots.release()

    def _take(self, origin: tuple[str, str, int]) -> Connection | None:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            fresh = now - connection.idle_since < self._keepalive
            if connection.origin == origin and fresh and connection.usable():
                return connection
            connection.close()
        return None

    async def _connect(self, origin: tuple[str, str, int], seconds: float | None) -> Connection:
        scheme, host, port = origin
        context = self._context() if scheme == "https" else None
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(seconds):
                _, connection = await loop.create_connection(
                    lambda: Connection(origin),
                    host,
                    port,
                    ssl=context,
                    server_hostname=host if context else None,
                )
        except TimeoutError as exc:
            raise TimedOutError(f"no connection to {host}:{port} in time") from exc
        except (OSError, ssl.SSLError) as exc:
            raise ConnectFailed(f"{host}:{port}: {exc}") from exc
        return connection

    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            import certifi  # httpx's certificate bundle, so https works as PTB's client does

            self._ssl = ssl.create_default_context(cafile=certifi.where())
        return self._ssl

    def close(self) -> None:
        """Close the idle connections (one in use closes when its answer is in)."""
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
