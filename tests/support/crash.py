"""Crashes in-process: restart as if the bot was killed before its last persistence flush."""

from __future__ import annotations

from typing import Any

from tests.support.databases import raw_connection
from tests.support.harness import Harness

Saved = tuple[list[Any], list[Any]]


def saved_state(bot: Harness) -> Saved:
    """The persisted conversation states and user data, as they are on disk now."""
    with raw_connection(bot.db_path) as raw:
        return (
            raw.execute("SELECT name, key, state FROM ptb_conversations").fetchall(),
            raw.execute("SELECT user_id, data FROM ptb_user_data").fetchall(),
        )


async def crash_back_to(bot: Harness, saved: Saved) -> None:
    """Restart as after a SIGKILL before the persistence flush: the state on disk is `saved`
    (every committed record stays; the conversations and drafts are as they were)."""
    await bot.stop()
    conversations, user_data = saved
    with raw_connection(bot.db_path) as raw:
        raw.execute("DELETE FROM ptb_conversations")
        raw.execute("DELETE FROM ptb_user_data")
        raw.executemany("INSERT INTO ptb_conversations VALUES (?, ?, ?)", conversations)
        raw.executemany("INSERT INTO ptb_user_data VALUES (?, ?)", user_data)
    await bot.start()
