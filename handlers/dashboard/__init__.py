"""The command centre's screen in the chat: /dashboard (a one-time login link) and the admins'
wall screen links (kiosk)."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.dashboard import screen

COMMANDS = ("dashboard",)


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [*screen.handlers()]
