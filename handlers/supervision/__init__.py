"""Supervision in the chat: /suggest."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.supervision import suggest

COMMANDS = ("suggest",)


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [
        *suggest.handlers(),
    ]
