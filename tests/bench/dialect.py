"""Dialect benchmark, a row of `make bench` (`--only dialect`): should a library carry the SQLite
→ PostgreSQL differences instead of storage/sql.py? The statements of a report's hot path
(tests/bench/dialect_paths.py, read from storage/ itself) timed on a fresh PostgreSQL database
with the demo town, four ways: ours (storage.postgres: translator + asyncpg pool), raw asyncpg
with hand-written PostgreSQL (the floor), SQLAlchemy 2 async over asyncpg with the same texts as
`text()`, and SQLAlchemy Core constructs built per call (tests/bench/dialect_core.py).

Each way runs in a process of its own, a new one per repeat (the churned tables emptied and
vacuumed first): `--warmup` iterations, then `--iterations`, each the four actions in turn
(read, report, outbox, update), in slices of 25 taken in turn by the four live processes (the
order rotating), so that a shared machine's changing load falls on every way alike. Per
statement and per action: the median µs of the iterations; per action the client process's
CPU µs (process_time) per statement; over the repeats, the median (min–max). Target: ours ÷
raw ≤ 1.2 over a whole iteration. Also: the translator's cost (its cache's hits, one
translation's µs) and the census of the code argument (sql.py's lines, how many storage
statements the translator rewrites beyond placeholders, the tables and columns Core would
need declared). Without SQLAlchemy installed the SQLAlchemy ways are left out and the row is
SKIPPED with the reason; without a server, SKIPPED.

    python -m tests.bench --only dialect [--quick]
    python -m tests.bench.dialect [--iterations 500] [--repeats 3] [--warmup 50]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

from storage import sql as dialect
from tests.bench import dialect_paths as paths
from tests.bench import dialect_sql as statements
from tests.bench.stats import fmt, spread
from tests.support.databases import admin, server_missing, url_of

NAME = "minhu_bench_dialect"
PERSON = 990_000_001
TARGET = 1.2
SLICE = 25  # iterations a way runs before the next way takes its turn
WAYS = ("ours", "raw", "sa_text", "sa_core")
LABELS = {"ours": "ours", "raw": "raw asyncpg", "sa_text": "SA text()", "sa_core": "SA Core"}


def _translate_cost(id_tables: frozenset[str], db: Any) -> dict[str, float]:
    """µs to translate one of the row's statements uncached, and to find it in the cache."""
    texts, rounds = list(paths.OURS.values()), 200
    t0 = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            dialect.translate(text, id_tables)
    fresh = (time.perf_counter() - t0) / (rounds * len(texts)) * 1e6
    keys = list(db._statements)  # (text, many): what the run translated
    t0 = time.perf_counter()
    for _ in range(rounds):
        for text, many in keys:
            db.statement(text, many=many)
    cached = (time.perf_counter() - t0) / (rounds * len(keys)) * 1e6
    return {"translate_us": round(fresh, 2), "cached_us": round(cached, 3)}


async def measure(way_name: str, url: str, warmup: int, seed: int) -> dict:
    """In its own process: one way, `warmup` iterations, then "ready"; each line on stdin is a
    slice of iterations to run (answered "ok"), 0 ends it: the figures as JSON."""
    way = paths.WAYS[way_name]()
    await way.open(url)
    try:
        rows = await way.read("people.get", (PERSON,))
        category = await _first(url, "SELECT id FROM categories ORDER BY id")
        grid = await _first(url, "SELECT id FROM grids ORDER BY id")
        if not rows:
            raise AssertionError("the bench person is missing")
        town = paths.Town(PERSON, category, grid, seed)
        for u in range(warmup):
            for action, _ in paths.ACTIONS.values():
                await action(way, town, u)
        way.samples = {k: [] for k in way.samples}
        wall: dict[str, list[float]] = {a: [] for a in paths.ACTIONS}
        cpu: dict[str, list[float]] = {a: [] for a in paths.ACTIONS}
        start = warmup
        print("ready", flush=True)
        while (n := int(sys.stdin.readline() or 0)) > 0:  # the orchestrator waits meanwhile
            for u in range(start, start + n):
                for name, (action, _) in paths.ACTIONS.items():
                    c0, t0 = time.process_time(), time.perf_counter()
                    await action(way, town, u)
                    wall[name].append(time.perf_counter() - t0)
                    cpu[name].append(time.process_time() - c0)
            start += n
            print("ok", flush=True)
        out: dict[str, Any] = {
            "action_us": {a: statistics.median(v) * 1e6 for a, v in wall.items()},
            "action_cpu_us": {a: statistics.fmean(v) * 1e6 for a, v in cpu.items()},
            "statement_us": {k: statistics.median(v) * 1e6 for k, v in way.samples.items()},
        }
        if isinstance(way, paths.Ours):
            out["cache"] = way.cache() | _translate_cost(way.db._id_tables, way.db)
        return out
    finally:
        await way.close()


