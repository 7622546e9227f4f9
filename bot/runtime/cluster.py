"""Several workers on one PostgreSQL database (`minhu worker`).

The receiver (bot/runtime/receiver.py) stores updates; each worker takes chats (a lease in
`chat_leases`), handles each chat's updates one after another in update_id order through the
application (`process_update`), saves the conversations, and marks each update done while it
still holds the chat. A heartbeat renews the leases; a worker that dies (SIGKILL) stops
renewing, and within LEASE seconds another takes its chats and goes on from their saved state.
A chat stays with one worker while it is active (IDLE): its next updates need no reload.

Exactly once: an update is marked done only after its handler's commits and the conversation
state it leads to are saved, and only by the worker holding its chat. An update whose worker
died before the mark is handled again from the saved state of before it, where confirming a
form finds the record the first attempt made (its submission key) and its answer's outbox
row (a dedupe key) is sent once. An update that fails MAX_ATTEMPTS times is set aside (logged).

One worker at a time leads: it alone runs the outbox's delivery, the timers and the scheduled
jobs; the leader's lock and the watch on each worker's session connection are in
bot/runtime/leadership.py. The flood gate holds across workers (`shared_flood` there).

CPU: a round trip to PostgreSQL costs about as much CPU as a handler's Python, so the path of
one update takes as few as it can (issue 20's profile): the receiver stores it in one statement
and NOTIFYs its chat key; the worker that holds that chat goes on with it without a claim (an
active chat's drain takes it, an idle held chat starts at once), and marks each update done,
renews the lease, takes the next update and the person's saved data in one statement
(`inbound.advance`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.core.clock import Clock
from bot.runtime.jobs import pause_jobs
from bot.runtime.leadership import (  # the names this module had before the split
    LEAD_RETRY,
    LOST_LEADERSHIP,
    Leadership,
    _either,
    ask_leader,
    shared_flood,
)
from bot.runtime.ratelimit import FloodGate
from bot.runtime.services import services_of
from storage import cluster as channels
from storage import inbound
from storage.db import Database

log = logging.getLogger(__name__)

# A chat stays a worker's this long without a heartbeat: long enough for a loaded loop (three
# towns' leaders starting at once) to renew in time. Renewals go over a connection of their own
# (`beat_db`), not the pool the handlers, delivery and flood gate keep busy. A worker stops a
# chat itself once FENCE seconds are left of its last renewal (fencing): another may take it
# only after the lease, and by then this one has stopped.
LEASE = 10.0
FENCE = 3.0
HEARTBEAT = 1.0  # seconds between renewals of the leases
POLL = 1.0  # seconds between looks for waiting chats when no notification came
MAX_CHATS = 64  # chats one worker handles at once
# A chat stays with its worker while active, so its conversations are in that worker's memory
# (onboarding's, before consent, are nowhere else by design); idle this long, it is freed.
IDLE = 600.0
MAX_ATTEMPTS = 3
__all__ = ["LEAD_RETRY", "LOST_LEADERSHIP", "Leadership", "Worker", "serve", "shared_flood"]

App = Any  # the Application (bot.app.MinhuApp)
# Set while an update is handled again (its worker died during it): its callback query may
# have been answered already, and Telegram refuses a second answer, so none is sent.
_again: ContextVar[bool] = ContextVar("minhu_handled_again", default=False)


def _not_twice(endpoint: str) -> bool:
    return endpoint == "answerCallbackQuery" and _again.get()


def worker_name() -> str:
    """This process's name in `chat_leases`: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _chat_id(key: str) -> int | None:
    kind, _, number = key.partition(":")
    return int(number) if kind in {"chat", "user"} and number else None


def refresh_conversations(
    app: App, saved: dict[str, dict[tuple[Any, ...], Any]], chat_id: int
) -> int:
    """Put one chat's saved conversation states into the application's memory (another worker
    may have moved them on), without marking them for writing back. Returns how many changed."""
    changed = 0
    for group in app.handlers.values():
        for handler in group:
            if not isinstance(handler, ConversationHandler) or not handler.persistent:
                continue
            # PTB's TrackingDict (as persistence.forget uses it): changed here, not tracked
            states: Any = handler._conversations
            mine = saved.get(str(handler.name), {})
            for key in [k for k in states if k and k[0] == chat_id and k not in mine]:
                states.data.pop(key, None)
                changed += 1
            fresh = {k: v for k, v in mine.items() if states.data.get(k) != v}
            states.update_no_track(fresh)
            changed += len(fresh)
    return changed


