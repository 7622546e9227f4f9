"""/nearby (also the word 附近): what is already reported around a resident; /hide for staff."""

from __future__ import annotations

from telegram.ext import BaseHandler

from bot.nearby.buttons import PREFIXES
from handlers.kit.conversation import forged
from handlers.nearby import listing

COMMANDS = ("nearby", "hide")


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [*listing.handlers(), forged(*PREFIXES)]
