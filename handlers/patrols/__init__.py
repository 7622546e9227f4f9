"""Patrols in the chat: /patrol."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.patrols import patrol

COMMANDS = ("patrol",)


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [
        *patrol.handlers(),
    ]
