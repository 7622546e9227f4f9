"""The official holiday calendar an admin imports (the State Council's yearly notice).

The file is a CSV sheet as saved by Excel (UTF-8, UTF-8 with BOM, or GBK), one day a line:
date, kind, name — kind is `holiday` (放假/休) or `workday` (上班/班, a make-up working day).
A header line is optional. A file with any bad line imports nothing; every bad line is
reported with its number. The notice's year is the one most of its days fall in: the file
replaces what was imported for that year; a day it lists in a neighbouring year (the 2023
notice began the New Year holiday on 31 December 2022) is kept for that day alone.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import aiosqlite

from storage.codec import to_iso
from storage.csv_import import ImportError_, decode_text
from storage.db import Database

HOLIDAY, WORKDAY = "holiday", "workday"


@dataclass(frozen=True)
class Day:
    """A day that differs from the plain week: a holiday, or a make-up working day."""

    day: date
    kind: str  # HOLIDAY or WORKDAY
    name: str = ""
    notice: int | None = None  # the year of the imported notice that lists it


KINDS = {
    "holiday": HOLIDAY,
    "放假": HOLIDAY,
    "休": HOLIDAY,
    "假": HOLIDAY,
    "workday": WORKDAY,
    "上班": WORKDAY,
    "班": WORKDAY,
    "补班": WORKDAY,
}
HEADERS = {"date", "日期"}
NAME_MAX = 40
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _day(text: str) -> date | None:
    found = _DATE.match(text.strip())
    if found is None:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def parse(raw: bytes) -> list[Day]:
    """Every day of the file, or ImportError_ listing each bad line."""
    rows = list(csv.reader(io.StringIO(decode_text(raw))))
    problems: list[tuple[int, str]] = []
    days: dict[date, tuple[int, Day]] = {}
    for line, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if line == 1 and cells[0].lower() in HEADERS:
            continue
        if len(cells) < 2:
            problems.append((line, "expected: date, kind (holiday or workday), name"))
            continue
        day, kind = _day(cells[0]), KINDS.get(cells[1].lower())
        name = cells[2] if len(cells) > 2 else ""
        if day is None:
            problems.append((line, f"not a date (write 2027-01-01): {cells[0]!r}"))
        if kind is None:
            problems.append((line, f"kind must be holiday or workday, got {cells[1]!r}"))
        if len(name) > NAME_MAX:
            problems.append((line, f"the name is longer than {NAME_MAX} characters"))
        if day is None or kind is None or len(name) > NAME_MAX:
            continue
        if day in days:
            problems.append((line, f"{day.isoformat()} is listed twice (line {days[day][0]})"))
            continue
        if kind == WORKDAY and day.weekday() < 5:
            problems.append((line, f"{day.isoformat()} is a weekday; only a weekend is made up"))
            continue
        days[day] = (line, Day(day, kind, name))
    if not problems and not days:
        problems.append((1, "the file lists no days"))
    if problems:
        raise ImportError_(problems)
    return sorted((d for _, d in days.values()), key=lambda d: d.day)


async def import_file(db: Database, path: Path, now: datetime) -> dict[int, int]:
    """Validate the whole file, then replace its notice's year in one transaction:
    {the notice's year: its days}."""
    days = parse(await asyncio.to_thread(path.read_bytes))
    counts = Counter(d.day.year for d in days)
    year = max(counts, key=lambda y: (counts[y], y))
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM calendar_days WHERE year = ?", (year,))
        await conn.executemany(
            """INSERT INTO calendar_days (day, year, kind, name, imported_at)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT(day) DO UPDATE SET year = excluded.year, kind = excluded.kind,
                   name = excluded.name, imported_at = excluded.imported_at""",
            [(d.day.isoformat(), year, d.kind, d.name, to_iso(now)) for d in days],
        )
    return {year: len(days)}


async def load(db: Database) -> list[Day]:
    """Every imported day (the running bot's calendar uses them)."""
    rows = await db.fetchall("SELECT day, kind, name, year FROM calendar_days ORDER BY day")
    return [Day(date.fromisoformat(r[0]), r[1], r[2], notice=r[3]) for r in rows]


async def imported_years(db: Database) -> list[int]:
    """The years of the imported notices."""
    return [r[0] for r in await db.fetchall("SELECT DISTINCT year FROM calendar_days ORDER BY 1")]


async def was_warned(db: Database, year: int) -> bool:
    """Whether the admins were already warned that the year has no official data."""
    return bool(await db.fetchval("SELECT 1 FROM calendar_warnings WHERE year = ?", (year,)))


async def mark_warned(conn: aiosqlite.Connection, year: int, now: datetime) -> bool:
    """Record the warning inside the caller's transaction; False if it was already given."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO calendar_warnings (year, warned_at) VALUES (?, ?)",
        (year, now.isoformat()),
    )
    return cur.rowcount == 1
