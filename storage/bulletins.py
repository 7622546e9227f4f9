"""Published bulletins, their rendered parts and chart, and who follows a zone's bulletin.

A scheduled bulletin's row is unique per period (a partial unique index), and it is written in
the same transaction as its outbox rows: publishing twice is impossible, a crash publishes
nothing or everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

import aiosqlite

from storage.codec import from_iso, to_iso
from storage.db import Database

FIGURES = "figures"  # the audience of the part holding a bulletin's figures (sent to no one)


class Period(Protocol):
    """What storage needs of a reporting period: its kind and its [start, end) local dates."""

    @property
    def kind(self) -> str: ...

    @property
    def start(self) -> date: ...

    @property
    def end(self) -> date: ...


@dataclass(frozen=True)
class Bulletin:
    id: int
    period_kind: str
    period_start: date
    trigger: str
    chat_id: int | None
    messages: int
    created_by: int | None
    created_at: datetime


async def create(
    conn: aiosqlite.Connection,
    period: Period,
    *,
    trigger: str,
    chat_id: int | None,
    language: str,
    chart: bytes | None,
    created_by: int | None,
    now: datetime,
) -> int | None:
    """A new bulletin row; None when this period's scheduled bulletin already exists (only a
    scheduled one can collide: other constraint failures raise)."""
    cur = await conn.execute(
        """INSERT INTO bulletins (period_kind, period_start, period_end, trigger,
               chat_id, language, chart, created_by, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT DO NOTHING""",
        (
            period.kind,
            period.start.isoformat(),
            period.end.isoformat(),
            trigger,
            chat_id,
            language,
            chart,
            created_by,
            to_iso(now),
        ),
    )
    return cur.lastrowid if cur.rowcount == 1 else None


async def add_part(
    conn: aiosqlite.Connection,
    bulletin_id: int,
    audience: str,
    language: str,
    position: int,
    text: str,
) -> int:
    cur = await conn.execute(
        """INSERT INTO bulletin_parts (bulletin_id, audience, language, position, text)
           VALUES (?, ?, ?, ?, ?)""",
        (bulletin_id, audience, language, position, text),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def set_messages(conn: aiosqlite.Connection, bulletin_id: int, messages: int) -> None:
    await conn.execute("UPDATE bulletins SET messages = ? WHERE id = ?", (messages, bulletin_id))


async def add_figures(conn: aiosqlite.Connection, bulletin_id: int, document: str) -> None:
    """What the bulletin published, as one JSON document (bot/bulletins/snapshot.py): stored
    as a part no one is sent, so exports of the period reproduce it."""
    await add_part(conn, bulletin_id, FIGURES, "json", 0, document)


async def latest(db: Database, period: Period) -> tuple[Bulletin, str | None] | None:
    """The period's latest published bulletin and its figures (None: published before
    figures were kept), or None if the period was never published."""
    row = await db.fetchone(
        """SELECT b.id, b.period_kind, b.period_start, b.trigger, b.chat_id, b.messages,
                  b.created_by, b.created_at, f.text
           FROM bulletins b
           LEFT JOIN bulletin_parts f ON f.bulletin_id = b.id AND f.audience = ?
           WHERE b.period_kind = ? AND b.period_start = ?
           ORDER BY b.id DESC LIMIT 1""",
        (FIGURES, period.kind, period.start.isoformat()),
    )
    return None if row is None else (_bulletin(row), row[8])


async def part_text(db: Database, part_id: int) -> str | None:
    return await db.fetchval("SELECT text FROM bulletin_parts WHERE id = ?", (part_id,))


async def chart(db: Database, bulletin_id: int) -> tuple[bytes | None, str | None]:
    """The chart PNG and, once Telegram has it, its file id (sent by id from then on)."""
    row = await db.fetchone(
        "SELECT chart, chart_file_id FROM bulletins WHERE id = ?", (bulletin_id,)
    )
    if row is None:
        return None, None
    return row[0], row[1]


async def set_chart_file_id(db: Database, bulletin_id: int, file_id: str) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE bulletins SET chart_file_id = ? WHERE id = ? AND chart_file_id IS NULL",
            (file_id, bulletin_id),
        )


async def scheduled(db: Database, period: Period) -> Bulletin | None:
    row = await db.fetchone(
        """SELECT id, period_kind, period_start, trigger, chat_id, messages, created_by,
                  created_at FROM bulletins
           WHERE period_kind = ? AND period_start = ? AND trigger = 'schedule'""",
        (period.kind, period.start.isoformat()),
    )
    return None if row is None else _bulletin(row)


async def published(db: Database, period: Period) -> bool:
    """Whether any bulletin of this period went out (scheduled or on demand)."""
    return bool(
        await db.fetchval(
            "SELECT 1 FROM bulletins WHERE period_kind = ? AND period_start = ?",
            (period.kind, period.start.isoformat()),
        )
    )


async def recent(db: Database, limit: int = 10) -> list[Bulletin]:
    rows = await db.fetchall(
        """SELECT id, period_kind, period_start, trigger, chat_id, messages, created_by,
                  created_at FROM bulletins ORDER BY id DESC LIMIT ?""",
        (limit,),
    )
    return [_bulletin(r) for r in rows]


def _bulletin(row: aiosqlite.Row) -> Bulletin:
    return Bulletin(
        id=row[0],
        period_kind=row[1],
        period_start=date.fromisoformat(row[2]),
        trigger=row[3],
        chat_id=row[4],
        messages=row[5],
        created_by=row[6],
        created_at=from_iso(row[7]),
    )


# Following a zone --------------------------------------------------------------------------


@dataclass(frozen=True)
class Follower:
    person_id: int
    zone_id: int
    zone_code: str
    language: str


async def followers(conn: aiosqlite.Connection) -> list[Follower]:
    """Residents following a zone (they asked for it) who have not blocked the bot."""
    cur = await conn.execute(
        """SELECT s.person_id, s.zone_id, z.code, p.language
           FROM subscriptions s JOIN people p ON p.id = s.person_id
           JOIN zones z ON z.id = s.zone_id
           WHERE p.blocked_at IS NULL
           ORDER BY s.zone_id, s.person_id"""
    )
    return [Follower(r[0], r[1], r[2], r[3]) for r in await cur.fetchall()]


async def followers_of(db: Database, zone_id: int | None) -> list[tuple[int, str]]:
    """(id, language) of those following a zone — every zone's followers, each once, for
    None (the town) — who have not blocked the bot nor muted announcements."""
    rows = await db.fetchall(
        """SELECT DISTINCT p.id, p.language FROM subscriptions s
           JOIN people p ON p.id = s.person_id
           WHERE p.blocked_at IS NULL AND p.mute_broadcasts = 0
             AND (CAST(? AS INTEGER) IS NULL OR s.zone_id = ?)
           ORDER BY p.id""",
        (zone_id, zone_id),
    )
    return [(int(r[0]), str(r[1])) for r in rows]


async def follows(db: Database, person_id: int, zone_id: int) -> bool:
    return bool(
        await db.fetchval(
            "SELECT 1 FROM subscriptions WHERE person_id = ? AND zone_id = ?",
            (person_id, zone_id),
        )
    )


async def set_following(db: Database, person_id: int, zone_id: int, follow: bool) -> None:
    async with db.transaction() as conn:
        if follow:
            await conn.execute(
                "INSERT OR IGNORE INTO subscriptions (person_id, zone_id) VALUES (?, ?)",
                (person_id, zone_id),
            )
        else:
            await conn.execute(
                "DELETE FROM subscriptions WHERE person_id = ? AND zone_id = ?",
                (person_id, zone_id),
            )


async def move_following(db: Database, person_id: int, old_zone: int, new_zone: int) -> None:
    """A resident who moved home grid across zones follows the new zone if they followed the
    old one (and stops following the old one)."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "DELETE FROM subscriptions WHERE person_id = ? AND zone_id = ?", (person_id, old_zone)
        )
        if cur.rowcount:
            await conn.execute(
                "INSERT OR IGNORE INTO subscriptions (person_id, zone_id) VALUES (?, ?)",
                (person_id, new_zone),
            )


async def first_value(db: Database, name: str, value: int) -> int:
    """The counter's value, set to `value` the first time it is asked for."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT OR IGNORE INTO counters (name, value) VALUES (?, ?)", (name, value)
        )
    return int(await db.fetchval("SELECT value FROM counters WHERE name = ?", (name,)))
