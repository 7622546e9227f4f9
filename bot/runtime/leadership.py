"""What one worker of a cluster runs besides its chats (bot/runtime/cluster.py): the leader's
lock, the watch on its session's connection, and the flood gate's shared buckets.

One worker at a time leads (an advisory lock on a connection of its own): it alone runs the
outbox's delivery, the timers and the scheduled jobs (`start_background`). The others ask again
every LEAD_RETRY seconds and one of them takes over within that when the leader's connection
dies. A leader whose connection fails stops (exit status 3): its jobs must not run twice.

Every worker's session connection also holds its outbox claimer's lock (`hold_claimer`): while
it is free, the leader's recovery puts this process's 'sending' rows back. A follower whose
session connection drops (the server restarted it, pg_terminate_backend, a network cut) claims
and sends nothing from that moment (the drop is heard at once), opens a new connection, takes
its claimer's lock again and listens again, then goes on: it never sends a row the leader may
have taken back while the lock was free.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.runtime.ratelimit import Limits
from bot.runtime.services import services_of
from storage import cluster as channels
from storage import flood, inbound
from storage.db import Database, StorageError

log = logging.getLogger(__name__)

LEAD_RETRY = 1.0  # seconds between a follower's tries at the leader's lock
LOST_LEADERSHIP = 3  # exit status of a leader whose connection failed
PRUNE_EVERY = 60  # leader's turns (LEAD_RETRY) between prunings
KEEP_DONE = timedelta(days=1)  # handled update ids kept against Telegram's retries
KEEP_BUCKETS = 3600.0  # seconds an unused flood bucket is kept (it would be full again)

App = Any  # the Application (bot.app.MinhuApp)


@dataclass
class Leadership:
    """Tries for the leader's lock; once taken, starts what runs once and watches the link.
    A follower watches its session too: lost, it stops claiming outbox rows until it holds its
    claimer's lock again on a new connection (`regained` is called then: the worker looks for
    updates whose notification it may have missed)."""

    app: App
    session: channels.Session
    start: Any  # async (app) -> None: bot.app.start_background
    leading: bool = False
    lost: bool = False
    turns: int = 0
    regained: Callable[[], None] | None = None
    reconnects: int = 0
    broken: asyncio.Event = field(default_factory=asyncio.Event)

    def watch(self) -> None:
        """Hear the session's connection close the moment it does."""
        self.session.on_lost(self._dropped)

    def _dropped(self) -> None:
        self._claiming(False)
        self.broken.set()

    def _claiming(self, allowed: bool) -> None:
        services_of(self.app).delivery.claiming = allowed

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if self.leading and (self.broken.is_set() or not await self.session.alive()):
                log.error("the leader's connection failed; stopping so its jobs never run twice")
                self.lost = True
                stop.set()
                return
            if not self.leading:
                try:
                    if self.broken.is_set():
                        raise channels.SessionLost("closed")
                    if await self.session.try_lead():
                        await self._lead()
                except channels.SessionLost:
                    await self._regain(stop)
                    continue
            else:
                await self._prune()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_either(stop, self.broken), LEAD_RETRY)

    async def _lead(self) -> None:
        self.leading = True
        town = services_of(self.app).settings.town or "the town"
        log.info("this worker leads %s: delivery, timers and scheduled jobs run here", town)
        await self.session.listen(channels.OUTBOX, self._kick)
        await self.start(self.app)

    async def _regain(self, stop: asyncio.Event) -> None:
        """The session's connection is gone, and with it the claimer's lock: claim nothing,
        connect again, take the lock again, listen again; then claim again."""
        self._claiming(False)
        log.warning("this worker's session connection was lost; it sends nothing until its "
                    "claimer's lock is held again on a new connection")  # fmt: skip
        while not stop.is_set():
            try:
                await self.session.reopen()
                break
            except (StorageError, OSError) as exc:
                log.warning("reconnecting the session failed (%s); trying again", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), LEAD_RETRY)
        if stop.is_set():
            return
        self.broken.clear()
        self.session.on_lost(self._dropped)
        self._claiming(True)
        self.reconnects += 1
        log.info("session connection back: this worker's claimer's lock is held again")
        if self.regained is not None:
            self.regained()

    def _kick(self) -> None:
        """A worker committed: send its rows, and see when its timers fall due."""
        services = services_of(self.app)
        services.delivery.kick_soon()
        if services.timers is not None:
            services.timers.wake_soon()

    async def _prune(self) -> None:
        self.turns += 1
        if self.turns % PRUNE_EVERY:
            return
        services = services_of(self.app)
        now = services.clock.now()
        await inbound.prune(services.db, now - KEEP_DONE)
        await flood.prune(services.db, now.timestamp() - KEEP_BUCKETS)


async def _either(a: asyncio.Event, b: asyncio.Event) -> None:
    waits = [asyncio.create_task(a.wait()), asyncio.create_task(b.wait())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()


def shared_flood(
    db: Database, limits: Limits, clock: Callable[[], float] = time.time
) -> Callable[[int | None, int], Awaitable[float]]:
    """The flood gate's buckets shared by every worker: the chat's (1/s private, 20/min
    group) and the bot's (30/s, its last `reply_reserve` tokens for direct replies only)."""

    async def take(chat_id: int | None, lane: int) -> float:
        scopes = []
        if chat_id is not None:
            private = chat_id > 0
            rate = limits.private_rate if private else limits.group_rate
            burst = limits.private_burst if private else limits.group_burst
            scopes.append(flood.Scope(f"chat:{chat_id}", rate, burst))
        reserve = limits.reply_reserve
        floor = 1.0 if lane == 0 else 1.0 + reserve
        scopes.append(
            flood.Scope("bot", limits.overall_rate, limits.overall_burst + reserve, floor)
        )
        return await flood.take(db, scopes, clock())

    return take


def ask_leader(db: Database) -> None:
    """A worker's kick: wake the leader's delivery (NOTIFY after the commit)."""
    task = asyncio.get_running_loop().create_task(channels.notify(db, channels.OUTBOX))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


_pending: set[asyncio.Task[None]] = set()
