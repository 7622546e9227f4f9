"""People (residents who consented) and role grants."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from storage.codec import record, to_iso
from storage.db import Database
from storage.models import ROLES, Person, RoleGrant


def _person(row: sqlite3.Row) -> Person:
    return record(Person, row)


async def get(db: Database, user_id: int) -> Person | None:
    """The person with this Telegram id, if they have consented."""
    row = await db.fetchone("SELECT * FROM people WHERE id = ?", (user_id,))
    return _person(row) if row else None


async def register(
    db: Database, user_id: int, first_name: str, language: str, grid_id: int, now: datetime
) -> Person:
    """Record consent with language and home grid in one transaction."""
    async with db.transaction() as conn:
        await conn.execute(
            """INSERT INTO people (id, first_name, language, grid_id, consented_at,
                                   created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(id) DO UPDATE SET first_name = excluded.first_name,
                   language = excluded.language, grid_id = excluded.grid_id,
                   blocked_at = NULL, updated_at = excluded.updated_at""",
            (user_id, first_name, language, grid_id, to_iso(now), to_iso(now), to_iso(now)),
        )
    person = await get(db, user_id)
    assert person is not None
    return person


async def update(db: Database, user_id: int, now: datetime, **fields: Any) -> None:
    """Change language, grid_id or mute_broadcasts of a person."""
    allowed = {"language", "grid_id", "mute_broadcasts", "first_name"}
    if not fields or not set(fields) <= allowed:
        raise ValueError(f"cannot update {sorted(set(fields) - allowed)}")
    assignments = ", ".join(f"{name} = ?" for name in fields)
    async with db.transaction() as conn:
        await conn.execute(
            f"UPDATE people SET {assignments}, updated_at = ? WHERE id = ?",
            (*fields.values(), to_iso(now), user_id),
        )


async def mark_blocked(db: Database, user_id: int, now: datetime | None) -> None:
    """Record that the user blocked the bot (None: they came back)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE people SET blocked_at = ? WHERE id = ?",
            (to_iso(now) if now else None, user_id),
        )


async def reachable_ids(db: Database, user_ids: list[int]) -> list[int]:
    """Of `user_ids` (order kept, once each), those who opened the bot and have not blocked it."""
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return []
    found: set[int] = set()
    for start in range(0, len(wanted), 500):  # well under SQLite's bound on parameters
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = await db.fetchall(
            f"SELECT id FROM people WHERE blocked_at IS NULL AND id IN ({marks})", tuple(chunk)
        )
        found.update(r[0] for r in rows)
    return [user_id for user_id in wanted if user_id in found]


async def clear_blocked(db: Database, user_id: int) -> None:
    """They came back: clear the blocked mark (no write when there is none)."""
    row = await db.fetchone(
        "SELECT 1 FROM people WHERE id = ? AND blocked_at IS NOT NULL", (user_id,)
    )
    if row is not None:
        await mark_blocked(db, user_id, None)


def _grant(row: sqlite3.Row) -> RoleGrant:
    return record(RoleGrant, row)


async def roles(db: Database, user_id: int) -> list[RoleGrant]:
    """Every role granted to a user."""
    rows = await db.fetchall(
        "SELECT * FROM role_grants WHERE user_id = ? ORDER BY role, id", (user_id,)
    )
    return [_grant(r) for r in rows]


async def grant(
    db: Database,
    user_id: int,
    role: str,
    now: datetime,
    *,
    grid_id: int | None = None,
    department_id: int | None = None,
    zone_id: int | None = None,
    display_name: str = "",
    granted_by: str = "",
) -> bool:
    """Grant a role (a dispatcher's `zone_id` scopes it to one zone); returns False if it was
    already held."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose from {', '.join(ROLES)}")
    if role == "grid_worker" and grid_id is None:
        raise ValueError("a grid worker needs a grid")
    if role == "department" and department_id is None:
        raise ValueError("a department officer needs a department")
    async with db.transaction() as conn:
        cur = await conn.execute(
            """INSERT OR IGNORE INTO role_grants
                 (user_id, role, grid_id, department_id, zone_id, display_name, granted_at,
                  granted_by)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (user_id, role, grid_id, department_id, zone_id, display_name, to_iso(now), granted_by),
        )
        return cur.rowcount == 1


