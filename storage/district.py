"""The district bulletin's rows: outbox rows in the publisher town's database.

A district bulletin is its messages to the district's channel, one outbox row each, written
in one transaction; their dedupe keys name the period (`district:<period>:<position>`), so a
period is published once whoever presses publish, in whichever town's bot, and however often
the schedule runs. The first part's row tells whether, and when, a period went out.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage import outbox
from storage.codec import from_iso
from storage.db import Database

KIND = "district"
TEMPLATE = "district.part"


def dedupe_key(period_key: str, position: int) -> str:
    return f"{KIND}:{period_key}:{position}"


async def published_at(db: Database, period_key: str) -> datetime | None:
    """When the period's district bulletin was put in the outbox; None if never."""
    value = await db.fetchval(
        "SELECT created_at FROM outbox WHERE dedupe_key = ?", (dedupe_key(period_key, 0),)
    )
    return from_iso(value) if value else None


async def enqueue_parts(
    conn: aiosqlite.Connection, chat_id: int, period_key: str, parts: list[str], now: datetime
) -> bool:
    """The bulletin's messages to the channel, inside the caller's transaction; False (and
    nothing written) when the period's bulletin is already there."""
    for position, text in enumerate(parts):
        made = await outbox.enqueue(
            conn,
            chat_id=chat_id,
            kind=KIND,
            template=TEMPLATE,
            context={"text": text},
            due_at=now,
            dedupe_key=dedupe_key(period_key, position),
            now=now,
        )
        if not made:
            if position:  # pragma: no cover - the first part is written first, or nothing
                raise AssertionError("a district bulletin half written")
            return False
    return True
