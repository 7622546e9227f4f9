"""Bulletins in the chat: /bulletin and zone following."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.bulletins import bulletin

COMMANDS = ("bulletin",)


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [
        *bulletin.handlers(),
    ]
