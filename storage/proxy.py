"""Reports filed for someone (代办): for whom, with whose record of their oral consent, and
the resident's Telegram account once they link it by sharing their contact.

The resident's name and phone are personal data: read here only for the staff member's private
chat and for the resident's own /mydata; /deleteme clears them (storage/privacy.py). No
bulletin query reads this table beyond its `complaint_id` (the origin 代办).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.codec import to_iso
from storage.db import Database


@dataclass(frozen=True)
class Linked:
    """A case filed for a resident that now joined their /my."""

    complaint_id: int
    number: str
    filed_by: int


async def insert(
    conn: aiosqlite.Connection,
    complaint_id: int,
    *,
    name: str,
    phone: str | None,
    consent_by: int,
    consent_at: datetime,
    filed_by: int,
    now: datetime,
) -> None:
    """The proxy record of a complaint, inside the complaint's own transaction."""
    await conn.execute(
        """INSERT INTO complaint_proxies (complaint_id, name, phone, consent_by, consent_at,
               filed_by, filed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (complaint_id, name, phone, consent_by, to_iso(consent_at), filed_by, to_iso(now)),
    )


async def link_in(
    conn: aiosqlite.Connection, phone: str, person_id: int, now: datetime
) -> list[Linked]:
    """Every case filed for this phone number and not linked yet joins the person: the proxy
    row names them and the complaint's reporter becomes them (they hear its steps, see it in
    /my). Inside the caller's transaction; the cases linked, oldest first."""
    cur = await conn.execute(
        """SELECT x.complaint_id, c.number, x.filed_by FROM complaint_proxies x
           JOIN complaints c ON c.id = x.complaint_id
           WHERE x.phone = ? AND x.person_id IS NULL ORDER BY x.complaint_id""",
        (phone,),
    )
    found = []
    for case in [Linked(int(r[0]), str(r[1]), int(r[2])) for r in await cur.fetchall()]:
        cur = await conn.execute(
            """UPDATE complaint_proxies SET person_id = ?, linked_at = ?
               WHERE complaint_id = ? AND person_id IS NULL""",
            (person_id, to_iso(now), case.complaint_id),
        )
        if cur.rowcount != 1:  # another worker linked it a moment ago (same phone)
            continue
        found.append(case)
        await conn.execute(
            "UPDATE complaints SET reporter_id = ? WHERE id = ?", (person_id, case.complaint_id)
        )
    return found


async def linked_to(db: Database, person_id: int) -> list[str]:
    """The numbers of the cases filed for this person and linked to them."""
    rows = await db.fetchall(
        """SELECT c.number FROM complaint_proxies x JOIN complaints c ON c.id = x.complaint_id
           WHERE x.person_id = ? ORDER BY x.complaint_id""",
        (person_id,),
    )
    return [str(r[0]) for r in rows]


async def is_proxy(db: Database, complaint_id: int) -> bool:
    """Whether the complaint was filed for someone."""
    found = await db.fetchval(
        "SELECT 1 FROM complaint_proxies WHERE complaint_id = ?", (complaint_id,)
    )
    return found is not None


async def relayed_by_in(conn: aiosqlite.Connection, complaint_id: int) -> int | None:
    """The staff member who filed this case for a resident and still relays it (the resident
    has not linked it to their own account); None for any other case."""
    cur = await conn.execute(
        "SELECT filed_by FROM complaint_proxies WHERE complaint_id = ? AND person_id IS NULL",
        (complaint_id,),
    )
    row = await cur.fetchone()
    return int(row[0]) if row else None
