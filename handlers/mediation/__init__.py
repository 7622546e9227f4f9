"""Dispute mediation in the chat: /mediate, /mediations, the invitation link, the card's
buttons and the mediator's forms."""

from __future__ import annotations

from telegram.ext import BaseHandler

from bot.mediation.buttons import PREFIXES
from handlers.kit.conversation import forged
from handlers.mediation import forms, open, work

COMMANDS = ("mediate", "mediations")


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [*open.handlers(), *forms.handlers(), *work.handlers(), forged(*PREFIXES)]
