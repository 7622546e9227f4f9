"""The district in the chat: /district for district admins."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.district import overview

COMMANDS = ("district",)


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [
        *overview.handlers(),
    ]