@dataclass
class Worker:
    """Takes chats and handles their updates, in order, once."""

    app: App
    db: Database
    clock: Clock
    name: str = field(default_factory=worker_name)
    lease: float = LEASE
    idle: float = IDLE
    active: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    held: dict[str, float] = field(default_factory=dict)  # chat → its last activity
    handled: int = 0
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    beat_db: Database | None = None  # the heartbeat's own connection (None: the pool's)
    renewed: dict[str, float] = field(default_factory=dict)  # chat → its last renewal
    heard: set[str] = field(default_factory=set)  # chats with an update stored mid-drain
    wanted: set[str] = field(default_factory=set)  # chats heard of, to claim
    # chats a claim for them did not get (another worker's), until when none is tried for
    # their notifications (the claim every POLL seconds still looks at every chat)
    others: dict[str, float] = field(default_factory=dict)
    stopping: bool = False  # no chat starts once set (its leases are about to be freed)

    def _now(self) -> float:
        return self.clock.now().timestamp()

    async def claim(self) -> list[str]:
        """Take waiting chats nobody else holds and start handling each."""
        room = MAX_CHATS - len(self.active)
        if room <= 0:
            return []
        now = self._now()
        wanted, self.wanted = self.wanted, set()
        keys = await inbound.claim(
            self.db, self.name, now, now + self.lease, room + len(self.active)
        )
        for key in wanted.difference(keys):
            self.others[key] = now + self.lease
        started = []
        for key in keys:
            if key in self.active:  # under way: its task takes the new update too
                continue
            self.others.pop(key, None)
            fresh = key not in self.held
            self.held[key] = self.renewed[key] = now
            self.active[key] = asyncio.create_task(self._drain(key, fresh), name=f"CHAT {key}")
            started.append(key)
        return started

    def hear(self, key: str) -> None:
        """An update of chat `key` was stored (the receiver's NOTIFY). The chat's drain under
        way takes it; a chat this worker holds, idle, starts at once (its lease is checked by
        the first `advance`); a chat another worker was found holding is left to it (its
        holder hears it too); any other means a claim."""
        if self.stopping:
            return
        if key in self.active:
            self.heard.add(key)
        elif key in self.held and len(self.active) < MAX_CHATS:
            self.active[key] = asyncio.create_task(self._drain(key, False), name=f"CHAT {key}")
        elif self.others.get(key, 0.0) <= self._now():
            self.others.pop(key, None)
            self.wanted.add(key)
            self.wake.set()

    async def heartbeat(self) -> None:
        """Renew the leases of the chats in use, free the idle ones, stop the ones lost (this
        worker was too slow: another has them now)."""
        now, db = self._now(), self.beat_db or self.db
        self.others = {k: t for k, t in self.others.items() if t > now}
        idle = [k for k, t in self.held.items() if k not in self.active and now - t > self.idle]
        await inbound.release(db, self.name, idle)
        for key in idle:
            del self.held[key]
        keys = list(self.held)
        kept = await inbound.renew(db, self.name, keys, now, now + self.lease)
        for key in keys:
            if key not in kept:
                self._lost(key)
            else:
                self.renewed[key] = max(now, self.renewed.get(key, now))

    def fence(self) -> None:
        """Stop the chats whose lease runs out before a renewal can come (the heartbeat was
        late or failed): another worker may take them once it has."""
        now = self._now()
        for key in [k for k in self.held if now > self.renewed.get(k, now) + self.lease - FENCE]:
            self._lost(key)

    def _lost(self, key: str) -> None:
        log.warning("lost the lease of %s; another worker takes it over", key)
        self.held.pop(key, None)
        self.renewed.pop(key, None)
        task = self.active.get(key)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def release_all(self) -> None:
        """At a clean stop: free every chat, for the other workers to take at once."""
        await inbound.release(self.db, self.name, list(self.held))
        self.held.clear()

    async def _drain(self, key: str, fresh: bool) -> None:
        full = len(self.active) >= MAX_CHATS
        try:
            chat_id = _chat_id(key)
            if fresh and chat_id is not None:  # another worker may have moved it on
                saved = await inbound.conversations_of(self.db, chat_id)
                refresh_conversations(self.app, saved, chat_id)
            finished: inbound.Inbound | None = None
            while True:
                self.heard.discard(key)  # the next `advance` sees what was stored till now
                finished = await self.handle_next(key, finished)
                if finished is None and key not in self.heard:
                    break
        except inbound.LeaseLost:
            self._lost(key)
        except Exception:
            log.exception("handling %s failed; it is tried again after its lease", key)
            self.held.pop(key, None)  # not renewed: it expires, and is taken again
        finally:
            self.heard.discard(key)
            if self.active.get(key) is asyncio.current_task():
                del self.active[key]
            if full:  # room again: look for the chats waiting
                self.wake.set()

    async def handle_next(
        self, key: str, finished: inbound.Inbound | None = None
    ) -> inbound.Inbound | None:
        """Mark `finished` done and handle the chat's next waiting update, returned for the
        next call to mark (one statement for both, `inbound.advance`); None when none waits."""
        now = self._now()
        chat_id = _chat_id(key)
        person = chat_id if chat_id is not None and chat_id > 0 else None  # a private chat's
        turn = await inbound.advance(
            self.db, key, self.name, now, now + self.lease, finished, self.clock.now(), person
        )
        self.held[key] = self.renewed[key] = now
        if turn.finished:
            self.handled += 1
        item = turn.item
        if item is None:
            return None
        if item.attempts > MAX_ATTEMPTS:
            log.error("update %s failed %d times; set aside", item.update_id, MAX_ATTEMPTS)
            return item
        update = Update.de_json(item.body, self.app.bot)
        again = _again.set(item.attempts > 1)
        persistence = self.app.persistence
        if person is not None:  # read with the update: the refresh needs no round trip
            persistence.fresh[person] = turn.user_data
        try:
            await self.app.process_update(update)
        finally:
            _again.reset(again)
            if person is not None:
                persistence.fresh.pop(person, None)
        await self.app.update_persistence()
        return item

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and renew until `stop` is set; then let the chats under way finish and free
        every chat."""
        beat = asyncio.create_task(self._beat(stop))
        try:
            while not stop.is_set():
                self.wake.clear()
                try:
                    await self.claim()
                except Exception:  # the database away for a moment: look again after POLL
                    log.exception("claiming chats failed; trying again")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(_either(self.wake, stop), POLL)
        finally:
            self.stopping = True
            beat.cancel()
            if self.active:
                await asyncio.gather(*self.active.values(), return_exceptions=True)
            await self.release_all()

    async def _beat(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.wait_for(self.heartbeat(), self.lease - FENCE)
            except Exception:  # a lease not renewed expires: its chat is stopped or taken over
                log.exception("renewing the leases failed; trying again")
            self.fence()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), HEARTBEAT)


async def serve(apps: list[App], start_background: Any) -> int:
    """Run one worker until SIGINT/SIGTERM: one application a town (MINHU_TOWNS; one without),
    each with its own worker and leadership. Its exit status: LOST_LEADERSHIP when any town's
    leader lost its connection (every town then stops: a supervisor starts the process again)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    lost = await asyncio.gather(*(serve_town(app, start_background, stop) for app in apps))
    return LOST_LEADERSHIP if any(lost) else 0


