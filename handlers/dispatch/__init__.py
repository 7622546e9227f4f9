"""The dispatch centre (指挥中心) in the chat: rulings on 退回 and 延期, 延期申请, /board."""

from __future__ import annotations

from telegram.ext import BaseHandler

from bot.dispatch.buttons import PREFIXES
from handlers.dispatch import board, rulings
from handlers.kit.conversation import forged

COMMANDS = ("board",)


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [
        *rulings.handlers(),
        *board.handlers(),
        forged(*PREFIXES),  # after them all: a press none of them took
    ]
