"""District bulletin benchmark, a row of `make bench` (`--only district`): every town's month
read and ranked (bot.district.figures), at 10 million complaints across 10 towns on PostgreSQL
(a schema each, in a fresh database dropped after), against the bare SQL aggregate of the same
months (storage.rankings.complaint_groups, each town's raw rows); beside it one town's figure
on SQLite. No server: the row is SKIPPED with the reason.

Each town gets the demo town's grids and categories and `--per-town` complaints spread evenly
over the two years before NOW, made by the server in one INSERT … SELECT FROM generate_series
(triggers off, the table's indexes dropped and built again after the load), then its
pre-aggregates rebuilt by the product's own `storage.aggregates.reaggregate` (one GROUP BY on
the server); two towns at a time. Measured after one warm-up, `--runs` times, median (min–max),
each side in a process of its own: "district" is `district_report` for last month over all
towns (what /district and the schedule count before rendering), "bare" the raw aggregate of
every town's month, run concurrently. Target: district ≤ 2× bare. Peak memory is each
measuring process's VmHWM (the data is made by the server, not in Python).

    python -m tests.bench --only district [--quick]      # --quick: 10 towns × 10,000
    python -m tests.bench.district [--towns 10] [--per-town 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
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
from tests.bench.stats import fmt, spread
from tests.support.databases import admin, server_missing, url_of

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


DROPPABLE = """SELECT i.indexname, i.indexdef FROM pg_indexes i
    WHERE i.schemaname = $1 AND i.tablename = 'complaints' AND NOT EXISTS (
        SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"""


async def _postgres_town(url: str, key: str, n: int) -> None:
    """One town's schema: migrated and seeded, `n` complaints made by the server with the
    table's indexes dropped and triggers off, the indexes built after, then the product's own
    reaggregate (one GROUP BY on the server)."""
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
            indexes = await conn.fetch(DROPPABLE, key)
            for name, _ in indexes:
                await conn.execute(f"DROP INDEX {key}.{name}")
            await conn.execute("SET session_replication_role = replica")  # no triggers
            await conn.execute("SET maintenance_work_mem = '256MB'")
            await conn.execute(generate_sql(n, len(cats), len(grids)), cats, grids)
            for _, definition in indexes:
                await conn.execute(definition)
            await conn.execute("ANALYZE complaints")
        finally:
            await conn.close()
        await reaggregate(db)


async def generate_postgres(url: str, keys: list[str], n: int) -> None:
    """Every town, two at a time (the server's two cores)."""
    gate = asyncio.Semaphore(2)

    async def one(key: str) -> None:
        async with gate:
            await _postgres_town(url, key, n)

    await asyncio.gather(*(one(key) for key in keys))


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


async def measure(kind: str, addresses: dict[str, str], runs: int) -> dict[str, Any]:
    """In its own process: "district" (the product's district_report, every town) or "bare"
    (the raw aggregate of every town's month, concurrently); samples in s and peak RSS."""
    district = _district(addresses)
    period = last_complete("month", NOW, TZ)
    start, end = period.bounds(TZ)
    async with Database(next(iter(addresses.values()))) as own:
        books = TownBooks(district, district.towns[0].key, own)
        dbs = [await books.db(t.key) for t in district.towns]

        async def whole() -> None:
            report = await district_report(books, period, NOW)
            if len(report.ranked) + len(report.short) != len(addresses):
                raise AssertionError(f"towns missing from the report: {report.unread}")

        async def bare() -> None:
            await asyncio.gather(*(complaint_groups(db, start, end, NOW) for db in dbs))

        count = sum([int(await db.fetchval("SELECT COUNT(*) FROM complaints")) for db in dbs])
        samples = await _time(whole if kind == "district" else bare, runs)
        await books.close()
    return {"samples_s": samples, "complaints": count, "peak_rss_mb": _peak_mb()}


def _in_process(kind: str, addresses: dict[str, str], runs: int) -> dict[str, Any]:
    """`measure` in a process of its own."""
    command = [sys.executable, "-m", "tests.bench.district", "--measure", kind, "--runs",
               str(runs), *[f"{k}={v}" for k, v in addresses.items()]]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode:
        raise RuntimeError(f"{kind} measurement failed: {done.stderr.strip()[-500:]}")
    return dict(json.loads(done.stdout))


def compare(addresses: dict[str, str], runs: int) -> dict[str, Any]:
    """District and bare, each in its own process; medians (min–max) and the ratio."""
    whole = _in_process("district", addresses, runs)
    bare = _in_process("bare", addresses, runs)
    d, b = spread(whole["samples_s"]), spread(bare["samples_s"])
    ratio = d["median"] / b["median"] if d["median"] and b["median"] else None
    return {
        "towns": len(addresses),
        "complaints": whole["complaints"],
        "district_ms": spread([s * 1000 for s in whole["samples_s"]]),
        "bare_ms": spread([s * 1000 for s in bare["samples_s"]]),
        "ratio": None if ratio is None else round(ratio, 3),
        "district_peak_rss_mb": whole["peak_rss_mb"],
        "bare_peak_rss_mb": bare["peak_rss_mb"],
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


def run(towns: int = 10, per_town: int = 1_000_000, runs: int = 3) -> dict[str, Any]:
    """The `make bench` row: a fresh database (dropped after), the towns generated, district
    and bare measured each in its own process; one town on SQLite beside it."""
    out: dict[str, Any] = {"towns": towns, "per_town": per_town, "runs": runs}
    missing = asyncio.run(server_missing())
    if missing:
        return out | {"state": "SKIPPED", "why": missing}
    asyncio.run(admin(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)"))
    asyncio.run(admin(f"CREATE DATABASE {NAME}"))
    url = url_of(NAME)
    keys = [f"t{i:02d}" for i in range(towns)]
    try:
        t0 = time.perf_counter()
        asyncio.run(generate_postgres(url, keys, per_town))
        out["generate_s"] = round(time.perf_counter() - t0, 1)
        print(f"district: {towns * per_town:,} complaints in {out['generate_s']} s", flush=True)
        out["postgres"] = compare({k: f"{url}?search_path={k}" for k in keys}, runs)
    finally:
        asyncio.run(admin(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)"))
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "town.db"
        t0 = time.perf_counter()
        asyncio.run(_sqlite_town(path, per_town))
        out["sqlite_generate_s"] = round(time.perf_counter() - t0, 1)
        out["sqlite_one_town"] = compare({"t00": str(path)}, runs)
    ratio = out["postgres"]["ratio"]
    out["verdict"] = {"ratio_met": ratio is not None and ratio <= TARGET_RATIO}
    return out


def render(result: dict[str, Any]) -> str:
    """The row's figures and verdict."""
    lines = [f"\ndistrict bulletin, {result['towns']} towns × {result['per_town']:,} complaints"]
    if result.get("state") == "SKIPPED":
        return "\n".join([*lines, f"  SKIPPED: {result['why']}"])
    for name, key in (("PostgreSQL", "postgres"), ("SQLite, one town", "sqlite_one_town")):
        row = result.get(key)
        if row:
            lines.append(
                f"  {name:<17} district {fmt(row['district_ms'], 0, ' ms')}, bare "
                f"{fmt(row['bare_ms'], 0, ' ms')}, ratio {row['ratio']}, peak RSS "
                f"{row['district_peak_rss_mb']} MB (bare {row['bare_peak_rss_mb']} MB)"
            )
    if "generate_s" in result:
        lines.append(f"  generated in {result['generate_s']} s (SQLite town "
                     f"{result.get('sqlite_generate_s')} s)")  # fmt: skip
    if "verdict" in result:
        met = result["verdict"]["ratio_met"]
        lines.append(f"  target district ≤ {TARGET_RATIO}× bare: {'met' if met else 'not met'}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.district")
    parser.add_argument("--towns", type=int, default=10)
    parser.add_argument("--per-town", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--measure", choices=("district", "bare"), help="(internal) one side")
    parser.add_argument("addresses", nargs="*", help="(with --measure) key=address ...")
    args = parser.parse_args(argv)
    if args.measure:
        addresses = dict(a.split("=", 1) for a in args.addresses)
        print(json.dumps(asyncio.run(measure(args.measure, addresses, args.runs))))
        return 0
    result = run(args.towns, args.per_town, args.runs)
    print(render(result))
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
