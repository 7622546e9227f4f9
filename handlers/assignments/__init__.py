"""Assignments in the chat: /assign, their buttons, /tasks, /assignments."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.assignments import create, lists, work

COMMANDS = ("assign", "tasks", "assignments")


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [
        *create.handlers(),
        *work.handlers(),
        *lists.handlers(),
    ]
