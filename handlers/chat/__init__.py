"""The chat itself: the private-chat guard, /help, /cancel and the last resort."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.chat import guard, help

COMMANDS = ("help", "cancel")


def guard_handlers() -> list[BaseHandler]:
    """Group -1, ahead of everything: private chats only, edits unread, blocks recorded."""
    return guard.handlers()


def handlers() -> list[BaseHandler]:
    """/help and /cancel, after every capability's conversations."""
    return help.handlers()


def last_resort() -> list[BaseHandler]:
    """Registered last: whatever no other handler took."""
    return help.last_resort()
