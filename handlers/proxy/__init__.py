"""Cases filed for a resident by staff (代办) joining the resident's own /my: /link asks for
their Telegram contact, and a contact they share is matched (/proxy itself is a way into
/report: `handlers.complaints.report.proxy`)."""

from __future__ import annotations

from telegram.ext import BaseHandler

from bot.proxy.buttons import PREFIXES
from handlers.kit.conversation import forged
from handlers.proxy import link

COMMANDS = ("link",)


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [*link.handlers(), forged(*PREFIXES)]
