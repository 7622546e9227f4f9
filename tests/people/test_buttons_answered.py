"""Every button family of people and reception days is answered by a handler of the built
application, and every pattern it registers takes only its own family's data."""

from __future__ import annotations

import re

import pytest
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.core.buttons import INT, KEY, WORD, Family
from bot.people import buttons as people_buttons
from bot.reception import buttons as reception_buttons
from tests.support.harness import Harness

EXAMPLE = {INT: "7", KEY: "0f3a", WORD: "zh-CN"}


def _patterns(handlers: list[BaseHandler]) -> list[str]:
    found = []
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            inner = [*handler.entry_points, *handler.fallbacks]
            inner += [h for step in handler.states.values() for h in step]
            found += _patterns(inner)
        elif isinstance(handler, CallbackQueryHandler) and isinstance(handler.pattern, re.Pattern):
            found.append(handler.pattern.pattern)
    return found


def _families() -> list[Family]:
    return [
        value
        for module in (people_buttons, reception_buttons)
        for value in vars(module).values()
        if isinstance(value, Family)
    ]


@pytest.mark.parametrize("family", _families(), ids=lambda f: f"{f.prefix}:{f.verb}")
async def test_every_button_has_its_handler(bot: Harness, family: Family) -> None:
    assert bot.app is not None
    patterns = _patterns([h for group in bot.app.handlers.values() for h in group])
    data = family.pack(*(EXAMPLE[f] for f in family.fields if not f.optional))
    assert family.pattern in patterns  # registered as declared
    assert re.match(family.pattern, data)
    others = [f for f in _families() if f is not family]
    assert not any(re.match(f.pattern, data) for f in others)  # and no other family's data
