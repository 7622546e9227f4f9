"""The webhook receiver of a cluster (`minhu receive`): each update is stored before Telegram
gets its 200, so an update Telegram counts as delivered is never lost; the workers handle it.

Telegram retries an update until it gets a 2xx; a retry of a stored update_id is answered 200
and stored once. A request without the secret token is refused (403), a body that is not an
update 400: neither is stored.
"""

from __future__ import annotations

import hmac
import json
import logging

import tornado.web
from telegram import Bot, Update

from bot.core.clock import Clock
from bot.runtime.processor import chat_key
from storage import cluster, inbound
from storage.db import Database

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class _Hook(tornado.web.RequestHandler):
    """POST an update: stored and committed, then 200."""

    def initialize(self, db: Database, clock: Clock, secret: str) -> None:
        self.db, self.clock, self.secret = db, clock, secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(403)
        try:
            body = json.loads(self.request.body)
            if not isinstance(body, dict) or not isinstance(body.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(body, None)
        except (ValueError, TypeError, KeyError) as exc:
            raise tornado.web.HTTPError(400) from exc
        text = json.dumps(body, ensure_ascii=False)
        if await inbound.store(self.db, update.update_id, chat_key(update), text, self.clock.now()):
            await cluster.notify(self.db, cluster.INBOUND)
        self.set_status(200)
        self.finish()


def application(db: Database, clock: Clock, path: str, secret: str) -> tornado.web.Application:
    """The receiver's HTTP application: one route, `/<path>`."""
    route = "/" + path.lstrip("/")
    return tornado.web.Application([(route, _Hook, {"db": db, "clock": clock, "secret": secret})])


async def register(token: str, api_url: str, url: str, secret: str) -> None:
    """Tell the Bot API where to post updates (with the secret token)."""
    bot: Bot = Bot(token, base_url=api_url)
    async with bot:
        await bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
