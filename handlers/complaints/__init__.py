"""Complaints in the chat: /report, staff buttons, feedback, /inbox, /my."""

from __future__ import annotations

from telegram.ext import BaseHandler

from bot.complaints.buttons import PREFIXES
from handlers.complaints import feedback, inbox, my, report, staff, stats, supporters
from handlers.kit.conversation import forged

COMMANDS = ("report", "proxy", "my", "inbox", "complaint", "case", "stats")


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [
        *report.handlers(),
        *staff.handlers(),
        *feedback.handlers(),
        *supporters.handlers(),
        *my.handlers(),
        *inbox.handlers(),
        *stats.handlers(),
        forged(*PREFIXES),  # after them all: a press none of them took
    ]
