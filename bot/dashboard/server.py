"""The screen's web server (tornado, on MINHU_WEB_PORT): the page, its JSON and its live feed.

Every request but the two ways in (/login, /kiosk) needs a live session: its cookie is
looked up and its scope worked out again from the database at each request (`access`);
without one, nothing is served — not even the page's script. Files are served from a fixed
list, never from a path the browser sends. The login token rides in the URL once: the page
never sends a Referer and is never cached.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from datetime import datetime
from importlib import resources
from typing import Any

import tornado.netutil
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.iostream import StreamClosedError

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.render import Renderer, pick_language
from bot.dashboard import access, board, figures
from bot.dashboard.access import Refused, Scope
from bot.dashboard.live import Listener, Live
from storage.db import Database

log = logging.getLogger(__name__)

COOKIE = "minhu_screen"
TOWN_SECONDS = 30.0  # names, staff and the map are read again after this long
FIGURES_SECONDS = 60.0  # the figures are counted again after this long
HEARTBEAT = 15.0  # seconds between a live page's keep-alives (and its session's re-check)
FILES = {  # what /static/ serves, and nothing else
    "app.js": "application/javascript; charset=utf-8",
    "map.js": "application/javascript; charset=utf-8",
    "charts.js": "application/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'",
}


def static_file(name: str) -> bytes:
    """One of the page's files, from the package."""
    return (resources.files("bot.dashboard") / "static" / name).read_bytes()


class Screen:
    """The server: its app, its live feed; started and stopped with the bot."""

    def __init__(self, db: Database, settings: Settings, renderer: Renderer, clock: Clock) -> None:
        self.db, self.settings, self.renderer, self.clock = db, settings, renderer, clock
        self.live = Live(db, clock.now, settings.tz)
        self.app = tornado.web.Application(
            [
                (r"/", PageHandler),
                (r"/login", LoginHandler),
                (r"/kiosk", KioskHandler),
                (r"/logout", LogoutHandler),
                (r"/static/([A-Za-z0-9_.-]+)", StaticHandler),
                (r"/api/state", StateHandler),
                (r"/api/case/([0-9]{1,12})", CaseHandler),
                (r"/api/figures", FiguresHandler),
                (r"/api/live", LiveHandler),
            ],
            screen=self,
            default_handler_class=NotFoundHandler,
        )
        self._server: HTTPServer | None = None
        self._town: dict[str, tuple[float, dict[str, Any]]] = {}
        self._figures: dict[str, tuple[float, dict[str, Any]]] = {}

    async def figures(self, scope: Scope) -> dict[str, Any]:
        """The figures of a scope, counted again after `FIGURES_SECONDS` (one count serves
        every page of the scope: the rankings read a month of records)."""
        found = self._figures.get(scope.key)
        now = time.monotonic()
        if found is None or now - found[0] > FIGURES_SECONDS:
            value = await figures.figures(self.db, self.settings, scope, self.clock.now())
            found = (now, value)
            self._figures[scope.key] = found
        return found[1]

    async def town(self, scope: Scope) -> dict[str, Any]:
        """Names, staff and the map of a scope, read again after `TOWN_SECONDS`."""
        found = self._town.get(scope.key)
        now = time.monotonic()
        if found is None or now - found[0] > TOWN_SECONDS:
            found = (now, await board.town(self.db, scope))
            self._town[scope.key] = found
        return found[1]

    async def start(
        self, port: int | None = None, address: str | None = None, *, live: bool = True
    ) -> int:
        """Listen (port 0: a free one); the port. `live=False`: the feed looks at the database
        only when told (`self.live.look()`, for tests with a manual clock)."""
        await access.key_of(self.db, self.settings)  # made once, before the first link
        self._server = HTTPServer(self.app, xheaders=False)
        sockets = tornado.netutil.bind_sockets(
            (self.settings.web_port or 0) if port is None else port,
            address or self.settings.web_listen,
        )
        self._server.add_sockets(sockets)
        if live:
            self.live.start()
        return int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        await self.live.stop()
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None


class Base(tornado.web.RequestHandler):
    """A request: the screen's headers; `scope` for every handler that needs a session."""

    scope: Scope

    @property
    def screen(self) -> Screen:
        found = self.settings["screen"]
        assert isinstance(found, Screen)
        return found

    def set_default_headers(self) -> None:
        for name, value in HEADERS.items():
            self.set_header(name, value)

    def now(self) -> datetime:
        return self.screen.clock.now()

    def language(self) -> str:
        wanted = self.request.headers.get("Accept-Language", "")
        return "en" if wanted.lower().startswith("en") else pick_language("zh")

    def refuse(self, status: int, reason: str) -> None:
        """A short page (or JSON for the API) saying why; nothing else."""
        self.set_status(status)
        if self.request.path.startswith("/api/") or self.request.path.startswith("/static/"):
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"refused": reason}))
            return
        text = self.screen.renderer.render(self.language(), "dashboard.web_refused", reason=reason)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(
            '<!doctype html><meta charset="utf-8"><meta name="viewport" '
            'content="width=device-width"><title>Minhu</title>'
            f"<body><p>{text}</p></body>"
        )

    async def session_scope(self) -> Scope | None:
        """The session's scope, or None once refused (the answer is sent)."""
        session_id = self.get_cookie(COOKIE) or ""
        try:
            return await access.scope_of(
                self.screen.db, self.screen.settings, session_id, self.now()
            )
        except Refused as refused:
            self.clear_cookie(COOKIE, path="/")
            self.refuse(401, refused.reason)
            return None

    def write_json(self, value: Any) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


