"""Volunteer points in the chat: /volunteer and /clock (volunteers), /newactivity and
/activity (organisers), /points and /family (everyone), /redeem (providers and admins),
/catalogue and /correct (admins)."""

from __future__ import annotations

from telegram.ext import BaseHandler

from bot.points.buttons import PREFIXES
from handlers.kit.conversation import forged
from handlers.points import organiser, volunteer, wallet

COMMANDS = (
    "volunteer",
    "clock",
    "newactivity",
    "activity",
    "points",
    "family",
    "redeem",
    "catalogue",
    "correct",
)


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [*volunteer.handlers(), *organiser.handlers(), *wallet.handlers(), forged(*PREFIXES)]
