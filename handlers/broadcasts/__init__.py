"""Broadcasts in the chat: /broadcast and /broadcasts."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.broadcasts import compose, listing

COMMANDS = ("broadcast", "broadcasts")


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [
        *compose.handlers(),
        *listing.handlers(),
    ]
