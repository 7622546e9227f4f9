"""Delivery of outbox rows: notices that are not direct replies.

Rows are written in the same transaction as the change that causes them; this engine sends
what is due, records the outcome, and is woken right after a commit (`kick`) and by a periodic
sweep, so a row written before a crash is sent after the restart.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Bot, InputMediaPhoto
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, ContextTypes

from bot.clock import Clock
from bot.render import Renderer
from storage import outbox, people
from storage.db import Database

log = logging.getLogger(__name__)

SWEEP_JOB = "DELIVERY sweep"
KICK_JOB = "DELIVERY kick"


class Delivery:
    """Sends due outbox rows, one pass at a time."""

    def __init__(self, db: Database, renderer: Renderer, clock: Clock) -> None:
        self.db = db
        self.renderer = renderer
        self.clock = clock
        self._lock = asyncio.Lock()

    async def recover(self) -> int:
        """At start-up: rows left 'sending' by a crash go back to 'pending'."""
        async with self.db.transaction() as conn:
            cur = await conn.execute("UPDATE outbox SET state = 'pending' WHERE state = 'sending'")
            return cur.rowcount

    async def flush(self, bot: Bot) -> int:
        """Send every row that is due now; returns how many were sent."""
        sent = 0
        async with self._lock:
            while True:
                items = await outbox.due(self.db, self.clock.now(), limit=50)
                if not items:
                    return sent
                for item in items:
                    if await self._send_one(bot, item):
                        sent += 1
                    elif await self._still_pending(item.id):
                        return sent  # back off until the next sweep

    async def _still_pending(self, item_id: int) -> bool:
        state = await self.db.fetchval("SELECT state FROM outbox WHERE id = ?", (item_id,))
        return bool(state == "pending")

    async def _send_one(self, bot: Bot, item: outbox.OutboxItem) -> bool:
        ctx: dict[str, Any] = dict(item.context)
        language = str(ctx.get("language", "zh-CN"))
        now = self.clock.now()
        try:
            text = self.renderer.render(language, item.template, **ctx)
            photos = list(ctx.get("photos") or [])
            if len(photos) > 1:
                await bot.send_media_group(item.chat_id, [InputMediaPhoto(p) for p in photos[:10]])
            elif photos:
                await bot.send_photo(item.chat_id, photos[0])
            location = ctx.get("location")
            if location:
                await bot.send_location(item.chat_id, location[0], location[1])
            await bot.send_message(item.chat_id, text, parse_mode=ParseMode.HTML)
        except Forbidden as exc:
            await people.mark_blocked(self.db, item.chat_id, now)
            await outbox.mark(self.db, item.id, "failed", now, f"blocked: {exc.message}")
            log.info("outbox %s: recipient %s blocked the bot", item.id, item.chat_id)
            return False
        except BadRequest as exc:
            await outbox.mark(self.db, item.id, "dead", now, exc.message)
            log.warning("outbox %s dead letter: %s", item.id, exc.message)
            return False
        except RetryAfter as exc:
            log.warning("outbox %s: flood control, retry after %s", item.id, exc.retry_after)
            await outbox.mark(self.db, item.id, "pending", now, f"retry after {exc.retry_after}")
            return False
        except NetworkError as exc:
            await outbox.mark(self.db, item.id, "pending", now, f"network: {exc.message}")
            log.warning("outbox %s: network error %s, will retry", item.id, exc.message)
            return False
        await outbox.mark(self.db, item.id, "sent", now)
        return True

    async def _job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.flush(context.bot)

    def start(self, application: Application[Any, Any, Any, Any, Any, Any], every: float) -> None:
        """Sweep periodically (misfires are run late, never dropped)."""
        assert application.job_queue is not None
        application.job_queue.run_repeating(
            self._job,
            interval=every,
            first=0,
            name=SWEEP_JOB,
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )

    def kick(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Send what is due now, in the background (right after a commit)."""
        if application.job_queue is None:
            return
        application.job_queue.run_once(
            self._job, 0, name=KICK_JOB, job_kwargs={"misfire_grace_time": None}
        )
