"""The services every handler needs, reachable through one typed accessor."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.calendar.workdays import WorkCalendar
from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.render import Renderer
from bot.runtime.commits import Commits
from storage.db import Database
from storage.models import Person

if TYPE_CHECKING:
    from bot.broadcasts.service import BroadcastProgress
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


class MinhuContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to Minhu's services (one context per update)."""

    # (user id, commits of this update when read, the person): handlers.kit.common.current_person
    person_read: tuple[int, int, Person | None] | None = None

    @property
    def services(self) -> Services:
        return services_of(self.application)


def services_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    """The Services stored on an application."""
    found = application.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found
