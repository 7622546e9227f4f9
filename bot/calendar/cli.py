"""`minhu calendar`: import the State Council's holiday notice, show a year's calendar."""

from __future__ import annotations

import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.calendar.workdays import HOLIDAYS, IMPORTED, WORKDAY, WorkCalendar
from bot.core.clock import SystemClock
from storage import calendar
from storage.csv_import import ImportError_
from storage.db import Database

SOURCES = {
    IMPORTED: "the imported State Council notice",
    "chinese-calendar": "the chinesecalendar package (official data)",
    HOLIDAYS: "the holidays package's estimate (statutory holidays, no make-up working days)",
}


async def import_notice(db: Database, path: Path) -> int:
    """Import the file all-or-nothing; every bad line is reported with its number."""
    try:
        years = await calendar.import_file(db, path, SystemClock().now())
    except ImportError_ as exc:
        for line, message in exc.problems:
            print(f"{path}:{line}: {message}", file=sys.stderr)
        print("nothing was imported", file=sys.stderr)
        return 1
    for year, count in sorted(years.items()):
        print(f"imported {count} days for {year}; the notice now decides {year}'s working days")
    print("a running bot picks it up within its timer sweep")
    return 0


async def show_year(db: Database, tz: ZoneInfo, year: int) -> int:
    """The year's holidays and make-up working days, and which source each year uses."""
    cal = WorkCalendar(tz)
    cal.use_imported(await calendar.load(db))
    print(f"{year}: {SOURCES[cal.source(year)]}")
    for day in cal.special_days(year):
        kind = "workday" if day.kind == WORKDAY else "holiday"
        print(f"  {day.day.isoformat()} {day.day.strftime('%a')}  {kind:<7}  {day.name}")
    print("sources by year:")
    for shown in sorted({*await calendar.imported_years(db), year - 1, year, year + 1}):
        print(f"  {shown}: {cal.source(shown)}")
    return 0
