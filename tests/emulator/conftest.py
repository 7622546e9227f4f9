"""Fixtures for the emulator tests: a started Emulator on a free port with a fake clock."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the project is not installed in the venv
    sys.path.insert(0, str(ROOT))

from bot.emulator import Emulator, EmulatorConfig  # noqa: E402

TOKEN = "123456:TEST-token_abc"
OTHER_TOKEN = "654321:other-token"


class FakeClock:
    """A manually advanced monotonic clock for the token buckets."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


class BotCaller:
    """Calls Bot API methods of one token over HTTP."""

    def __init__(self, client: httpx.AsyncClient, base: str, token: str) -> None:
        self.client = client
        self.base = base
        self.token = token

    async def call(self, method: str, **params: Any) -> httpx.Response:
        """POST a JSON body to /bot<token>/<method>."""
        return await self.client.post(f"{self.base}{self.token}/{method}", json=params)

    async def ok(self, method: str, **params: Any) -> Any:
        """Call and assert success; return ``result``."""
        resp = await self.call(method, **params)
        body = resp.json()
        assert resp.status_code == 200 and body["ok"], body
        return body["result"]

    async def error(self, method: str, status: int, **params: Any) -> dict[str, Any]:
        """Call and assert an error with ``status``; return the error body."""
        resp = await self.call(method, **params)
        body: dict[str, Any] = resp.json()
        assert resp.status_code == status, body
        assert body["ok"] is False and body["error_code"] == status
        return body


class Client:
    """The client API (acting users) of the emulator."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client

    async def post(self, path: str, status: int = 200, **body: Any) -> Any:
        """POST JSON and check the status."""
        resp = await self.http.post(path, json=body)
        assert resp.status_code == status, resp.text
        return resp.json()

    async def get(self, path: str, status: int = 200, **params: Any) -> Any:
        """GET with query parameters and check the status."""
        resp = await self.http.get(path, params=params)
        assert resp.status_code == status, resp.text
        return resp.json()

    async def user(self, first_name: str = "张三", lang: str = "zh-CN") -> int:
        """Create a user and return the id."""
        data = await self.post("/api/users", first_name=first_name, language_code=lang)
        return int(data["user"]["id"])

    async def say(self, uid: int, text: str, **extra: Any) -> dict[str, Any]:
        """The user sends a text message to the bot."""
        data: dict[str, Any] = await self.post(f"/api/users/{uid}/messages", text=text, **extra)
        return data


@pytest.fixture
def clock() -> FakeClock:
    """The fake clock injected into the emulator."""
    return FakeClock()


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[Emulator]:
    """A started emulator on a free port, with TOKEN registered as the default bot."""
    emulator = Emulator(EmulatorConfig(port=0), clock=clock)
    emulator.add_bot(TOKEN)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
async def http(emu: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the emulator."""
    async with httpx.AsyncClient(base_url=emu.url, trust_env=False, timeout=30) as client:
        yield client


@pytest.fixture
def bot(http: httpx.AsyncClient, emu: Emulator) -> BotCaller:
    """Bot API caller for TOKEN."""
    return BotCaller(http, emu.bot_api_base, TOKEN)


@pytest.fixture
def api(http: httpx.AsyncClient) -> Client:
    """Client API helper."""
    return Client(http)
