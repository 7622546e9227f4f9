"""District bulletin benchmark: every town's month read and ranked (bot.district.figures), at
10 million complaints across 10 towns on PostgreSQL (a schema each), against the bare SQL
aggregate of the same months (storage.rankings.complaint_groups, each town's raw rows); beside
it one town's figure on SQLite.

Each town gets the demo town's grids and categories and `--per-town` complaints spread evenly
over the two years before NOW, made by the server (`generate_series`, triggers off), then its
pre-aggregates rebuilt (`storage.aggregates.reaggregate`). Measured after one warm-up, `--runs`
times (median shown): "district" is `district_report` for last month over all towns (what
/district and the schedule count before rendering), "bare" the raw aggregate of every town's
month, run the same way (concurrently). Target: district ≤ 2× bare. Peak memory is this
process's VmHWM (the data is made by the server, not in Python).

    python -m tests.bench.district [--towns 10] [--per-town 1000000] [--runs 3] [--sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.config import Settings
from bot.core.periods import last_complete
from bot.core.towns import District, Town
from bot.district.books import TownBooks
from bot.district.figures import district_report
from storage.aggregates import reaggregate
from storage.db import Database
from storage.rankings import complaint_groups
from storage.seed import seed_demo
from tests.support.databases import SERVER, url_of

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 09:00 on the 2nd in China: the schedule
TZ = ZoneInfo("Asia/Shanghai")
SPAN_SECONDS = 2 * 365 * 86400
TARGET_RATIO = 2.0
NAME = "minhu_bench_district"
ISO = """to_char(({t}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')"""
T0 = "timestamptz '{start}' + make_interval(secs => g::double precision * {step})"
# Seven in ten closed and rated, two accepted, one fresh; deadlines a day and a week on.
GENERATE = """
INSERT INTO complaints (number, category_id, grid_id, description, status, ack_due_at,
    resolve_due_at, accepted_at, resolved_at, closed_at, close_reason, rating, created_at,
    updated_at)
SELECT 'MH-B-' || g, ($1::int[])[1 + g % {cats}], ($2::int[])[1 + (g / 7) % {grids}],
       '路灯坏了', CASE WHEN g % 10 < 7 THEN 'closed' WHEN g % 10 < 9 THEN 'accepted'
                       ELSE 'submitted' END,
       {ack}, {resolve},
       CASE WHEN g % 10 < 9 THEN {accepted} END,
       CASE WHEN g % 10 < 7 THEN {resolved} END,
       CASE WHEN g % 10 < 7 THEN {resolved} END,
       CASE WHEN g % 10 < 7 THEN 'confirmed' END,
       CASE WHEN g % 10 < 7 THEN 1 + g % 5 END,
       {created}, {created}
FROM generate_series(1, {n}) AS g
"""


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def generate_sql(n: int, cats: int, grids: int) -> str:
    start = datetime.fromtimestamp(NOW.timestamp() - SPAN_SECONDS, UTC).isoformat()
    t = T0.format(start=start, step=SPAN_SECONDS / n)
    return GENERATE.format(
        cats=cats,
        grids=grids,
        n=n,
        created=ISO.format(t=t),
        ack=ISO.format(t=f"{t} + interval '1 day'"),
        resolve=ISO.format(t=f"{t} + interval '7 days'"),
        accepted=ISO.format(t=f"{t} + interval '2 hours'"),
        resolved=ISO.format(t=f"{t} + interval '2 days'"),
    )


async def _postgres_town(url: str, key: str, n: int) -> None:
    import asyncpg  # type: ignore[import-untyped]

    admin = await asyncpg.connect(url)
    await admin.execute(f"CREATE SCHEMA {key}")
    await admin.close()
    address = f"{url}?search_path={key}"
    async with Database(address) as db:
        await seed_demo(db)
        cats = [r[0] for r in await db.fetchall("SELECT id FROM categories ORDER BY id")]
        grids = [r[0] for r in await db.fetchall("SELECT id FROM grids ORDER BY id")]
        conn = await asyncpg.connect(url, server_settings={"search_path": key})
        try:
            await conn.execute("SET session_replication_role = replica")  # no triggers
            await conn.execute(generate_sql(n, len(cats), len(grids)), cats, grids)
            await conn.execute("ANALYZE complaints")
        finally:
            await conn.close()
        await reaggregate(db)


def _district(addresses: dict[str, str]) -> District:
    towns = tuple(
        Town(
            key,
            f"{key}镇",
            Settings(token="1:x", database=address, timezone=str(TZ), town=key),
        )
        for key, address in addresses.items()
    )
    return District("测试区", frozenset({1}), -1001, towns[0].key, towns)


async def _time(fn: Any, runs: int) -> list[float]:
    await fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - t0)
    return samples


async def measure(addresses: dict[str, str], runs: int) -> dict[str, Any]:
    district = _district(addresses)
    first = next(iter(addresses.values()))
    period = last_complete("month", NOW, TZ)
    start, end = period.bounds(TZ)
    async with Database(first) as own:
        books = TownBooks(district, district.towns[0].key, own)
        dbs = [await books.db(t.key) for t in district.towns]

        async def whole() -> None:
            report = await district_report(books, period, NOW)
            assert len(report.ranked) + len(report.short) == len(addresses)

        async def bare() -> None:
            await asyncio.gather(*(complaint_groups(db, start, end, NOW) for db in dbs))

        complaints = sum([int(await db.fetchval("SELECT COUNT(*) FROM complaints")) for db in dbs])
        district_s = await _time(whole, runs)
        bare_s = await _time(bare, runs)
        await books.close()
    d, b = statistics.median(district_s), statistics.median(bare_s)
    return {
        "towns": len(addresses),
        "complaints": complaints,
        "period": period.key,
        "district_ms": round(d * 1000, 1),
        "bare_ms": round(b * 1000, 1),
        "ratio": round(d / b, 3),
        "target_ratio": TARGET_RATIO,
        "ok": d / b <= TARGET_RATIO,
        "district_samples_ms": [round(s * 1000, 1) for s in district_s],
        "bare_samples_ms": [round(s * 1000, 1) for s in bare_s],
        "peak_rss_mb": _peak_mb(),
    }


async def _sqlite_town(path: Path, n: int) -> None:
    async with Database(path) as db:
        await seed_demo(db)
        cats = [r[0] for r in await db.fetchall("SELECT id FROM categories ORDER BY id")]
        grids = [r[0] for r in await db.fetchall("SELECT id FROM grids ORDER BY id")]
    import sqlite3

    conn = sqlite3.connect(path)
    for name in [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'"
                                            " AND tbl_name = 'complaints'")]:  # fmt: skip
        conn.execute(f"DROP TRIGGER {name}")  # a throwaway copy: rebuilt sums below
    conn.create_function("cat", 1, lambda g: cats[g % len(cats)])
    conn.create_function("grid", 1, lambda g: grids[(g // 7) % len(grids)])
    step = SPAN_SECONDS / n
    base = NOW.timestamp() - SPAN_SECONDS

    def iso(offset: str) -> str:
        return f"strftime('%Y-%m-%dT%H:%M:%S+00:00', {base} + g * {step} + {offset}, 'unixepoch')"

    conn.execute(
        f"""WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {n})
        INSERT INTO complaints (number, category_id, grid_id, description, status, ack_due_at,
            resolve_due_at, accepted_at, resolved_at, closed_at, close_reason, rating,
            created_at, updated_at)
        SELECT 'MH-B-' || g, cat(g), grid(g), '路灯坏了',
               CASE WHEN g % 10 < 7 THEN 'closed' WHEN g % 10 < 9 THEN 'accepted'
                    ELSE 'submitted' END, {iso("86400")}, {iso("604800")},
               CASE WHEN g % 10 < 9 THEN {iso("7200")} END,
               CASE WHEN g % 10 < 7 THEN {iso("172800")} END,
               CASE WHEN g % 10 < 7 THEN {iso("172800")} END,
               CASE WHEN g % 10 < 7 THEN 'confirmed' END,
               CASE WHEN g % 10 < 7 THEN 1 + g % 5 END, {iso("0")}, {iso("0")}
        FROM s"""
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    async with Database(path) as db:
        await reaggregate(db)


async def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.district")
    parser.add_argument("--towns", type=int, default=10)
    parser.add_argument("--per-town", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sqlite", action="store_true", help="also one town on SQLite")
    args = parser.parse_args(argv)
    import asyncpg

    admin = await asyncpg.connect(SERVER)
    await admin.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
    await admin.execute(f"CREATE DATABASE {NAME}")
    await admin.close()
    url = url_of(NAME)
    out: dict[str, Any] = {"per_town": args.per_town}
    t0 = time.perf_counter()
    keys = [f"t{i:02d}" for i in range(args.towns)]
    for key in keys:
        await _postgres_town(url, key, args.per_town)
    out["generate_s"] = round(time.perf_counter() - t0, 1)
    try:
        out["postgres"] = await measure({k: f"{url}?search_path={k}" for k in keys}, args.runs)
    finally:
        admin = await asyncpg.connect(SERVER)
        await admin.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        await admin.close()
    if args.sqlite:
        with tempfile.TemporaryDirectory() as work:
            path = Path(work) / "town.db"
            await _sqlite_town(path, args.per_town)
            out["sqlite_one_town"] = await measure({"t00": str(path)}, args.runs)
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1:])), ensure_ascii=False, indent=1))