async def _first(url: str, sql: str) -> Any:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def _reset(url: str) -> None:
    """Before each process: the tables its updates churn as the first found them (the earlier
    ways' handled updates gone, dead rows vacuumed), so no way pays for another's leftovers."""
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DELETE FROM inbound_updates; DELETE FROM chat_leases")
        await conn.execute("VACUUM ANALYZE inbound_updates, chat_leases, outbox, complaints")
    finally:
        await conn.close()


def _answer(proc: subprocess.Popen[str], want: str) -> str:
    line = proc.stdout.readline() if proc.stdout else ""
    if not line.startswith(want):
        proc.kill()
        _, errors = proc.communicate()
        raise RuntimeError(f"a measuring process failed: {errors.strip()[-800:]}")
    return line


def _tell(proc: subprocess.Popen[str], line: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(line + "\n")
    proc.stdin.flush()


def _repeat(ways: list[str], url: str, iterations: int, warmup: int, r: int) -> dict[str, Any]:
    """One repeat: a process per way, all alive at once, driven in lockstep slices of SLICE
    iterations (one way runs while the others wait on their stdin), so that the machine's
    changing load falls on every way alike; the order rotates each slice."""
    asyncio.run(_reset(url))
    procs: dict[str, subprocess.Popen[str]] = {}
    try:
        for i, way in enumerate(ways):
            command = [sys.executable, "-m", "tests.bench.dialect", "--measure", way, "--url",
                       url, "--warmup", str(warmup), "--seed", str(1 + r * 10 + i)]  # fmt: skip
            procs[way] = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True)  # fmt: skip
            # One warms up at a time: a claim takes any free chat with updates waiting, so two
            # processes running at once could take each other's (as two workers would).
            _answer(procs[way], "ready")
        done, turn = 0, r
        while done < iterations:
            n = min(SLICE, iterations - done)
            for way in ways[turn % len(ways) :] + ways[: turn % len(ways)]:
                _tell(procs[way], str(n))
                _answer(procs[way], "ok")
            done, turn = done + n, turn + 1
        out = {}
        for way in ways:
            _tell(procs[way], "0")
            out[way] = json.loads(_answer(procs[way], "{"))
            procs[way].communicate(timeout=60)
        return out
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


async def _prepare(url: str, name: str) -> dict[str, int]:
    """A fresh database with the demo town, the bench's person and a saved conversation; the
    tables and columns a Core port would declare."""
    from storage import conversations, people
    from storage.db import Database
    from storage.seed import seed_demo

    await admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    await admin(f"CREATE DATABASE {name}")
    async with Database(url) as db:
        await seed_demo(db)
        grid = int(await db.fetchval("SELECT id FROM grids ORDER BY id"))
        await people.register(db, PERSON, "测", "zh", grid, datetime.now(UTC))
        await conversations.set_state(db, "report", (PERSON, PERSON), 1)
        row = await db.fetchone(
            "SELECT COUNT(DISTINCT c.table_name), COUNT(*) FROM information_schema.columns c "
            "JOIN information_schema.tables t ON t.table_schema = c.table_schema "
            "AND t.table_name = c.table_name WHERE c.table_schema = current_schema() "
            "AND t.table_type = 'BASE TABLE'"
        )
    return {"tables": int(row[0]), "columns": int(row[1])}


