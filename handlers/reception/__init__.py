"""Reception days in the chat: booking, publishing, outcomes."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.reception import outcomes, publish, resident

COMMANDS = ("reception",)


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [
        *resident.handlers(),
        *publish.handlers(),
        *outcomes.handlers(),
    ]
