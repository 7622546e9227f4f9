"""The command centre's screen (issue 19): its signing key, login links, kiosk links and
sessions. Tokens are never stored, only their SHA-256 hashes (`bot.dashboard.tokens`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.codec import from_iso, to_iso
from storage.db import Database


@dataclass(frozen=True)
class Session:
    """A browser's session, as its row says (the scope is worked out at every request)."""

    id: int
    user_id: int | None
    kiosk_id: int | None
    kiosk_zones: str | None  # a kiosk's scope ('' the whole town); None for a person
    kiosk_by: int | None  # who made the kiosk link
    expires_at: datetime | None


@dataclass(frozen=True)
class Kiosk:
    id: int
    label: str
    zones: str
    created_at: datetime
    revoked_at: datetime | None


async def secret(db: Database, fresh: str) -> str:
    """The signing key kept in the database: `fresh` becomes it the first time."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO dashboard_secret (id, secret) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
            (fresh,),
        )
    return str(await db.fetchval("SELECT secret FROM dashboard_secret WHERE id = 1"))


async def staff_scope(db: Database, user_id: int) -> list[tuple[str, int | None]]:
    """(role, zone id) of a person's admin and dispatcher grants."""
    rows = await db.fetchall(
        "SELECT role, zone_id FROM role_grants WHERE user_id = ? "
        "AND role IN ('admin', 'dispatcher') ORDER BY id",
        (user_id,),
    )
    return [(str(r[0]), None if r[1] is None else int(r[1])) for r in rows]


async def add_link(
    db: Database, token_hash: str, user_id: int, now: datetime, expires_at: datetime
) -> None:
    """A login link the bot is about to send."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO dashboard_links (token_hash, user_id, created_at, expires_at) "
            "VALUES (?, ?, ?, ?)",
            (token_hash, user_id, to_iso(now), to_iso(expires_at)),
        )


async def use_link(
    db: Database,
    link_hash: str,
    session_hash: str,
    now: datetime,
    session_until: datetime,
) -> int | None:
    """Spend a login link and open its session in one transaction; the user id, or None when
    the link is unknown, used or expired (then nothing changes)."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "SELECT user_id FROM dashboard_links WHERE token_hash = ? AND used_at IS NULL "
            "AND expires_at > ?",
            (link_hash, to_iso(now)),
        )
        row = await cur.fetchone()
        if row is None:
            return None
        user_id = int(row[0])
        done = await conn.execute(
            "UPDATE dashboard_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
            (to_iso(now), link_hash),
        )
        if done.rowcount != 1:
            return None
        await conn.execute(
            "INSERT INTO dashboard_sessions (token_hash, user_id, created_at, expires_at) "
            "VALUES (?, ?, ?, ?)",
            (session_hash, user_id, to_iso(now), to_iso(session_until)),
        )
    return user_id


async def add_kiosk(
    db: Database, token_hash: str, label: str, zones: str, user_id: int, now: datetime
) -> int:
    """A wall screen's link; its id."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO dashboard_kiosks (token_hash, label, zones, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (token_hash, label, zones, user_id, to_iso(now)),
        )
        assert cur.lastrowid is not None
        return int(cur.lastrowid)


async def use_kiosk(db: Database, kiosk_hash: str, session_hash: str, now: datetime) -> int | None:
    """Open a session for a kiosk link still valid; the kiosk's id, or None."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "SELECT id FROM dashboard_kiosks WHERE token_hash = ? AND revoked_at IS NULL",
            (kiosk_hash,),
        )
        row = await cur.fetchone()
        if row is None:
            return None
        await conn.execute(
            "INSERT INTO dashboard_sessions (token_hash, kiosk_id, created_at) VALUES (?, ?, ?)",
            (session_hash, int(row[0]), to_iso(now)),
        )
    return int(row[0])


async def kiosks(db: Database, user_id: int | None) -> list[Kiosk]:
    """Kiosk links (of one admin, or all), newest first."""
    where, params = ("WHERE created_by = ?", (user_id,)) if user_id is not None else ("", ())
    rows = await db.fetchall(
        f"SELECT id, label, zones, created_at, revoked_at FROM dashboard_kiosks {where} "
        "ORDER BY id DESC LIMIT 100",
        params,
    )
    return [
        Kiosk(
            int(r[0]),
            str(r[1]),
            str(r[2]),
            from_iso(r[3]),
            from_iso(r[4]) if r[4] else None,
        )
        for r in rows
    ]


async def revoke_kiosk(db: Database, kiosk_id: int, now: datetime) -> bool:
    """Revoke a kiosk link and every session it opened; False if none was live."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE dashboard_kiosks SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (to_iso(now), kiosk_id),
        )
        if cur.rowcount != 1:
            return False
        await conn.execute(
            "UPDATE dashboard_sessions SET revoked_at = ? WHERE kiosk_id = ? "
            "AND revoked_at IS NULL",
            (to_iso(now), kiosk_id),
        )
    return True


async def session(db: Database, token_hash: str, now: datetime) -> Session | None:
    """The live session with this hash (not revoked, not expired, its kiosk not revoked)."""
    row = await db.fetchone(
        """SELECT s.id, s.user_id, s.kiosk_id, k.zones, k.created_by, s.expires_at
           FROM dashboard_sessions s LEFT JOIN dashboard_kiosks k ON k.id = s.kiosk_id
           WHERE s.token_hash = ? AND s.revoked_at IS NULL
             AND (s.expires_at IS NULL OR s.expires_at > ?)
             AND (s.kiosk_id IS NULL OR k.revoked_at IS NULL)""",
        (token_hash, to_iso(now)),
    )
    if row is None:
        return None
    return Session(
        int(row[0]),
        None if row[1] is None else int(row[1]),
        None if row[2] is None else int(row[2]),
        None if row[3] is None else str(row[3]),
        None if row[4] is None else int(row[4]),
        from_iso(row[5]) if row[5] else None,
    )


async def end_session(db: Database, token_hash: str, now: datetime) -> None:
    """Log out."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE dashboard_sessions SET revoked_at = ? WHERE token_hash = ? "
            "AND revoked_at IS NULL",
            (to_iso(now), token_hash),
        )


async def forget_person(db: Database, user_id: int) -> None:
    """/deleteme: a person's links and sessions go."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM dashboard_links WHERE user_id = ?", (user_id,))
        await conn.execute("DELETE FROM dashboard_sessions WHERE user_id = ?", (user_id,))