async def revoke(db: Database, user_id: int, role: str) -> int:
    """Revoke every grant of a role from a user; returns how many were removed."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "DELETE FROM role_grants WHERE user_id = ? AND role = ?", (user_id, role)
        )
        return cur.rowcount


async def staff_of_grid(db: Database, grid_id: int) -> list[int]:
    """User ids of the grid's workers."""
    rows = await db.fetchall(
        "SELECT DISTINCT user_id FROM role_grants WHERE role = 'grid_worker' AND grid_id = ?",
        (grid_id,),
    )
    return [r[0] for r in rows]


async def staff_of_department(db: Database, department_id: int) -> list[int]:
    """User ids of a department's officers."""
    rows = await db.fetchall(
        "SELECT DISTINCT user_id FROM role_grants WHERE role = 'department' AND department_id = ?",
        (department_id,),
    )
    return [r[0] for r in rows]


async def staff_user_ids(db: Database) -> list[int]:
    """Every user id holding any role (for per-user command menus)."""
    rows = await db.fetchall("SELECT DISTINCT user_id FROM role_grants ORDER BY user_id")
    return [r[0] for r in rows]


async def admin_user_ids(db: Database) -> list[int]:
    """User ids granted the admin role (anywhere)."""
    rows = await db.fetchall("SELECT DISTINCT user_id FROM role_grants WHERE role = 'admin'")
    return [r[0] for r in rows]


async def admins_of_zone(db: Database, zone_id: int | None) -> list[int]:
    """Admins of a zone and town-wide admins (granted in the database); town-wide ones only
    when no zone is given."""
    rows = await db.fetchall(
        "SELECT DISTINCT user_id FROM role_grants WHERE role = 'admin' "
        "AND (zone_id IS NULL OR zone_id = ?) ORDER BY user_id",
        (zone_id,),
    )
    return [int(r[0]) for r in rows]


async def granted_name(db: Database, user_id: int) -> str | None:
    """The name a person was granted a role under, else their first name."""
    name = await db.fetchval(
        "SELECT COALESCE(NULLIF(MAX(r.display_name), ''), MAX(p.first_name)) FROM people p "
        "LEFT JOIN role_grants r ON r.user_id = p.id WHERE p.id = ?",
        (user_id,),
    )
    return None if name is None else str(name)


async def holders(
    db: Database,
    role: str,
    zone_id: int | None,
    *,
    limit: int = 40,
    opened_only: bool = True,
) -> list[tuple[int, str]]:
    """(user id, name) of who holds a role (in one zone when given: grid workers of its grids),
    by default only those who opened the bot."""
    join = "JOIN people p" if opened_only else "LEFT JOIN people p"
    zone_filter = "AND c.zone_id = ?" if zone_id is not None else ""
    rows = await db.fetchall(
        f"""SELECT r.user_id, MAX(COALESCE(NULLIF(r.display_name, ''), p.first_name, ''))
            FROM role_grants r {join} ON p.id = r.user_id
            LEFT JOIN grids g ON g.id = r.grid_id
            LEFT JOIN communities c ON c.id = g.community_id
            WHERE r.role = ? {zone_filter}
            GROUP BY r.user_id ORDER BY r.user_id LIMIT ?""",
        (role, zone_id, limit) if zone_filter else (role, limit),
    )
    return [(int(r[0]), str(r[1] or r[0])) for r in rows]


async def holds(db: Database, role: str, user_id: int) -> bool:
    """Whether someone who opened the bot holds a role."""
    found = await db.fetchval(
        "SELECT 1 FROM role_grants r JOIN people p ON p.id = r.user_id "
        "WHERE r.role = ? AND r.user_id = ?",
        (role, user_id),
    )
    return found is not None
