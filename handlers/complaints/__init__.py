"""Complaints in the chat: /report, staff buttons, feedback, /inbox, /my."""

from __future__ import annotations

from telegram.ext import BaseHandler

from bot.complaints.buttons import PREFIXES
from handlers.complaints import feedback, inbox, my, report, said, staff, stats, supporters
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
        *said.handlers(),
        forged(*PREFIXES),  # after them all: a press none of them took
    ]


def last_resort() -> list[BaseHandler]:
    """After every capability's handlers: a message no conversation took is offered to be
    filed as a problem (say it any way)."""
    return said.last_resort()
