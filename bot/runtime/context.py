"""PTB's CallbackContext with typed access to Minhu's services (what every handler gets)."""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackContext, ExtBot

from bot.runtime.services import Services, services_of
from storage.models import Person


class MinhuContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to Minhu's services (one context per update)."""

    # (user id, commits of this update when read, the person): handlers.kit.common.current_person
    person_read: tuple[int, int, Person | None] | None = None
    # a choice to show in the pressed message above the next question: handlers.kit.common
    above: str | None = None

    @property
    def services(self) -> Services:
        return services_of(self.application)
