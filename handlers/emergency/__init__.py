"""Emergencies first: a message naming danger gets 110 / 119 / 120 / 122 before anything else."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.emergency import numbers

COMMANDS: tuple[str, ...] = ()


def handlers() -> list[BaseHandler]:
    """Registered in a group of its own ahead of the chat guard (it never stops an update)."""
    return numbers.handlers()
