"""Runs due complaint timers on the JobQueue: reminders, escalation (催办) and the rest of the
ladder (the daily 催办 and the 通报, `bot.escalation.ladder`), closing unanswered resolutions,
and the 30-day follow-up (回头看). Jobs are derived from the `timers` rows: a sweep
("TIMERS sweep") and one wake-up at the next due time ("TIMERS due"); misfires run late."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Protocol

from telegram.ext import ContextTypes

from bot.complaints import service
from bot.complaints.buttons import FOLLOW_UP, row
from bot.complaints.rules import Action, NotAllowed, Status
from bot.escalation import ladder
from bot.runtime import jobs, notices
from bot.runtime.jobs import AnyApp
from bot.runtime.services import Services
from storage import complaints, timers

log = logging.getLogger(__name__)

SWEEP_JOB = "TIMERS sweep"
WAKE_JOB = "TIMERS due"


class TimerSource(Protocol):
    """More rows that fall due, run by the same jobs (e.g. assignment timers)."""

    async def run_due(self) -> int: ...

    async def next_due(self) -> datetime | None: ...


class TimerRunner:
    """Does what the due timers say, each once."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.app: AnyApp | None = None
        self._lock = asyncio.Lock()
        self.sources: list[TimerSource] = []
        self._waking: asyncio.Task[int] | None = None
        self._again = False  # a worker's commit asked for a pass (`wake_soon`)

    async def run_pass(self) -> int:
        """Handle every due timer; returns how many were handled."""
        done = 0
        async with self._lock:
            while due := await timers.due(self.services.db, self.services.clock.now()):
                for timer in due:
                    await self._run(timer)
                    done += 1
            for source in self.sources:
                done += await source.run_due()
        await self._schedule_wake()
        if done:
            self.services.delivery.kick_soon()
        return done

    async def _run(self, timer: timers.Timer) -> None:
        services, now = self.services, self.services.clock.now()
        kind = timer.kind
        if kind in ("ack_due", "resolve_due"):
            await self._try(timer, Action.ESCALATE)
        elif kind == "auto_close":
            await self._try(timer, Action.AUTO_CLOSE)
        async with services.db.transaction() as conn:
            if not await timers.finish(conn, timer.id, now):
                return
            c = await complaints.get(services.db, timer.complaint_id)
            if c is None:
                return
            if kind in (ladder.URGE, ladder.REPORT):
                await ladder.run(conn, services, timer, c, now)
                return
            status = Status(c.status)
            base: dict[str, object] = {"number": c.number}
            # A reminder states the deadline it reminds of, not its own moment; one whose
            # deadline passed while the bot was down is not sent (the overdue notice says it).
            if kind == "ack_remind" and c.accepted_at is None and _ahead(c.ack_due_at, now):
                assert c.ack_due_at is not None
                base["due_at"] = c.ack_due_at.isoformat()
                staff = await notices.assignees(services, c.grid_id, c.department_id)
                await notices.send(
                    conn,
                    services,
                    staff,
                    template="notices.remind_ack",
                    key=f"timer:{timer.id}",
                    now=now,
                    context=base,
                )
            if (
                kind == "resolve_remind"
                and status in (Status.ACCEPTED, Status.ESCALATED)
                and _ahead(c.resolve_due_at, now)
            ):
                assert c.resolve_due_at is not None
                base["due_at"] = c.resolve_due_at.isoformat()
                staff = await notices.assignees(services, c.grid_id, c.department_id)
                await notices.send(
                    conn,
                    services,
                    staff,
                    template="notices.remind_resolve",
                    key=f"timer:{timer.id}",
                    now=now,
                    context=base,
                )
            if kind == "followup" and status is Status.CLOSED and c.reporter_id:
                buttons = [row(c.id, *FOLLOW_UP)]
                await notices.send(
                    conn,
                    services,
                    await notices.reachable(services, [c.reporter_id]),
                    template="notices.followup",
                    key=f"timer:{timer.id}",
                    now=now,
                    context={**base, "description": c.description},
                    buttons=buttons,
                )

    async def _try(self, timer: timers.Timer, action: Action) -> None:
        try:
            await service.act(self.services, timer.complaint_id, action, None)
        except NotAllowed as exc:
            log.info("timer %s (%s): nothing to do (%s)", timer.id, timer.kind, exc.reason)

    async def _job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.run_pass()

    def wake_soon(self) -> asyncio.Task[int] | None:
        """In a cluster, on the leader, when a worker's commit asks it to send (NOTIFY): a
        pass now, so a timer that worker made falls due at its moment, not at the next sweep.
        One at a time: asked while one runs, it runs once more after it (that pass may have
        read the rows before the worker's commit)."""
        if self.app is None:
            return None
        self._again = True  # a pass running may have read the rows before that commit
        if self._waking is None or self._waking.done():
            self._waking = asyncio.get_running_loop().create_task(self._wake())
        return self._waking

    @property
    def waking(self) -> asyncio.Task[int] | None:
        """The pass `wake_soon` started, while it runs."""
        return self._waking if self._waking is not None and not self._waking.done() else None

    async def _wake(self) -> int:
        """Passes until no commit asked for one while the last ran."""
        done = 0
        try:
            while self._again:
                self._again = False
                done += await self.run_pass()
        except Exception:  # the sweep runs them
            log.exception("timers: the pass after a worker's commit failed")
        return done

    def start(self, application: AnyApp, every: float = 30.0) -> None:
        """Sweep periodically; the first sweep runs at once (timers due while we were down)."""
        self.app = application
        jobs.start_sweep(application, self._job, SWEEP_JOB, every)

    async def _schedule_wake(self) -> None:
        if self.app is not None:
            dues = [await timers.next_due(self.services.db)]
            dues += [await source.next_due() for source in self.sources]
            due = min((d for d in dues if d is not None), default=None)
            jobs.schedule_wake(self.app, self._job, WAKE_JOB, due, self.services.clock.now())


def _ahead(deadline: datetime | None, now: datetime) -> bool:
    """Whether a reminder of this deadline still makes sense (the deadline is ahead)."""
    return deadline is not None and deadline > now