class Guarded(Base):
    """A handler that needs a session: refused before it runs without one."""

    async def prepare(self) -> None:
        found = await self.session_scope()
        if found is not None:
            self.scope = found


class NotFoundHandler(Base):
    def prepare(self) -> None:
        self.refuse(404, "not_found")


class LoginHandler(Base):
    async def get(self) -> None:
        """A one-time link from the bot: a session, then the page."""
        await self._enter(self.get_query_argument("t", ""), kiosk=False)

    async def _enter(self, token: str, *, kiosk: bool) -> None:
        screen = self.screen
        try:
            if kiosk:
                session_id = await access.open_kiosk(screen.db, screen.settings, token, self.now())
            else:
                session_id = await access.log_in(screen.db, screen.settings, token, self.now())
        except Refused as refused:
            self.refuse(403, refused.reason)
            return
        self.set_cookie(
            COOKIE,
            session_id,
            path="/",
            httponly=True,
            samesite="Strict",
            secure=screen.settings.screen_url.startswith("https:"),
            expires_days=365 if kiosk else None,
        )
        self.redirect("/")


class KioskHandler(LoginHandler):
    async def get(self) -> None:
        """A wall screen's link: a session until the kiosk is revoked."""
        await self._enter(self.get_query_argument("k", ""), kiosk=True)


class LogoutHandler(Guarded):
    async def post(self) -> None:
        await access.log_out(self.screen.db, self.get_cookie(COOKIE) or "", self.now())
        self.clear_cookie(COOKIE, path="/")
        self.write_json({"ok": True})


class PageHandler(Guarded):
    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(static_file("index.html"))


class StaticHandler(Guarded):
    def get(self, name: str) -> None:
        if name not in FILES:
            self.refuse(404, "not_found")
            return
        self.set_header("Content-Type", FILES[name])
        self.finish(static_file(name))


class StateHandler(Guarded):
    async def get(self) -> None:
        screen = self.screen
        cases = await screen.live.cases_json(self.scope)  # first: it may look at the database
        found = {
            "now": self.now().isoformat(timespec="seconds"),
            "viewer": await board.viewer(screen.db, self.scope),
            "today": await screen.live.today(self.scope),
            "remind_hours": screen.settings.ladder_remind_before.total_seconds() / 3600,
            **await screen.town(self.scope),
        }
        text = json.dumps(found, ensure_ascii=False, separators=(",", ":"))
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(f'{text[:-1]},"cases":{cases}}}')


class CaseHandler(Guarded):
    async def get(self, case_id: str) -> None:
        found = await board.card(self.screen.db, self.scope, int(case_id))
        if found is None:
            self.refuse(404, "not_found")
            return
        self.write_json(found)


class FiguresHandler(Guarded):
    async def get(self) -> None:
        self.write_json(await self.screen.figures(self.scope))


class LiveHandler(Guarded):
    async def get(self) -> None:
        """Server-sent events: the changed cases of this scope, as they change."""
        self.set_header("Content-Type", "text/event-stream; charset=utf-8")
        live = self.screen.live
        listener = self.listener = live.listen(self.scope)
        try:
            self.write("retry: 2000\n: hello\n\n")
            await self.flush()
            while True:
                try:
                    message = await asyncio.wait_for(listener.queue.get(), HEARTBEAT)
                except TimeoutError:
                    if await self._lapsed():
                        return
                    self.write(": ping\n\n")
                    await self.flush()
                    continue
                if message is None:
                    return
                self.write(f"data: {message}\n\n")
                await self.flush()
        except StreamClosedError:
            pass
        finally:
            live.leave(listener)

    listener: Listener | None = None

    def on_connection_close(self) -> None:
        """The page went away: its stream stops at once, not at the next heartbeat."""
        if self.listener is not None:
            self.screen.live.leave(self.listener)
            with contextlib.suppress(asyncio.QueueFull):
                self.listener.queue.put_nowait(None)

    async def _lapsed(self) -> bool:
        """Whether the session ended (expired, revoked, its holder no longer staff)."""
        try:
            await access.scope_of(
                self.screen.db, self.screen.settings, self.get_cookie(COOKIE) or "", self.now()
            )
        except Refused:
            return True
        return False