def _summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One way over the repeats: medians (min–max) per action, statement and CPU."""
    counts = {a: len(keys) for a, (_, keys) in paths.ACTIONS.items()}
    out: dict[str, Any] = {"actions": {}, "statements": {}, "cpu_per_statement_us": {}}
    for a in paths.ACTIONS:
        out["actions"][a] = spread([r["action_us"][a] for r in runs])
        out["cpu_per_statement_us"][a] = spread([r["action_cpu_us"][a] / counts[a] for r in runs])
    out["actions"]["iteration"] = spread([sum(r["action_us"].values()) for r in runs])
    total = sum(counts.values())
    out["cpu_per_statement_us"]["iteration"] = spread(
        [sum(r["action_cpu_us"].values()) / total for r in runs]
    )
    for k in paths.RAW:
        out["statements"][k] = spread([r["statement_us"][k] for r in runs])
    if "cache" in runs[0]:
        out["cache"] = runs[-1]["cache"]
    return out


def run(
    iterations: int = 500, repeats: int = 3, warmup: int = 50, name: str = NAME
) -> dict[str, Any]:
    """The `make bench` row (a fresh database, dropped after)."""
    out: dict[str, Any] = {"iterations": iterations, "repeats": repeats, "warmup": warmup}
    missing = asyncio.run(server_missing())
    if missing:
        return out | {"state": "SKIPPED", "why": missing}
    ways = list(WAYS)
    if (
        importlib.util.find_spec("sqlalchemy") is None
        or importlib.util.find_spec("greenlet") is None
    ):
        ways = ["ours", "raw"]
        out["why"] = "SQLAlchemy is not installed (pip install -e '.[test]'): ours and raw only"
    url = url_of(name)
    out["census"] = statements.census()
    try:
        out["census"] |= asyncio.run(_prepare(url, name))
        runs: dict[str, list[dict[str, Any]]] = {w: [] for w in ways}
        for r in range(repeats):
            for way, found in _repeat(ways, url, iterations, warmup, r).items():
                runs[way].append(found)
    finally:
        asyncio.run(admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    out["ways"] = {w: _summarise(v) for w, v in runs.items()}
    raw = out["ways"]["raw"]["actions"]
    out["ratios"] = {
        w: {a: round(s["median"] / raw[a]["median"], 3) for a, s in v["actions"].items()}
        for w, v in out["ways"].items()
        if w != "raw"
    }
    out["verdict"] = {"ours_met": out["ratios"]["ours"]["iteration"] <= TARGET}
    out["state"] = "SKIPPED" if "why" in out else None
    return out


def render(result: dict[str, Any]) -> str:
    """The row's figures and verdict."""
    lines = [
        f"\ndialect: {result['iterations']} iterations × {result['repeats']} repeats, a "
        f"process per way and repeat, in lockstep slices of {SLICE}; µs median (min–max)"
    ]
    if "ways" not in result:
        return "\n".join([*lines, f"  SKIPPED: {result.get('why')}"])
    ways = result["ways"]
    head = "".join(f"{LABELS[w]:>24}" for w in ways)
    ratios = "".join(f"{LABELS[w][:7] + '÷raw':>12}" for w in ways if w != "raw")
    lines.append(f"  {'statement':<18}{head}{ratios}")
    for k in paths.RAW:
        row = "".join(f"{fmt(v['statements'][k], 0):>24}" for v in ways.values())
        base = ways["raw"]["statements"][k]["median"]
        row += "".join(
            f"{v['statements'][k]['median'] / base:>12.2f}" for w, v in ways.items() if w != "raw"
        )
        lines.append(f"  {k:<18}{row}")
    lines.append(f"  {'action (n stmts)':<18}{head}{ratios}")
    counts = {a: len(keys) for a, (_, keys) in paths.ACTIONS.items()}
    counts["iteration"] = sum(counts.values())
    for a, n in counts.items():
        row = "".join(f"{fmt(v['actions'][a], 0):>24}" for v in ways.values())
        row += "".join(f"{result['ratios'][w][a]:>12.2f}" for w in ways if w != "raw")
        lines.append(f"  {f'{a} ({n})':<18}{row}")
    lines.append(f"  {'CPU µs/statement':<18}")
    for a in counts:
        row = "".join(f"{fmt(v['cpu_per_statement_us'][a], 0):>24}" for v in ways.values())
        lines.append(f"  {a:<18}{row}")
    cache = ways["ours"].get("cache", {})
    lines.append(
        f"  translator: {cache.get('calls')} calls, {cache.get('translated')} translated "
        f"(cache hits {cache.get('hits')}), {cache.get('translate_us')} µs a translation,"
        f" {cache.get('cached_us')} µs a cached look-up"
    )
    c = result["census"]
    lines.append(
        f"  code: storage/sql.py {c['sql_py_lines']} lines ({c['statement_lines']} for "
        f"statements, {c['migration_lines']} migrations); {c['rewritten']} of "
        f"{c['statements']} storage statements rewritten beyond placeholders "
        f"({c['hot_path_rewritten']} of the row's 20); a Core port declares "
        f"{c['tables']} tables, {c['columns']} columns"
    )
    lines.append("  rewrites: " + ", ".join(f"{k} {v}" for k, v in c["kinds"].items()))
    met = result["verdict"]["ours_met"]
    lines.append(f"  target ours ÷ raw ≤ {TARGET} (iteration): {'met' if met else 'not met'}")
    if result.get("why"):
        lines.append(f"  SKIPPED: {result['why']}")
    return "\n".join(lines)


def bench(quick: bool, runs: int) -> dict[str, Any]:
    """The row as `python -m tests.bench` runs it: a crashed measurement is FAILED, reported."""
    try:
        result = run(30 if quick else 500, runs, 5 if quick else 50)
    except Exception as exc:  # a crashed measurement is a FAILED row, reported, not raised
        return {"state": "FAILED", "failed": [f"{type(exc).__name__}: {exc}"]}
    if result.get("state") != "SKIPPED":
        result["state"] = "met" if result["verdict"]["ours_met"] else "not met"
    return result


def summary(result: dict[str, Any]) -> tuple[str, str]:
    """(label, state) for the bench's summary."""
    state = result["state"]
    if state == "SKIPPED":
        state = f"SKIPPED: {result['why']}"
    return "dialect: ours vs raw asyncpg vs SQLAlchemy", state


def printed(result: dict[str, Any]) -> str:
    """The row's figures, then its state and what failed."""
    text = render(result) if "iterations" in result else "\ndialect: FAILED"
    return (
        text
        + f"\ndialect: {result['state']}"
        + "".join(f"\n  FAILED: {f}" for f in result.get("failed", []))
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.dialect")
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--measure", choices=WAYS, help="(internal) one way, in this process")
    parser.add_argument("--url", help="(with --measure) the database")
    parser.add_argument("--seed", type=int, default=1, help="(with --measure) unique keys")
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(asyncio.run(measure(args.measure, args.url, args.warmup, args.seed))))
        return 0
    result = run(args.iterations, args.repeats, args.warmup)
    print(render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
