"""A personal notice put in the outbox, as the product's code would write one."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage import outbox
from storage.db import Database


async def reminder(
    db: Database,
    chat_id: int,
    key: str,
    now: datetime,
    *,
    due_in: float = 0,
    expires_in: float | None = None,
    text: str = "明天上午九点议事会",
) -> None:
    """A reminder to `chat_id` (dedupe key `key`), due `due_in` seconds after `now`."""
    async with db.transaction() as conn:
        await outbox.enqueue(
            conn,
            chat_id=chat_id,
            kind="reminder",
            template="notices.reminder",
            context={"language": "zh-CN", "text": text},
            due_at=now + timedelta(seconds=due_in),
            dedupe_key=key,
            now=now,
            expires_at=now + timedelta(seconds=expires_in) if expires_in is not None else None,
        )
