"""Conversation states renumbered into their capability's range (kit.renumbered): a
conversation the older bot saved open resumes at the same step."""

from __future__ import annotations

import json
from enum import IntEnum

from telegram.ext import ConversationHandler

from handlers.people import settings
from handlers.reception import outcomes, publish, resident
from storage.db import Database
from tests.support.harness import Harness

# (conversation, the number the older bot saved) → the step it was at
SAVED_BEFORE: dict[tuple[str, int], IntEnum] = {
    ("settings", 20): settings.State.MENU,
    ("settings", 21): settings.State.ZONE,
    ("settings", 22): settings.State.COMMUNITY,
    ("settings", 23): settings.State.GRID,
    ("reception_book", 110): resident.State.TOPIC,
    ("reception_rep", 120): publish.State.STATION,
    ("reception_rep", 121): publish.State.WHEN,
    ("reception_rep", 122): publish.State.SLOTS,
    ("reception_rep", 123): publish.State.CONFIRM,
    ("reception_outcome", 124): outcomes.State.OUTCOME,
}


def _conversation(bot: Harness, name: str) -> ConversationHandler:
    assert bot.app is not None
    return next(
        h
        for group in bot.app.handlers.values()
        for h in group
        if isinstance(h, ConversationHandler) and h.name == name
    )


async def test_an_open_conversation_saved_before_the_upgrade_resumes_at_its_step(
    bot: Harness,
) -> None:
    await bot.stop()
    async with Database(bot.db_path) as db, db.transaction() as raw:  # as the older bot left them
        await raw.executemany(
            "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?)",
            [
                (name, json.dumps([user, user]), json.dumps(old))
                for user, (name, old) in enumerate(SAVED_BEFORE, start=900001)
            ],
        )
    await bot.start()
    for user, ((name, _), step) in enumerate(SAVED_BEFORE.items(), start=900001):
        conversation = _conversation(bot, name)
        assert conversation._conversations[(user, user)] == step  # and its handlers are there
        assert conversation.states[step]
