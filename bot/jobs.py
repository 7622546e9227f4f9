"""JobQueue helpers shared by the delivery engine and the timers: jobs are derived from rows,
named deterministically, and a misfired job runs late instead of being dropped (APScheduler's
default drops a job that starts more than a second late)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from telegram.ext import Application

JOB_KWARGS: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True}
AnyApp = Application[Any, Any, Any, Any, Any, Any]
Callback = Callable[[Any], Coroutine[Any, Any, None]]


def start_sweep(app: AnyApp, callback: Callback, name: str, every: float) -> None:
    """Run `callback` now and every `every` seconds, never two at once."""
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        callback,
        interval=every,
        first=0,
        name=name,
        job_kwargs={**JOB_KWARGS, "max_instances": 1},
    )


def schedule_wake(
    app: AnyApp, callback: Callback, name: str, due: datetime | None, now: datetime
) -> None:
    """One wake-up job named `name` at `due` (replacing the earlier one); none if not later."""
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    if due is not None and due > now:
        app.job_queue.run_once(callback, due, name=name, job_kwargs=JOB_KWARGS)
