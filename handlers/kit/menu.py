"""The resident's keyboard: large buttons under the typing field (📝 反映问题, 📋 我的诉求, …) so
that everything is reachable without typing a command. A press arrives as the button's words;
`command` registers a command together with its button, and the conversations' typed steps
never take a button's words as an answer (`PRESSED`): pressed in the middle of a form, a
button acts like its command typed there. The words are `bot.runtime.menus.KEYBOARD_LABELS`.
"""

from __future__ import annotations

from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.core.render import pick_language
from bot.runtime.menus import KEYBOARD, KEYBOARD_LABELS, keyboard_labels
from bot.runtime.services import MinhuContext
from handlers.kit.common import current_person, language_of

# Any of the keyboard's buttons, in any language.
PRESSED = filters.Text([label for labels in KEYBOARD_LABELS.values() for label in labels.values()])


def button(name: str) -> filters.BaseFilter:
    """The press of the keyboard's button for command `name` (any language), in a private chat."""
    return filters.Text(keyboard_labels(name)) & filters.ChatType.PRIVATE


def command(name: str, callback: Any) -> list[BaseHandler]:
    """Command `name` typed, or its keyboard button pressed."""
    return [CommandHandler(name, callback), MessageHandler(button(name), callback)]


def keyboard(language: str) -> ReplyKeyboardMarkup:
    """The resident's keyboard in `language`; it stays until another keyboard replaces it."""
    labels = KEYBOARD_LABELS[pick_language(language)]
    return ReplyKeyboardMarkup(
        [[KeyboardButton(labels[name]) for name in row] for row in KEYBOARD],
        resize_keyboard=True,
        is_persistent=True,
    )


async def home(update: Update, context: MinhuContext) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    """What goes under the typing field when a step's own keyboard is done: the resident's
    keyboard for someone registered, nothing for anyone else."""
    if await current_person(update, context) is None:
        return ReplyKeyboardRemove()
    return keyboard(await language_of(update, context))
