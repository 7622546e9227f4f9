"""Home visits (网格走亲) in the chat: /household, /visit, /visits."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.visits import coverage, register, visit

COMMANDS = ("household", "visit", "visits")


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [*register.handlers(), *visit.handlers(), *coverage.handlers()]
