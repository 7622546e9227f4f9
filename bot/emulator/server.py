"""The :class:`Emulator`: tornado application assembly, start/stop, thread and CLI runners."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler, StaticFileHandler

from . import clientapi as ca
from . import clientviews as cv
from .botapi import BotApiHandler, FileDownloadHandler, is_token
from .config import EmulatorConfig
from .models import BotRec
from .state import State
from .webhook import start_delivery, stop_delivery

STATIC_DIR = Path(__file__).parent / "static"
UID = r"(-?\d+)"


access_log = logging.getLogger("bot.emulator.access")


def _log_request(handler: RequestHandler) -> None:
    """Log requests at DEBUG level (tornado's default logs every 4xx as a warning)."""
    request = handler.request
    access_log.debug(
        "%d %s %s %.1fms",
        handler.get_status(),
        request.method,
        request.uri,
        1000.0 * request.request_time(),
    )


class IndexHandler(RequestHandler):
    """Serves the chat page."""

    def get(self) -> None:
        """GET / -> static/index.html."""
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish((STATIC_DIR / "index.html").read_bytes())


class Emulator:
    """An embedded Telegram Bot API emulator with a client API and a chat page."""

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config or EmulatorConfig()
        self.state = State(clock=clock)
        self._server: HTTPServer | None = None
        self._client: httpx.AsyncClient | None = None
        self._port: int | None = None

    # -- Host protocol ------------------------------------------------------------------------
    def start_webhook(self, bot: BotRec) -> None:
        """Start (or restart) webhook delivery for ``bot``."""
        if self._client is None:
            self._client = httpx.AsyncClient(trust_env=False)
        start_delivery(self.state, self.config, bot, self._client)

    def stop_webhook(self, bot: BotRec) -> None:
        """Stop webhook delivery for ``bot``."""
        stop_delivery(bot)

    # -- public API ------------------------------------------------------------------------------
    def add_bot(self, token: str, first_name: str = "Minhu", username: str | None = None) -> None:
        """Register a bot token in advance (optionally with its name/username)."""
        if not is_token(token):
            raise ValueError("token must look like <digits>:<secret>")
        if self.state.ensure_bot(token, first_name, username) is None:
            raise ValueError("a bot with this id is already registered with another token")

    def make_app(self) -> Application:
        """Build the tornado application (Bot API, client API, chat page)."""
        h = {"host": self}
        routes: list[Any] = [
            (r"/bot([^/]*)/([^/]*)", BotApiHandler, h),
            (r"/file/bot([^/]+)/(.+)", FileDownloadHandler, h),
            (r"/api/bots", ca.BotsHandler, h),
            (r"/api/users", ca.UsersHandler, h),
            (r"/api/users/bulk", ca.UsersBulkHandler, h),
            (rf"/api/users/{UID}", ca.UserHandler, h),
            (
                rf"/api/users/{UID}/(messages|photos|documents|location|contact|sticker|voice)",
                ca.UserSendHandler,
                h,
            ),
            (rf"/api/users/{UID}/callback", ca.CallbackPressHandler, h),
            (rf"/api/users/{UID}/(block|unblock)", ca.BlockHandler, h),
            (rf"/api/users/{UID}/commands", ca.UserCommandsHandler, h),
            (r"/api/callbacks/([^/]+)", ca.CallbackHandler, h),
            (r"/api/chats", cv.ChatsHandler, h),
            (rf"/api/chats/{UID}", cv.ChatHandler, h),
            (rf"/api/chats/{UID}/members", cv.ChatMembersHandler, h),
            (rf"/api/chats/{UID}/messages", cv.MessagesHandler, h),
            (r"/api/events", cv.EventsHandler, h),
            (r"/api/counters", cv.CountersHandler, h),
            (r"/api/stats/bot-messages", cv.BotMessageCountsHandler, h),
            (r"/api/counters/reset", cv.CountersHandler, h),
            (r"/api/config", cv.ConfigHandler, h),
            (r"/api/updates", cv.UpdatesHandler, h),
            (r"/api/reset", cv.ResetHandler, h),
            (rf"/api/files/{UID}/([^/]+)", cv.ClientFileHandler, h),
            (r"/", IndexHandler),
            (r"/static/(.*)", StaticFileHandler, {"path": str(STATIC_DIR)}),
        ]
        return Application(routes, compress_response=False, log_function=_log_request)

    async def start(self) -> None:
        """Start listening on ``config.host``/``config.port`` (port 0 picks a free port)."""
        if self._server is not None:
            return
        self.state.closed = False
        sockets = bind_sockets(self.config.port, address=self.config.host)
        self._port = sockets[0].getsockname()[1]
        self._server = HTTPServer(self.make_app(), max_body_size=100 * 1024 * 1024)
        self._server.add_sockets(sockets)
        self.state.base_url = self.url

    async def stop(self) -> None:
        """Stop serving: wake long polls, stop webhook delivery, close connections."""
        server, self._server = self._server, None
        if server is None:
            return
        self.state.closed = True
        self.state.notifier.notify()
        tasks = [bot.webhook_task for bot in self.state.bots.values() if bot.webhook_task]
        for bot in self.state.bots.values():
            stop_delivery(bot)
        await asyncio.gather(*tasks, return_exceptions=True)
        server.stop()
        for _ in range(10):  # let woken long polls answer before connections close
            await asyncio.sleep(0)
        await server.close_all_connections()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def port(self) -> int:
        """The listening port."""
        if self._port is None:
            raise RuntimeError("the emulator is not started")
        return self._port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8080``."""
        host = self.config.host
        if host in ("", "0.0.0.0", "::"):
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def bot_api_base(self) -> str:
        """python-telegram-bot ``base_url``: ``url + "/bot"``."""
        return self.url + "/bot"

    @property
    def file_base(self) -> str:
        """python-telegram-bot ``base_file_url``: ``url + "/file/bot"``."""
        return self.url + "/file/bot"


async def serve(config: EmulatorConfig | None = None) -> None:
    """Run an emulator until cancelled."""
    emu = Emulator(config)
    await emu.start()
    logging.getLogger(__name__).info(
        "Telegram emulator on %s (chat page %s/, Bot API base_url %s)",
        emu.url,
        emu.url,
        emu.bot_api_base,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await emu.stop()


@contextlib.contextmanager
def run_emulator_in_thread(
    config: EmulatorConfig | None = None, *, clock: Callable[[], float] = time.monotonic
) -> Iterator[Emulator]:
    """Run a started emulator in a background thread with its own event loop."""
    emu = Emulator(config, clock=clock)
    ready = threading.Event()
    failure: list[BaseException] = []
    holder: dict[str, Any] = {}

    async def main() -> None:
        stop_event = asyncio.Event()
        holder["loop"] = asyncio.get_running_loop()
        holder["stop"] = stop_event
        try:
            await emu.start()
        except BaseException as exc:
            failure.append(exc)
            ready.set()
            return
        ready.set()
        await stop_event.wait()
        await emu.stop()

    thread = threading.Thread(target=asyncio.run, args=(main(),), name="emulator", daemon=True)
    thread.start()
    ready.wait()
    if failure:
        thread.join()
        raise failure[0]
    try:
        yield emu
    finally:
        holder["loop"].call_soon_threadsafe(holder["stop"].set)
        thread.join(timeout=10)
