"""The points ledger (append-only: the balance is the sum of a person's rows), the redemption
catalogue and its vouchers, family links (朝夕) and the honour roll's opt-in. Functions taking a
connection run inside the caller's transaction."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage import codes
from storage.codec import from_iso, to_iso
from storage.db import Database


@dataclass(frozen=True)
class Entry:
    id: int
    amount: int
    cause: str
    ref: str
    note: str
    at: datetime


@dataclass(frozen=True)
class Item:
    id: int
    title: str
    points: int
    stock: int
    zone_id: int | None
    provider_id: int | None
    active: bool


@dataclass(frozen=True)
class Redemption:
    id: int
    key: str
    item_id: int
    title: str
    person_id: int | None
    beneficiary_id: int | None
    points: int
    code: str
    status: str
    provider_id: int | None
    created_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class Honour:
    community: str
    volunteers: int
    minutes: int
    top: tuple[tuple[str, int], ...]  # (name, minutes) of those who agreed to be named


def _item(r: sqlite3.Row) -> Item:
    return Item(
        id=r["id"],
        title=r["title"],
        points=r["points"],
        stock=r["stock"],
        zone_id=r["zone_id"],
        provider_id=r["provider_id"],
        active=bool(r["active"]),
    )


def _redemption(r: sqlite3.Row) -> Redemption:
    return Redemption(
        id=r["id"],
        key=r["key"],
        item_id=r["item_id"],
        title=r["title"],
        person_id=r["person_id"],
        beneficiary_id=r["beneficiary_id"],
        points=r["points"],
        code=r["code"],
        status=r["status"],
        provider_id=r["provider_id"],
        created_at=from_iso(r["created_at"]),
        used_at=from_iso(r["used_at"]) if r["used_at"] else None,
    )


# The ledger ---------------------------------------------------------------------------------


async def balance_in(conn: aiosqlite.Connection, person_id: int) -> int:
    """A person's balance, inside the caller's transaction."""
    cur = await conn.execute(
        "SELECT COALESCE(SUM(amount), 0) FROM points_ledger WHERE person_id = ?", (person_id,)
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def hold_balance(conn: aiosqlite.Connection, person_id: int) -> int:
    """A person's balance, their row held until the transaction ends: a debit decided on it
    cannot race another (PostgreSQL: the person's row is locked; SQLite has one writer)."""
    await conn.execute("SELECT id FROM people WHERE id = ? /* lock */", (person_id,))
    return await balance_in(conn, person_id)


async def balance(db: Database, person_id: int) -> int:
    """A person's balance (for showing)."""
    found = await db.fetchval(
        "SELECT COALESCE(SUM(amount), 0) FROM points_ledger WHERE person_id = ?", (person_id,)
    )
    return int(found or 0)


async def add_entry(
    conn: aiosqlite.Connection,
    person_id: int,
    amount: int,
    cause: str,
    *,
    now: datetime,
    ref: str = "",
    note: str = "",
    by_id: int | None = None,
) -> bool:
    """Append one row; False when its (cause, ref) was written for this person already."""
    cur = await conn.execute(
        """INSERT OR IGNORE INTO points_ledger (person_id, amount, cause, ref, note, by_id, at)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (person_id, amount, cause, ref, note, by_id, to_iso(now)),
    )
    return cur.rowcount == 1


async def history(db: Database, person_id: int, limit: int = 10) -> list[Entry]:
    """A person's latest rows, newest first."""
    rows = await db.fetchall(
        "SELECT * FROM points_ledger WHERE person_id = ? ORDER BY id DESC LIMIT ?",
        (person_id, limit),
    )
    return [
        Entry(r["id"], r["amount"], r["cause"], r["ref"], r["note"], from_iso(r["at"]))
        for r in rows
    ]


async def sum_and_rows(db: Database, person_id: int) -> tuple[int, list[int]]:
    """(balance, every amount in order): for checking the ledger against itself."""
    rows = await db.fetchall(
        "SELECT amount FROM points_ledger WHERE person_id = ? ORDER BY id", (person_id,)
    )
    return await balance(db, person_id), [int(r[0]) for r in rows]


# The catalogue and vouchers -----------------------------------------------------------------


async def add_item(
    conn: aiosqlite.Connection,
    *,
    title: str,
    points: int,
    stock: int,
    zone_id: int | None,
    provider_id: int | None,
    by: int,
    now: datetime,
) -> int:
    """A catalogue item; its id."""
    cur = await conn.execute(
        """INSERT INTO points_items (title, points, stock, zone_id, provider_id, created_by,
               created_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (title, points, stock, zone_id, provider_id, by, to_iso(now)),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def items_for(db: Database, zone_id: int | None) -> list[Item]:
    """Active items a resident of `zone_id` may redeem, cheapest first (every one: a list
    that showed the cheapest few left the dearer ones out of reach)."""
    rows = await db.fetchall(
        """SELECT * FROM points_items WHERE active = 1 AND (zone_id IS NULL OR zone_id = ?)
           ORDER BY points, id""",
        (zone_id,),
    )
    return [_item(r) for r in rows]


async def catalogue(db: Database) -> list[Item]:
    """Every active item, the town's and each zone's, for the admins' /catalogue."""
    rows = await db.fetchall("SELECT * FROM points_items WHERE active = 1 ORDER BY points, id")
    return [_item(r) for r in rows]


async def item_in(conn: aiosqlite.Connection, item_id: int) -> Item | None:
    """One item, inside the caller's transaction."""
    cur = await conn.execute("SELECT * FROM points_items WHERE id = ?", (item_id,))
    r = await cur.fetchone()
    return _item(r) if r else None


async def item(db: Database, item_id: int) -> Item | None:
    """One item."""
    r = await db.fetchone("SELECT * FROM points_items WHERE id = ?", (item_id,))
    return _item(r) if r else None


async def take_stock(conn: aiosqlite.Connection, item_id: int) -> bool:
    """One unit of an item's stock; False when none is left."""
    cur = await conn.execute(
        "UPDATE points_items SET stock = stock - 1 WHERE id = ? AND stock > 0 AND active = 1",
        (item_id,),
    )
    return cur.rowcount == 1


_REDEMPTIONS = """SELECT r.*, i.title, i.provider_id FROM points_redemptions r
                  JOIN points_items i ON i.id = r.item_id"""


async def add_redemption(
    conn: aiosqlite.Connection,
    *,
    key: str,
    item_id: int,
    person_id: int,
    beneficiary_id: int,
    points: int,
    code: str,
    now: datetime,
) -> int:
    """A voucher; its id."""
    cur = await conn.execute(
        """INSERT INTO points_redemptions (key, item_id, person_id, beneficiary_id, points,
               code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (key, item_id, person_id, beneficiary_id, points, code, to_iso(now)),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def redemption_by_key(conn: aiosqlite.Connection, key: str) -> Redemption | None:
    """The redemption a press made already, if any."""
    cur = await conn.execute(_REDEMPTIONS + " WHERE r.key = ?", (key,))
    r = await cur.fetchone()
    return _redemption(r) if r else None


async def redemption_by_code(conn: aiosqlite.Connection, code: str) -> Redemption | None:
    """The voucher with this code."""
    cur = await conn.execute(_REDEMPTIONS + " WHERE r.code = ?", (code,))
    r = await cur.fetchone()
    return _redemption(r) if r else None


async def code_taken(conn: aiosqlite.Connection, code: str) -> bool:
    """Whether a voucher or invitation code exists, inside the transaction that will insert
    it if free (the code held until that transaction ends: `storage.codes`)."""
    await codes.hold(conn, code)
    cur = await conn.execute(
        "SELECT 1 FROM points_redemptions WHERE code = ?1 UNION ALL "
        "SELECT 1 FROM family_invites WHERE code = ?1",
        (code,),
    )
    return await cur.fetchone() is not None


async def use_voucher(conn: aiosqlite.Connection, code: str, by: int, now: datetime) -> bool:
    """Mark a voucher used; False when it was used already."""
    cur = await conn.execute(
        "UPDATE points_redemptions SET status = 'used', used_at = ?, used_by = ? "
        "WHERE code = ? AND status = 'issued'",
        (to_iso(now), by, code),
    )
    return cur.rowcount == 1


async def vouchers(db: Database, person_id: int) -> list[Redemption]:
    """Vouchers a person paid for or holds, newest first (at most 10)."""
    rows = await db.fetchall(
        _REDEMPTIONS + " WHERE r.person_id = ?1 OR r.beneficiary_id = ?1 "
        "ORDER BY r.id DESC LIMIT 10",
        (person_id,),
    )
    return [_redemption(r) for r in rows]


# Family (朝夕) --------------------------------------------------------------------------------


async def add_invite(
    conn: aiosqlite.Connection, code: str, person_id: int, now: datetime, expires: datetime
) -> None:
    """A one-time invitation code."""
    await conn.execute(
        "INSERT INTO family_invites (code, person_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        (code, person_id, to_iso(now), to_iso(expires)),
    )


async def take_invite(
    conn: aiosqlite.Connection, code: str, now: datetime
) -> tuple[int, datetime, bool] | None:
    """(inviter, expires_at, used already) of a code, marking it used; None if unknown. Taken
    by one conditional UPDATE: of two people using a code at once (two workers) the second
    waits for the first one's row and finds it used."""
    cur = await conn.execute(
        "UPDATE family_invites SET used_at = ? WHERE code = ? AND used_at IS NULL",
        (to_iso(now), code),
    )
    taken = cur.rowcount == 1
    cur = await conn.execute(
        "SELECT person_id, expires_at FROM family_invites WHERE code = ?", (code,)
    )
    r = await cur.fetchone()
    if r is None:
        return None
    return int(r["person_id"]), from_iso(r["expires_at"]), not taken


async def link(conn: aiosqlite.Connection, a: int, b: int, now: datetime) -> None:
    """Link two people both ways (a link that exists stays)."""
    for x, y in ((a, b), (b, a)):
        await conn.execute(
            "INSERT OR IGNORE INTO family_links (person_id, member_id, linked_at) VALUES (?, ?, ?)",
            (x, y, to_iso(now)),
        )


async def linked(db: Database, person_id: int, member_id: int) -> bool:
    """Whether two people are linked."""
    found = await db.fetchval(
        "SELECT 1 FROM family_links WHERE person_id = ? AND member_id = ?",
        (person_id, member_id),
    )
    return found is not None


async def family(db: Database, person_id: int) -> list[tuple[int, str]]:
    """(id, first name) of a person's linked family members."""
    rows = await db.fetchall(
        """SELECT p.id, p.first_name FROM family_links f JOIN people p ON p.id = f.member_id
           WHERE f.person_id = ? ORDER BY f.linked_at, p.id""",
        (person_id,),
    )
    return [(int(r[0]), str(r[1])) for r in rows]


# Honour -------------------------------------------------------------------------------------


async def set_named(db: Database, person_id: int, named: bool, now: datetime) -> None:
    """A volunteer's choice to be named in the honour roll."""
    async with db.transaction() as conn:
        await conn.execute(
            """INSERT INTO volunteer_honour (person_id, named, at) VALUES (?, ?, ?)
               ON CONFLICT (person_id) DO UPDATE SET named = excluded.named, at = excluded.at""",
            (person_id, int(named), to_iso(now)),
        )


async def is_named(db: Database, person_id: int) -> bool:
    """Whether a volunteer agreed to be named."""
    return bool(
        await db.fetchval("SELECT named FROM volunteer_honour WHERE person_id = ?", (person_id,))
    )


async def honour(db: Database, start: datetime, end: datetime, top: int = 3) -> list[Honour]:
    """Per community, the volunteers and minutes served in [start, end) (attended, confirmed)
    and the top volunteers who agreed to be named; others are only counted."""
    rows = await db.fetchall(
        """SELECT c.name AS community, s.person_id, SUM(s.minutes) AS minutes,
                  COALESCE(h.named, 0) AS named, p.first_name AS name
           FROM volunteer_signups s
           JOIN volunteer_activities a ON a.id = s.activity_id
           JOIN people p ON p.id = s.person_id
           JOIN grids g ON g.id = p.grid_id
           JOIN communities c ON c.id = g.community_id
           LEFT JOIN volunteer_honour h ON h.person_id = s.person_id
           WHERE s.status = 'attended' AND a.starts_at >= ? AND a.starts_at < ?
           GROUP BY c.id, s.person_id, p.id, h.person_id
           ORDER BY c.code, minutes DESC, s.person_id""",
        (to_iso(start), to_iso(end)),
    )
    found: dict[str, tuple[int, int, list[tuple[str, int]]]] = {}
    for r in rows:
        count, minutes, named = found.get(r["community"], (0, 0, []))
        if r["named"] and len(named) < top:
            named.append((str(r["name"]), int(r["minutes"])))
        found[r["community"]] = (count + 1, minutes + int(r["minutes"]), named)
    return [Honour(name, n, m, tuple(top_)) for name, (n, m, top_) in found.items()]
