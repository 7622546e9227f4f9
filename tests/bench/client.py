"""The simulated users' HTTP client: the bot's own keep-alive client (bot/runtime/http11.py)
with the few calls the users make (GET with a query, POST with JSON).

Why not httpx: flat out, the users' process following 50 residents through httpx spent more
CPU per action than the bot it measured (~98 % of a core), so the updates/s row measured the
harness. A call here costs a few dozen microseconds, as it does in the bot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bot.runtime.http11 import HttpError, Pool, Target

__all__ = ["HttpError", "LeanClient", "Response"]

_HEAD = (
    b"%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
)


@dataclass(frozen=True)
class Response:
    """A status and a body."""

    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


class LeanClient:
    """Requests to one server (``base_url``), at most ``size`` at once, each within
    ``timeout`` seconds."""

    def __init__(self, base_url: str, size: int, timeout: float) -> None:
        self._base = base_url.rstrip("/")
        self._pool = Pool(size, keepalive=300.0)
        self._timeout = timeout

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Response:
        """GET ``path`` with ``params`` as its query."""
        query = f"?{urlencode(params)}" if params else ""
        return await self._send(b"GET", path + query, b"")

    async def post(self, path: str, json: Any = None) -> Response:
        """POST ``json`` to ``path``."""
        return await self._send(b"POST", path, _dumps(json))

    async def _send(self, method: bytes, path: str, body: bytes) -> Response:
        target = Target.of(self._base + path)
        head = _HEAD % (method, target.path, target.host_header, len(body))
        status, content = await self._pool.request(
            target,
            head + body,
            pool_timeout=self._timeout,
            connect_timeout=self._timeout,
            read_timeout=self._timeout,
        )
        return Response(status, content)

    def close(self) -> None:
        """Close the idle connections."""
        self._pool.close()


def _dumps(value: Any) -> bytes:
    return b"" if value is None else json.dumps(value, ensure_ascii=False).encode()
