"""Meetings in the chat: /meetings, /newmeeting, /meeting, /meetingresult."""

from __future__ import annotations

from telegram.ext import BaseHandler

from bot.meetings.buttons import PREFIXES
from handlers.kit.conversation import forged
from handlers.meetings import create, manage, resident, result

COMMANDS = ("newmeeting", "meeting", "checkin", "meetingresult", "meetings")


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [
        *create.handlers(),
        *manage.handlers(),
        *result.handlers(),
        *resident.handlers(),
        forged(*PREFIXES),  # after them all: a press none of them took
    ]
