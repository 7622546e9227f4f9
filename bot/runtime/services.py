"""The services every handler needs, reachable through one typed accessor.

Importing this module imports no `telegram`: capability services take `Services` and stay
channel-neutral. `MinhuContext` (PTB's CallbackContext, in `bot.runtime.context`) is still
importable from here for handlers; it is loaded when first asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.calendar.workdays import WorkCalendar
from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.render import Renderer
from bot.core.towns import District
from bot.runtime.commits import Commits
from bot.runtime.shown import Shown
from storage.db import Database

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.runtime.broadcasting import BroadcastProgress
    from bot.runtime.context import MinhuContext as MinhuContext
    from bot.runtime.delivery import Delivery
    from bot.runtime.timers import TimerRunner

SERVICES_KEY = "minhu.services"


@dataclass
class Services:
    """Configuration, storage, rendering, time and delivery of one running bot."""

    settings: Settings
    db: Database
    renderer: Renderer
    clock: Clock
    delivery: Delivery
    calendar: WorkCalendar
    raise_errors: bool = False
    timers: TimerRunner | None = None
    progress: BroadcastProgress | None = None  # broadcasts' progress messages
    crashes: list[BaseException | None] = field(default_factory=list)
    commits: Commits = field(default_factory=Commits)  # what each update committed
    shown: Shown = field(default_factory=Shown)  # what edited messages show (no empty edits)
    # The district this town belongs to (bot/core/towns.py), or None: a deployment of one town.
    district: District | None = None


def services_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    """The Services stored on an application."""
    found = application.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found


def __getattr__(name: str) -> Any:
    """`MinhuContext` on first use (it subclasses PTB's CallbackContext)."""
    if name == "MinhuContext":
        from bot.runtime.context import MinhuContext

        return MinhuContext
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
