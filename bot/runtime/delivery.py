"""The delivery engine: sends outbox rows through the flood gate, on python-telegram-bot's
JobQueue (APScheduler).

Rows are written in the same transaction as the change that causes them. A pass claims the
due rows (lane order: personal notices before bulk), sends each chat's rows in order and
different chats concurrently, and records every outcome. Passes run right after a commit
(`kick`), at the next due time (a wake-up job named "DELIVERY due"), and on a periodic sweep
("DELIVERY sweep"); misfired jobs run late instead of being dropped. At start-up the jobs are
rebuilt from the rows and rows a crash left 'sending' are put back.

Bulk outcomes are committed in batches (every RECORD_EVERY seconds); an id leaves the batch
only once its 'sent' is committed. A pass ends with a final, shielded flush that retries while
the database refuses (locked, full), so no pass ends with sent-but-unrecorded rows, even when
a shutdown cancels it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
import sqlite3
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from jinja2 import TemplateError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ContextTypes, ExtBot
from telegram.warnings import PTBUserWarning

from bot.core.clock import Clock
from bot.core.render import Renderer, fits_caption
from bot.runtime import jobs
from bot.runtime.jobs import AnyApp
from bot.runtime.ratelimit import retry_seconds
from storage import bulletins, outbox, people
from storage.cluster import CLAIMERS
from storage.db import Database

log = logging.getLogger(__name__)

SWEEP_JOB = "DELIVERY sweep"
WAKE_JOB = "DELIVERY due"
KICK_JOB = "DELIVERY kick"
MAX_ATTEMPTS = 8
RECORD_EVERY = 0.1  # seconds between writes of 'sent' outcomes
RETRY_WRITE = (0.5, 30.0)  # first and longest wait before an outcome write is tried again
UNLIMITED_BATCH = 500  # rows per claim when no flood gate paces us
# PostgreSQL: a row another process claimed, and left 'sending', is put back when the claimer's
# lock is free (the process died: its connection closed) or, whatever the lock says, this long
# after the claim (a leader that lost its lock stops within seconds; a reply's send is one call).
CLAIM_LEASE = timedelta(minutes=5)
RENDER_CACHE = 256
T = TypeVar("T")


def backoff(attempts: int) -> timedelta:
    """Wait before retrying after a timeout or network error: 2, 4, 8 … 300 seconds."""
    return timedelta(seconds=min(300, 2 ** (attempts + 1)))


class Delivery:
    """Sends due outbox rows; one pass at a time."""

    def __init__(
        self,
        db: Database,
        renderer: Renderer,
        clock: Clock,
        *,
        batch: int = 60,
        concurrency: int = 16,
    ) -> None:
        self.db, self.renderer, self.clock = db, renderer, clock
        self.batch = batch
        self._slots = asyncio.Semaphore(concurrency)  # chats sent to at once
        self._lock = asyncio.Lock()
        self._again = False
        self.app: AnyApp | None = None
        # In a cluster, a worker that is not the leader sends nothing but a reply right after
        # its commit (`deliver_now`): a kick asks the leader (bot/runtime/cluster.py).
        self.elsewhere: Callable[[], None] | None = None
        # chats whose remaining rows wait, and until when (after their failed row, in order)
        self._stopped_chats: dict[int, datetime] = {}
        self._sent: list[int] = []  # sent, not yet committed as sent (they leave once it is)
        self._recording = asyncio.Lock()
        self._render_cache: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._parts: OrderedDict[int, str] = OrderedDict()
        # this process in the rows it claims (host, pid and a token: a restart is another)
        self.claimer = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        # False while a cluster worker's claimer's lock is not held (its session connection
        # dropped; bot/runtime/leadership.py): recovery may put its rows back, so it claims none.
        self.claiming = True

    async def recover(self) -> int:
        """At start-up (and on each sweep, in a cluster): rows left 'sending' by a crash go
        back to 'pending'. On PostgreSQL only those claimed by another process more than
        CLAIM_LEASE ago: a younger claim may be a live worker's send (never sent twice)."""
        if self.db.backend != "postgres":
            return await outbox.recover(self.db, self.claimer)
        return await outbox.recover(
            self.db, self.claimer, self.clock.now() - CLAIM_LEASE, alive=CLAIMERS
        )

    async def run_pass(self, bot: ExtBot[Any]) -> int:
        """Send every row that is due now; returns how many were sent."""
        self._again = True
        if self._lock.locked():
            return 0  # the running pass sees the new rows
        sent = 0
        batch = self.batch if bot.rate_limiter else UNLIMITED_BATCH
        async with self._lock:
            stop = asyncio.Event()
            recorder = asyncio.create_task(self._record_periodically(stop))
            try:
                while self._again:
                    self._again = False
                    while items := await self._claim(batch):
                        self._again = True
                        sent += await self._send_batch(bot, items)
            finally:
                stop.set()  # the recorder finishes its write; a shutdown cannot cut the flush
                await asyncio.shield(self._flush(recorder))
        await self._schedule_wake()
        return sent

    async def deliver_now(self, bot: ExtBot[Any], dedupe_key: str) -> bool:
        """Send one row at once, outside a pass (the answer to a committed action); True if
        it went out. A failure leaves it to the passes, like any other row."""
        if not self.claiming:
            return False  # the leader sends it (the caller's kick)
        item = await outbox.claim_key(self.db, dedupe_key, self.clock.now(), self.claimer)
        if item is None:
            return False
        sent = await self._deliver(bot, item)
        if not sent:
            await self._schedule_wake()
        return sent

    async def _claim(self, limit: int) -> list[outbox.OutboxItem]:
        """Due rows, or none while the database is locked (the next sweep tries again)."""
        if not self.claiming:
            return []
        try:
            return await outbox.claim(self.db, self.clock.now(), limit, self.claimer)
        except sqlite3.OperationalError as exc:
            log.warning("outbox: cannot claim rows now (%s); the next pass tries again", exc)
            return []

    async def _record(self) -> None:
        """Commit the buffered 'sent' outcomes; ids leave the buffer only once committed."""
        async with self._recording:
            done = list(self._sent)
            lost = await outbox.mark_sent(self.db, done, self.clock.now(), self.claimer)
            del self._sent[: len(done)]  # only this method removes; sends only append
        if lost:  # sent, but meanwhile put back and taken by another worker: theirs to record
            log.warning("outbox: sent rows no longer this worker's claims: %s", lost[:10])

    async def _record_periodically(self, stop: asyncio.Event) -> None:
        """Bound what a crash can make us send twice to RECORD_EVERY seconds of sends."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RECORD_EVERY)
            try:
                await self._record()
            except sqlite3.OperationalError as exc:
                log.warning("outbox: %d sends not recorded yet (%s)", len(self._sent), exc)

    async def _flush(self, recorder: asyncio.Task[None]) -> None:
        """The end of a pass: every send it made is committed before it returns."""
        await recorder
        await self._durably(self._record)

    async def _durably(self, write: Callable[[], Awaitable[T]]) -> T:
        """An outcome write, tried again while the database refuses it (locked, disk full)."""
        wait = RETRY_WRITE[0]
        while True:
            try:
                return await write()
            except sqlite3.OperationalError as exc:
                log.warning("outbox: cannot record an outcome (%s); retrying in %.1f s", exc, wait)
            await asyncio.sleep(wait)
            wait = min(wait * 2, RETRY_WRITE[1])

    async def _outcome(self, write: Callable[..., Awaitable[bool]], item_id: int, *a: Any) -> None:
        """Record a claimed row's outcome (durably); a row no longer ours — its claim was put
        back (lease over, or we seemed dead) and maybe taken by another worker — is left."""
        if not await self._durably(partial(write, self.db, item_id, *a, claimer=self.claimer)):
            log.warning("outbox %s: no longer this worker's claim; left to its new one", item_id)

    async def _send_batch(self, bot: ExtBot[Any], items: list[outbox.OutboxItem]) -> int:
        by_chat: dict[int, list[outbox.OutboxItem]] = defaultdict(list)
        for item in items:
            by_chat[item.chat_id].append(item)

        async def one_chat(chat_items: list[outbox.OutboxItem]) -> int:
            async with self._slots:
                done = 0
                for number, item in enumerate(chat_items):
                    if await self._deliver(bot, item):
                        done += 1
                    elif item.chat_id in self._stopped_chats:
                        until = self._stopped_chats[item.chat_id]
                        for rest in chat_items[number + 1 :]:
                            await self._outcome(outbox.retry_at, rest.id, until, "held")
                        break
                return done

        self._stopped_chats.clear()
        results = await asyncio.gather(*(one_chat(group) for group in by_chat.values()))
        return sum(results)

    async def _deliver(self, bot: ExtBot[Any], item: outbox.OutboxItem) -> bool:
        """Send one row and record what happened; True if it was sent."""
        ctx: dict[str, Any] = dict(item.context)
        now = self.clock.now()
        try:
            if "bulletin_part" in ctx:
                ctx["text"] = await self._part(int(ctx["bulletin_part"]))
            text = self._render(item.template, ctx)
            await self._send(bot, item, ctx, text)
        except Forbidden as exc:
            reason = f"blocked: {exc.message}"
            await self._durably(partial(people.mark_blocked, self.db, item.chat_id, now))
            await self._outcome(outbox.finish, item.id, "failed", now, reason)
            log.info("outbox %s: %s blocked the bot; skipped from now on", item.id, item.chat_id)
            return False
        except RetryAfter as exc:
            until = now + timedelta(seconds=retry_seconds(exc))
            await self._outcome(outbox.retry_at, item.id, until, "flood control")
            self._stopped_chats[item.chat_id] = until
            return False
        except BadRequest as exc:
            reason = exc.message
            await self._outcome(outbox.finish, item.id, "dead", now, reason)
            log.warning("outbox %s (%s) dead letter: %s", item.id, item.kind, reason)
            return False
        except NetworkError as exc:  # timeouts included
            reason, until = f"network: {exc.message}", now + backoff(item.attempts)
            if item.attempts + 1 >= MAX_ATTEMPTS:
                await self._outcome(outbox.finish, item.id, "dead", now, reason)
                log.warning("outbox %s dead after %s attempts", item.id, MAX_ATTEMPTS)
            else:
                await self._outcome(outbox.retry_at, item.id, until, reason)
            self._stopped_chats[item.chat_id] = until
            return False
        except (TemplateError, KeyError, TypeError) as exc:
            reason = f"template: {exc}"
            await self._outcome(outbox.finish, item.id, "dead", now, reason)
            log.error("outbox %s: cannot render %s: %s", item.id, item.template, exc)
            return False
        self._sent.append(item.id)  # bulk rows are recorded in batches: throughput
        if item.lane != outbox.LANE_BULK:  # a personal notice or a channel post: recorded
            with contextlib.suppress(sqlite3.OperationalError):  # at once, so a crash right
                await self._record()  # after it cannot resend it (else with the batch)
        return True

    async def _part(self, part_id: int) -> str:
        """A bulletin's message text, stored once however many followers receive it."""
        text = self._parts.get(part_id)
        if text is None:
            found = await bulletins.part_text(self.db, part_id)
            if found is None:
                raise KeyError(f"bulletin part {part_id} is gone")
            text = self._parts[part_id] = found
            if len(self._parts) > RENDER_CACHE:
                self._parts.popitem(last=False)
        return text

    def _render(self, template: str, ctx: dict[str, Any]) -> str:
        """Render once per distinct message (a broadcast renders once per language)."""
        key = (template, json.dumps(ctx, sort_keys=True, ensure_ascii=False))
        text = self._render_cache.get(key)
        if text is None:
            text = self.renderer.render(str(ctx.get("language", "zh-CN")), template, **ctx)
            self._render_cache[key] = text
            if len(self._render_cache) > RENDER_CACHE:
                self._render_cache.popitem(last=False)
        return text

    async def _send(
        self, bot: ExtBot[Any], item: outbox.OutboxItem, ctx: dict[str, Any], text: str
    ) -> None:
        lane: dict[str, Any] = {"rate_limit_args": item.lane} if bot.rate_limiter else {}
        markup = _markup(ctx.get("buttons"))
        if ctx.get("chart") and await self._send_chart(bot, item, int(ctx["chart"]), text, lane):
            return
        location = ctx.get("location")
        if location:  # first: the text below says "see the pin above"
            await bot.send_location(item.chat_id, location[0], location[1], **lane)
        for voice in ctx.get("voices") or []:  # the resident's own words, to play: "see above"
            await bot.send_voice(item.chat_id, voice, **lane)
        photos = list(ctx.get("photos") or [])
        if len(photos) == 1 and fits_caption(text):
            await bot.send_photo(
                item.chat_id,
                photos[0],
                caption=text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                **lane,
            )
            return
        if len(photos) > 1:
            await bot.send_media_group(
                item.chat_id, [InputMediaPhoto(p) for p in photos[:10]], **lane
            )
        elif photos:
            await bot.send_photo(item.chat_id, photos[0], **lane)
        # The plain request: the answer need not be parsed into a Message object.
        api_kwargs: dict[str, Any] = {
            "chat_id": item.chat_id,
            "text": text,
            "parse_mode": ParseMode.HTML,
        }
        if markup is not None:
            api_kwargs["reply_markup"] = markup.to_dict()
        with warnings.catch_warnings():  # PTB nudges towards send_message; this is on purpose
            warnings.simplefilter("ignore", PTBUserWarning)
            await bot.do_api_request("sendMessage", api_kwargs=api_kwargs, **lane)

    async def _send_chart(
        self, bot: ExtBot[Any], item: outbox.OutboxItem, bulletin_id: int, text: str, lane: Any
    ) -> bool:
        """A bulletin's chart with its caption: uploaded once, then sent by Telegram's id."""
        png, file_id = await bulletins.chart(self.db, bulletin_id)
        photo = file_id or png
        if photo is None:
            return False
        message = await bot.send_photo(
            item.chat_id,
            photo,
            caption=text,
            parse_mode=ParseMode.HTML,
            **lane,
        )
        if file_id is None and message.photo:
            await bulletins.set_chart_file_id(self.db, bulletin_id, message.photo[-1].file_id)
        return True

    # Scheduling on the JobQueue ---------------------------------------------------------

    async def _job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.run_pass(context.bot)

    async def _sweep(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        if self.db.backend == "postgres":  # a claim whose lease ran out while we lead
            await self.recover()
        await self.run_pass(context.bot)

    def start(self, application: AnyApp, every: float) -> None:
        """Sweep periodically and run a first pass now (misfires run late, never dropped)."""
        self.app = application
        jobs.start_sweep(application, self._sweep, SWEEP_JOB, every)

    def kick(self, application: AnyApp) -> None:
        """Send what is due now, in the background (right after a commit). Not once the
        application is stopping: the scheduler's shutdown would cancel the job mid-send; the
        rows wait in the outbox for the first pass after the next start."""
        if self.app is None and self.elsewhere is not None:
            self.elsewhere()
            return
        self._again = True
        if application.job_queue is not None and application.running:
            application.job_queue.run_once(
                jobs.guarded(self._job, KICK_JOB), 0, name=KICK_JOB, job_kwargs=jobs.JOB_KWARGS
            )

    def kick_soon(self) -> None:
        """`kick` on the application this engine was started on (no-op before start-up; in a
        cluster, a worker's kick goes to the leader)."""
        if self.app is None and self.elsewhere is not None:
            self.elsewhere()
        elif self.app is not None:
            self.kick(self.app)

    async def _schedule_wake(self) -> None:
        """One wake-up job at the next due time (replacing an earlier one)."""
        if self.app is not None:
            due = await outbox.next_due(self.db)
            jobs.schedule_wake(self.app, self._job, WAKE_JOB, due, self.clock.now())


def _markup(rows: Any) -> InlineKeyboardMarkup | None:
    """Buttons stored with a row: [[[label, callback_data], ...], ...]."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )
