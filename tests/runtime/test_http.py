"""The Bot API client (bot/runtime/http.py) against a real HTTP/1.1 server on localhost."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import pytest
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.runtime.http import BotApiRequest

OK = b'{"ok":true,"result":true}'


@dataclass
class Server:
    """Answers every request with OK; `hold` keeps answers back; `close_after` closes the
    connection after that many answers on it."""

    port: int = 0
    connections: int = 0
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    hold: asyncio.Event | None = None
    close_after: int | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        answered = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line, *lines = head.decode().split("\r\n")
                fields = (x.partition(":") for x in lines if x)
                headers = {k.lower(): v.strip() for k, _, v in fields}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests.append((line, headers, body))
                self.arrived.set()
                if self.hold is not None:
                    await self.hold.wait()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(OK), OK))
                await writer.drain()
                answered += 1
                if self.close_after is not None and answered >= self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    state = Server()
    listening = await asyncio.start_server(state.serve, "127.0.0.1", 0)
    state.port = listening.sockets[0].getsockname()[1]
    async with listening:
        yield state
        listening.close()


def _data(**params: object) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in params.items()])


async def _client(size: int = 4, **timeouts: float) -> BotApiRequest:
    request = BotApiRequest(size, **timeouts)
    await request.initialize()
    return request


async def test_a_call_sends_the_parameters_as_a_form_and_returns_status_and_body(
    server: Server,
) -> None:
    request = await _client()
    url = f"http://127.0.0.1:{server.port}/botTOKEN/sendMessage"
    status, body = await request.do_request(url, "POST", _data(chat_id=5, text="你好 & = ✓"))
    await request.shutdown()
    assert (status, body) == (200, OK)
    line, headers, sent = server.requests[0]
    assert line == "POST /botTOKEN/sendMessage HTTP/1.1"
    assert headers["host"] == f"127.0.0.1:{server.port}"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(sent.decode())) == {"chat_id": "5", "text": "你好 & = ✓"}


async def test_calls_one_after_another_reuse_one_connection(server: Server) -> None:
    request = await _client()
    url = f"http://127.0.0.1:{server.port}/botTOKEN/getMe"
    for _ in range(5):
        assert (await request.do_request(url, "POST"))[0] == 200
    await request.shutdown()
    assert len(server.requests) == 5
    assert server.connections == 1
    assert server.requests[0][1]["content-length"] == "0"


async def test_a_connection_the_server_closed_while_idle_is_replaced_without_an_error(
    server: Server,
) -> None:
    server.close_after = 1
    request = await _client()
    url = f"http://127.0.0.1:{server.port}/botTOKEN/getMe"
    for _ in range(3):
        await request.do_request(url, "POST")
        await asyncio.sleep(0)  # the event loop sees the server's close (no time passes)
        await asyncio.sleep(0)
    await request.shutdown()
    assert server.connections == 3


async def test_a_full_pool_is_a_pool_timeout_and_nothing_is_sent(server: Server) -> None:
    server.hold = asyncio.Event()
    request = await _client(size=1, pool_timeout=0.05)
    url = f"http://127.0.0.1:{server.port}/botTOKEN/getMe"
    first = asyncio.create_task(request.do_request(url, "POST"))
    await server.arrived.wait()  # the first request reached the server
    with pytest.raises(TimedOut, match="Pool timeout"):
        await request.do_request(url, "POST")
    server.hold.set()
    assert (await first)[0] == 200
    await request.shutdown()
    assert len(server.requests) == 1


async def test_no_answer_in_time_is_timed_out(server: Server) -> None:
    server.hold = asyncio.Event()
    request = await _client(read_timeout=0.05)
    with pytest.raises(TimedOut):
        await request.do_request(f"http://127.0.0.1:{server.port}/botTOKEN/getMe", "POST")
    server.hold.set()
    await request.shutdown()


async def test_nobody_listening_is_a_network_error() -> None:
    listening = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    listening.close()
    await listening.wait_closed()
    request = await _client()
    with pytest.raises(NetworkError, match="ConnectFailed"):
        await request.do_request(f"http://127.0.0.1:{port}/botTOKEN/getMe", "POST")
    await request.shutdown()


async def test_an_upload_goes_as_multipart_through_the_stock_client(server: Server) -> None:
    request = await _client()
    photo = InputFile(b"\x89PNG fake", filename="chart.png")
    data = _data(chat_id=5, photo=photo)
    status, body = await request.do_request(
        f"http://127.0.0.1:{server.port}/botTOKEN/sendPhoto", "POST", data
    )
    await request.shutdown()
    assert (status, json.loads(body)) == (200, {"ok": True, "result": True})
    _, headers, sent = server.requests[0]
    assert headers["content-type"].startswith("multipart/form-data")
    assert b"chart.png" in sent and b"\x89PNG fake" in sent


async def test_an_answer_cut_off_by_the_server_is_a_network_error() -> None:
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"ok":')
        await writer.drain()
        writer.close()

    listening = await asyncio.start_server(cut, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    request = await _client()
    async with listening:
        with pytest.raises(NetworkError, match="closed the connection"):
            await request.do_request(f"http://127.0.0.1:{port}/botTOKEN/getMe", "POST")
    await request.shutdown()
