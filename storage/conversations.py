"""What the bot framework persists: conversation states and per-user data (the `ptb_*` tables).

Keys and values are JSON text. User data is written only for people who consented: the row
references `people` and disappears with them.
"""

from __future__ import annotations

import json
from typing import Any

from storage.db import Database


async def user_data(db: Database) -> dict[int, Any]:
    """Every person's saved user data."""
    rows = await db.fetchall("SELECT user_id, data FROM ptb_user_data")
    return {int(r[0]): json.loads(r[1]) for r in rows}


async def states(db: Database, name: str) -> dict[tuple[Any, ...], Any]:
    """The saved state of every open conversation of one handler."""
    rows = await db.fetchall("SELECT key, state FROM ptb_conversations WHERE name = ?", (name,))
    return {tuple(json.loads(r[0])): json.loads(r[1]) for r in rows}


async def set_state(db: Database, name: str, key: tuple[Any, ...], state: object | None) -> None:
    """Save a conversation's state; None ends it."""
    async with db.transaction() as conn:
        if state is None:
            await conn.execute(
                "DELETE FROM ptb_conversations WHERE name = ? AND key = ?",
                (name, json.dumps(list(key))),
            )
        else:
            await conn.execute(
                "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?) "
                "ON CONFLICT(name, key) DO UPDATE SET state = excluded.state",
                (name, json.dumps(list(key)), json.dumps(state)),
            )


async def set_user_data(db: Database, user_id: int, data: dict[Any, Any]) -> None:
    """Save a person's user data (only once they registered); empty data deletes it."""
    async with db.transaction() as conn:
        if not data:
            await conn.execute("DELETE FROM ptb_user_data WHERE user_id = ?", (user_id,))
            return
        await conn.execute(
            "INSERT INTO ptb_user_data (user_id, data) "
            "SELECT ?, ? WHERE EXISTS (SELECT 1 FROM people WHERE id = ?) "
            "ON CONFLICT(user_id) DO UPDATE SET data = excluded.data",
            (user_id, json.dumps(data, ensure_ascii=False), user_id),
        )


async def drop_user_data(db: Database, user_id: int) -> None:
    """Forget a person's user data."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM ptb_user_data WHERE user_id = ?", (user_id,))
