"""Conversation states renumbered into their capability's range: a conversation the older bot
saved open resumes at the same step."""

from __future__ import annotations

import json
import sqlite3
from enum import IntEnum
from pathlib import Path

from handlers.people import settings
from handlers.reception import outcomes, publish, resident
from storage import conversations
from storage.db import Database, _migration_files

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


async def test_an_open_conversation_saved_before_the_upgrade_resumes_at_its_step(
    tmp_path: Path,
) -> None:
    path = tmp_path / "upgraded.db"
    async with Database(path):
        pass
    version = next(v for v, name, _ in _migration_files() if "people_reception_states" in name)
    with sqlite3.connect(path) as raw:  # as the older bot left it
        raw.execute(f"PRAGMA user_version = {version - 1}")
        raw.executemany(
            "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?)",
            [
                (name, json.dumps([user, user]), json.dumps(old))
                for user, (name, old) in enumerate(SAVED_BEFORE, start=100001)
            ],
        )
    async with Database(path) as db:
        for user, ((name, _), step) in enumerate(SAVED_BEFORE.items(), start=100001):
            assert (await conversations.states(db, name))[(user, user)] == step
