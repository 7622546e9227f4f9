"""The 15-minute service circle in the chat: /services, cards, bookings, /appointments,
/servicepoint (admins), and typed questions about services (the last resort's first)."""

from __future__ import annotations

from telegram.ext import BaseHandler

from bot.services.buttons import PREFIXES
from handlers.kit.conversation import forged
from handlers.services import admin, ask, book, find

COMMANDS = ("services", "appointments", "servicepoint")


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [*find.handlers(), *book.handlers(), *admin.handlers(), forged(*PREFIXES)]


def last_resort() -> list[BaseHandler]:
    """After every capability's handlers, before the complaint offer: a question about a
    service is a service search."""
    return ask.last_resort()
