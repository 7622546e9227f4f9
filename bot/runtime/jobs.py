"""JobQueue helpers shared by the delivery engine, the timers and the progress messages: jobs
are derived from rows, named deterministically, and a misfired job runs late instead of being
dropped (APScheduler's default drops a job that starts more than a second late)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from telegram.ext import Application

log = logging.getLogger(__name__)
JOB_KWARGS: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True}
# A name for annotations only, so the capabilities that schedule through this module (bulletins,
# the calendar) import no `telegram`.
AnyApp: TypeAlias = "Application[Any, Any, Any, Any, Any, Any]"
Callback = Callable[[Any], Coroutine[Any, Any, None]]


def guarded(callback: Callback, name: str) -> Callback:
    """A job a shutdown may cancel mid-run: its work is rows, resumed at the next start, so
    the cancellation is logged as such instead of as a crash."""

    async def run(context: Any) -> None:
        try:
            await callback(context)
        except asyncio.CancelledError:
            log.info("%s stopped by the shutdown; it resumes from the rows at the next start", name)

    return run


def start_sweep(app: AnyApp, callback: Callback, name: str, every: float) -> None:
    """Run `callback` now and every `every` seconds, never two at once: a sweep that falls
    due while the last one still runs (a long broadcast) is skipped quietly — the running
    one picks its rows up — instead of APScheduler warning of it every `every` seconds."""
    assert app.job_queue is not None
    running = False

    async def once(context: Any) -> None:
        nonlocal running
        if running:
            log.debug("%s still running; this turn is skipped", name)
            return
        running = True
        try:
            await callback(context)
        finally:
            running = False

    app.job_queue.run_repeating(
        guarded(once, name),
        interval=every,
        first=0,
        name=name,
        job_kwargs={**JOB_KWARGS, "max_instances": 2},
    )


def schedule_wake(
    app: AnyApp, callback: Callback, name: str, due: datetime | None, now: datetime
) -> None:
    """One wake-up job named `name` at `due` (replacing the earlier one); none if not later.
    It waits `due - now` of the bot's clock, so a clock set apart from the machine's (an
    end-to-end test moving it, even backwards) wakes it at the right moment, not at once."""
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    if due is not None and due > now:
        wait = due - now
        app.job_queue.run_once(guarded(callback, name), wait, name=name, job_kwargs=JOB_KWARGS)


def pause_jobs(app: AnyApp) -> None:
    """Before stopping: no job starts any more. The stop waits for the running ones, then shuts
    APScheduler down, which cancels a job started in between (a traceback in the log)."""
    queue = app.job_queue
    if queue is not None and queue.scheduler.running:
        queue.scheduler.pause()
