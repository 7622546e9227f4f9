"""PTB's CallbackContext with typed access to Minhu's services (what every handler gets)."""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackContext, ExtBot

from bot.runtime.services import Services, services_of


class MinhuContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to Minhu's services."""

    @property
    def services(self) -> Services:
        return services_of(self.application)
