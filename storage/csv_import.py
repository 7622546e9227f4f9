"""Import a real town from one CSV sheet (as saved by Excel: UTF-8, UTF-8 with BOM, or GBK).

Columns: kind, code, name, parent, user_id, role
- zone:       code, name
- community:  code, name, parent = zone code
- grid:       code, name, parent = community code
- department: code, name
- staff:      name, user_id, role (admin, grid_worker, department, representative),
              code = the grid code (grid_worker) or department code (department)
A file with any bad row imports nothing; every bad row is reported with its line number.
"""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from storage.codec import to_iso
from storage.db import Database
from storage.models import ROLES
from storage.seed import ensure_reference_data

COLUMNS = ("kind", "code", "name", "parent", "user_id", "role")
KINDS = ("zone", "community", "grid", "department", "staff")


class ImportError_(Exception):
    """The file was refused; `problems` lists (line, message)."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(f"line {n}: {m}" for n, m in problems))
        self.problems = problems


@dataclass
class ImportResult:
    counts: dict[str, int] = field(default_factory=dict)


def decode_text(raw: bytes) -> str:
    """The text of a file Excel saved: UTF-8 (with or without BOM) or GBK."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportError_([(0, "the file is neither UTF-8 nor GBK text")])


async def _existing(db: Database, table: str) -> set[str]:
    return {r[0] for r in await db.fetchall(f"SELECT code FROM {table}")}


async def import_csv(db: Database, path: Path, now: datetime) -> ImportResult:
    """Validate the whole file, then import it in one transaction."""
    text = decode_text(await asyncio.to_thread(path.read_bytes))
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportError_([(1, f"missing columns: {', '.join(missing)}")])
    reader.fieldnames = header
    rows: list[tuple[int, dict[str, str]]] = []
    for line, row in enumerate(reader, start=2):
        rows.append((line, {k: (row.get(k) or "").strip() for k in COLUMNS}))

    zones, communities = await _existing(db, "zones"), await _existing(db, "communities")
    grids, departments = await _existing(db, "grids"), await _existing(db, "departments")
    problems: list[tuple[int, str]] = []
    seen: set[tuple[str, str]] = set()
    for line, r in rows:
        kind, code, name = r["kind"].lower(), r["code"], r["name"]
        if kind not in KINDS:
            problems.append((line, f"kind must be one of {', '.join(KINDS)}, got {kind!r}"))
            continue
        if kind != "staff":
            if not code or not name:
                problems.append((line, f"a {kind} needs a code and a name"))
                continue
            if (kind, code) in seen:
                problems.append((line, f"{kind} {code} appears twice"))
            seen.add((kind, code))
        if kind == "zone":
            zones.add(code)
        elif kind == "community":
            if r["parent"] not in zones:
                problems.append((line, f"unknown zone {r['parent']!r} (list zones first)"))
            communities.add(code)
        elif kind == "grid":
            if r["parent"] not in communities:
                problems.append((line, f"unknown community {r['parent']!r}"))
            grids.add(code)
        elif kind == "department":
            departments.add(code)
        else:
            role = r["role"]
            if not r["user_id"].isdigit():
                problems.append((line, "user_id must be a Telegram user id (digits)"))
            if role not in ROLES:
                problems.append((line, f"role must be one of {', '.join(ROLES)}"))
            elif role == "grid_worker" and code not in grids:
                problems.append((line, f"unknown grid {code!r}"))
            elif role == "department" and code not in departments:
                problems.append((line, f"unknown department {code!r}"))
    if problems:
        raise ImportError_(problems)

    result = ImportResult()
    async with db.transaction() as conn:
        await ensure_reference_data(conn)
        for _, r in rows:
            kind = r["kind"].lower()
            result.counts[kind] = result.counts.get(kind, 0) + 1
            if kind == "zone":
                await conn.execute(
                    "INSERT INTO zones (code, name) VALUES (?, ?) "
                    "ON CONFLICT(code) DO UPDATE SET name = excluded.name",
                    (r["code"], r["name"]),
                )
            elif kind == "community":
                await conn.execute(
                    """INSERT INTO communities (zone_id, code, name, kind)
                       VALUES ((SELECT id FROM zones WHERE code = ?), ?, ?, ?)
                       ON CONFLICT(code) DO UPDATE SET name = excluded.name,
                           zone_id = excluded.zone_id""",
                    (
                        r["parent"],
                        r["code"],
                        r["name"],
                        "village" if r["name"].endswith("村") else "community",
                    ),
                )
            elif kind == "grid":
                await conn.execute(
                    """INSERT INTO grids (community_id, code, name)
                       VALUES ((SELECT id FROM communities WHERE code = ?), ?, ?)
                       ON CONFLICT(code) DO UPDATE SET name = excluded.name,
                           community_id = excluded.community_id""",
                    (r["parent"], r["code"], r["name"]),
                )
            elif kind == "department":
                await conn.execute(
                    "INSERT INTO departments (code, name) VALUES (?, ?) "
                    "ON CONFLICT(code) DO UPDATE SET name = excluded.name",
                    (r["code"], r["name"]),
                )
            else:
                await conn.execute(
                    """INSERT OR IGNORE INTO role_grants
                         (user_id, role, grid_id, department_id, display_name, granted_at,
                          granted_by)
                       VALUES (?, ?, (SELECT id FROM grids WHERE code = ? AND ? = 'grid_worker'),
                               (SELECT id FROM departments WHERE code = ? AND ? = 'department'),
                               ?, ?, ?)""",
                    (
                        int(r["user_id"]),
                        r["role"],
                        r["code"],
                        r["role"],
                        r["code"],
                        r["role"],
                        r["name"],
                        to_iso(now),
                        f"import:{path.name}",
                    ),
                )
    return result