async def serve_town(app: App, start_background: Any, stop: asyncio.Event) -> bool:
    """Run one town's worker and leadership until `stop`; whether its leadership was lost."""
    services = services_of(app)
    db = services.db
    town = services.settings.town or "the town"
    app.persistence.shared = True
    gate = app.bot.rate_limiter
    if isinstance(gate, FloodGate):
        gate.shared = shared_flood(db, gate.limits)
        gate.skip = _not_twice
    services.delivery.elsewhere = lambda: ask_leader(db)
    beat = Database(db.path)
    worker = Worker(app, db, services.clock, beat_db=beat)
    session = channels.Session(db.path)
    leadership = Leadership(app, session, start_background, regained=worker.wake.set)
    try:
        await session.open()
        await session.hold_claimer(services.delivery.claimer)  # freed when this process dies
        await beat.open(migrate=False)
        await app.initialize()
        await app.start()
        await session.listen_keys(channels.INBOUND, worker.hear)
        leadership.watch()
        log.info("worker %s started (%s)", worker.name, town)
        await asyncio.gather(worker.run(stop), leadership.run(stop))
    except BaseException:
        stop.set()  # one town failing to start stops the others: the process exits
        raise
    finally:
        if app.running:
            pause_jobs(app)
            await app.stop()
        await app.shutdown()
        await session.close()
        await beat.close()
        await db.close()
    log.info("worker %s stopped after %d updates (%s)", worker.name, worker.handled, town)
    return leadership.lost
