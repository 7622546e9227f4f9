"""The webhook receiver of a cluster (`minhu receive`): each update is stored before Telegram
gets its 200, so an update Telegram counts as delivered is never lost; the workers handle it.

Telegram retries an update until it gets a 2xx; a retry of a stored update_id is answered 200
and stored once. A request without the secret token is refused (403), a body that is not an
update 400: neither is stored.

Several towns (MINHU_TOWNS): one receiver serves them all, each town's bot posting to
`<path>/<key>` with its own secret; its update is stored in that town's database (its
schema). A key that is no town's is 404, another town's secret 403: nothing stored.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

import tornado.web
from telegram import Bot, Update

from bot.core.clock import Clock
from bot.runtime.processor import chat_key
from storage import cluster, inbound
from storage.db import Database

Town = tuple[Database, str]  # where a town's updates are stored, and its secret

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _chat_of(message: Any) -> str | None:
    chat = message.get("chat") if isinstance(message, dict) else None
    number = chat.get("id") if isinstance(chat, dict) else None
    return f"chat:{number}" if isinstance(number, int) and not isinstance(number, bool) else None


def raw_chat_key(body: dict[str, Any]) -> str:
    """The update's chat key (as `processor.chat_key` gives it) read from its JSON: a few dict
    lookups for a message or a button press, the updates that come by the thousand; any other
    kind is read the long way (PTB's Update, which also refuses a malformed one)."""
    for kind in ("message", "edited_message"):
        if kind in body:
            found = _chat_of(body[kind])
            if found is not None:
                return found
    query = body.get("callback_query")
    if isinstance(query, dict) and "message" in query:
        found = _chat_of(query["message"])
        if found is not None:
            return found
    return chat_key(Update.de_json(body, None))


class _Hook(tornado.web.RequestHandler):
    """POST an update: stored and committed, then 200."""

    def initialize(self, towns: dict[str, Town], clock: Clock) -> None:
        self.towns, self.clock = towns, clock

    async def post(self, key: str = "") -> None:
        town = self.towns.get(key)
        if town is None:
            raise tornado.web.HTTPError(404)
        db, secret = town
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            raise tornado.web.HTTPError(403)
        try:
            text = self.request.body.decode()
            body = json.loads(text)
            if not isinstance(body, dict) or not isinstance(body.get("update_id"), int):
                raise ValueError("not an update")
            key = raw_chat_key(body)
        except (ValueError, TypeError, KeyError) as exc:
            raise tornado.web.HTTPError(400) from exc
        wake = cluster.channel(cluster.INBOUND, db.path)  # notified at the store's commit
        await inbound.store(db, body["update_id"], key, text, self.clock.now(), wake)
        self.set_status(200)
        self.finish()


def application(db: Database, clock: Clock, path: str, secret: str) -> tornado.web.Application:
    """The receiver's HTTP application: one route, `/<path>`."""
    route = "/" + path.lstrip("/")
    return tornado.web.Application([(route, _Hook, {"towns": {"": (db, secret)}, "clock": clock})])


def district_application(
    towns: dict[str, Town], clock: Clock, path: str
) -> tornado.web.Application:
    """The receiver of several towns: `/<path>/<key>`, each town's updates into its database."""
    base = path.strip("/")
    route = f"/{base}/([a-z][a-z0-9_]*)" if base else "/([a-z][a-z0-9_]*)"
    return tornado.web.Application([(route, _Hook, {"towns": towns, "clock": clock})])


async def register(token: str, api_url: str, url: str, secret: str) -> None:
    """Tell the Bot API where to post updates (with the secret token)."""
    bot: Bot = Bot(token, base_url=api_url)
    async with bot:
        await bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
