"""Bulletin benchmark: a bulletin's preview from the daily pre-aggregates, and the
unaggregated path against the bare SQL aggregate, at 10k, 100k and 1M complaints.

A bulletin (晾晒) reads the period's complaints once and then does everything else — last
year's counts, staff, patrols, representatives, meetings, scoring and ranking, the messages
and the export tables — on small inputs. Two targets at 1M complaints, for the year (about
half the data): the preview from the pre-aggregates (storage/aggregates.py) ≤ 0.3 s end to
end, and the unaggregated path (the raw aggregate, kept as the reference) ≤ 2× the bare
aggregate. Each is printed as median (min–max) of the runs, FAILED when over its target.

For each size a synthetic town is generated (tests/bench/synthetic.py; reused from
bench-results/work when it is already there) and measured in a child process of its own,
so the peak memory (the child's VmHWM) belongs to that size alone. In the child, for
the last complete year (the heaviest bulletin: about half the data) and the last complete
month, each of these is run once to warm up and then `--runs` times (the median is shown):
- bare: `complaint_groups(db, start, end, as_of)` alone;
- full: `build_report(raw=True)` + `bulletin_render.messages` + `bulletin_render.tables`
  (what a scheduled bulletin computes before it writes its outbox rows), unaggregated;
- preview: the same from the pre-aggregates (`build_report`), as /bulletin and the
  scheduled bulletins run it;
- chart: `bulletin_render.chart` (matplotlib), timed on its own and not part of "full":
  its cost does not depend on the number of complaints.
"py MB" is the peak of Python allocations during one extra full run (tracemalloc, not
timed); "peak MB" is the child's maximum resident set (interpreter, matplotlib, SQLite page
caches included).

`now` is fixed (NOW) so cached databases stay valid and runs stay comparable. It is New
Year's morning: the year bulletin reads a full year, and its year-on-year base reads the
full year before (the heaviest case; the synthetic town has exactly two years of data).
Run one size by hand: `python -m tests.bench.bulletins --db FILE [--runs 3]` prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.clock import to_iso
from bot.core.periods import Period, last_complete
from storage.db import Database
from storage.rankings import complaint_groups

from . import synthetic

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "bench-results" / "work"
SIZES = [10_000, 100_000, 1_000_000]
# 10:00 in China on New Year's Day, when the yearly bulletin goes out: with two years of data
# the year just ended is one half of it and its year-on-year base the other half.
NOW = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Shanghai")
LANGUAGE = "zh-CN"
KINDS = ("year", "month")
TARGET_RATIO = 2.0
TARGET_PREVIEW_MS = 300.0  # a year's preview at 1M complaints, from the pre-aggregates
TARGET_SIZE = 1_000_000
LINEAR_SLACK = 1.5  # growth within 1.5× of linear counts as near-linear


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status, in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_mb() -> float:
    """This process's peak resident set. VmHWM, not ru_maxrss: Linux carries ru_maxrss over
    exec, so a child started by the parent that just generated a million rows would report
    the parent's peak."""
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


Stages = dict[str, float]


async def _timed(fn: Callable[[], Awaitable[Stages]], runs: int) -> list[Stages]:
    """One warm-up, then `runs` timed runs; each run returns its stage times in seconds."""
    await fn()
    out = []
    for _ in range(runs):
        gc.collect()
        out.append(await fn())
    return out


def _median(samples: list[dict[str, float]], key: str) -> float:
    return _ms(statistics.median(s[key] for s in samples))


async def measure(path: Path, now: datetime, runs: int = 3) -> dict[str, Any]:
    """Time the bare aggregate, the full bulletin and the chart on the database at `path`."""
    result: dict[str, Any] = {"periods": []}
    async with Database(path) as db:
        result["complaints"] = int(await db.fetchval("SELECT COUNT(*) FROM complaints"))
        result["base_rss_mb"] = round(_status_mb("VmRSS"), 1)
        for kind in KINDS:
            result["periods"].append(await _period(db, last_complete(kind, now, TZ), now, runs))
    result["peak_rss_mb"] = round(_peak_mb(), 1)
    return result


async def _period(db: Database, period: Period, now: datetime, runs: int) -> dict[str, Any]:
    """One period's figures."""
    # The pipeline is imported here, in the child, so the parent never loads matplotlib.
    from bot.bulletins import render as bulletin_render
    from bot.bulletins.report import BulletinConfig, build_report
    from bot.core.render import Renderer

    config = BulletinConfig(tz=TZ)
    renderer = Renderer(TZ)
    start, end = period.bounds(TZ)
    in_period = int(
        await db.fetchval(
            "SELECT COUNT(*) FROM complaints WHERE created_at >= ? AND created_at < ?",
            (to_iso(start), to_iso(end)),
        )
    )
    last: dict[str, Any] = {}

    async def bare() -> dict[str, float]:
        t0 = time.perf_counter()
        await complaint_groups(db, start, end, now)
        return {"total": time.perf_counter() - t0}

    async def full(raw: bool = True) -> dict[str, float]:
        t0 = time.perf_counter()
        report = await build_report(db, period, now, config, raw=raw)
        t1 = time.perf_counter()
        texts = bulletin_render.messages(renderer, report, LANGUAGE)
        t2 = time.perf_counter()
        tables = bulletin_render.tables(renderer, report, LANGUAGE)
        t3 = time.perf_counter()
        last.update(report=report, messages=texts, tables=tables)
        return {"total": t3 - t0, "build": t1 - t0, "messages": t2 - t1, "tables": t3 - t2}

    async def chart() -> dict[str, float]:
        t0 = time.perf_counter()
        last["png"] = bulletin_render.chart(renderer, last["report"], LANGUAGE)
        return {"total": time.perf_counter() - t0}

    bare_runs = await _timed(bare, runs)
    full_runs = await _timed(full, runs)
    preview_runs = await _timed(lambda: full(raw=False), runs)
    chart_runs = await _timed(chart, runs)
    gc.collect()
    tracemalloc.start()
    await full()
    py_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    bare_ms, full_ms = _median(bare_runs, "total"), _median(full_runs, "total")
    ratios = [f["total"] / b["total"] for f, b in zip(full_runs, bare_runs, strict=True)]
    return {
        "kind": period.kind,
        "period": period.key,
        "in_period": in_period,
        "bare_ms": bare_ms,
        "full_ms": full_ms,
        "ratio": round(full_ms / bare_ms, 2) if bare_ms else None,
        "ratio_samples": [round(r, 2) for r in ratios],
        "preview_ms": _median(preview_runs, "total"),
        "preview_samples_ms": [_ms(s["total"]) for s in preview_runs],
        "build_ms": _median(full_runs, "build"),
        "messages_ms": _median(full_runs, "messages"),
        "tables_ms": _median(full_runs, "tables"),
        "chart_ms": _median(chart_runs, "total"),
        "bare_samples_ms": [_ms(s["total"]) for s in bare_runs],
        "full_samples_ms": [_ms(s["total"]) for s in full_runs],
        "py_peak_mb": round(py_peak / 2**20, 2),
        "messages": len(last["messages"]),
        "message_chars": sum(len(m) for m in last["messages"]),
        "tables": len(last["tables"]),
        "chart_bytes": len(last["png"] or b""),
    }


def _child(path: Path, now: datetime, runs: int) -> dict[str, Any]:
    """Measure one database in a fresh interpreter; its JSON is the last line it prints."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    argv = [sys.executable, "-m", "tests.bench.bulletins", "--db", str(path)]
    argv += ["--now", now.isoformat(), "--runs", str(runs)]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bulletin measurement of {path.name} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(
    sizes: list[int],
    *,
    seed: int = 1,
    now: datetime = NOW,
    work: Path = WORK,
    regenerate: bool = False,
    runs: int = 3,
) -> dict[str, Any]:
    """Generate (or reuse) and measure every size; the result document's "bulletins" part."""
    rows: list[dict[str, Any]] = []
    databases = []
    for n in sizes:
        print(f"bulletins: {n:,} complaints", flush=True)
        path, stats, reused = synthetic.cached(work, n, seed=seed, now=now, regenerate=regenerate)
        how = "reused" if reused else "generated"
        print(f"  database {how}: {path.name} (load {stats['load_s']} s)", flush=True)
        databases.append({"complaints": n, "path": str(path), "reused": reused, "stats": stats})
        child = _child(path, now, runs)
        for p in child["periods"]:
            rows.append(
                {
                    "complaints": n,
                    **p,
                    "peak_rss_mb": child["peak_rss_mb"],
                    "base_rss_mb": child["base_rss_mb"],
                    "load_s": stats["load_s"],
                    "reused": reused,
                }
            )
            print(
                f"  {p['period']:<19} preview {p['preview_ms']:.1f} ms; unaggregated: bare "
                f"{p['bare_ms']:.1f} ms, full {p['full_ms']:.1f} ms ({p['ratio']}x); "
                f"chart {p['chart_ms']:.1f} ms",
                flush=True,
            )
    return {
        "now": now.isoformat(),
        "seed": seed,
        "runs": runs,
        "databases": databases,
        "rows": rows,
        "growth": growth(rows),
        "verdict": verdict(rows),
    }


def growth(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Time per 1,000 complaints of the period, and how it grows from one size to the next
    (1.0 = exactly linear; 2.0 = the tenfold size took twenty times as long)."""
    out = []
    for kind in KINDS:
        series = sorted((r for r in rows if r["kind"] == kind), key=lambda r: r["complaints"])
        for metric in ("bare_ms", "full_ms"):
            points = [
                {
                    "complaints": r["complaints"],
                    "per_1k_ms": round(1000 * r[metric] / r["in_period"], 3)
                    if r["in_period"]
                    else None,
                }
                for r in series
            ]
            for before, after in itertools.pairwise(points):
                if before["per_1k_ms"] and after["per_1k_ms"]:
                    after["vs_linear"] = round(after["per_1k_ms"] / before["per_1k_ms"], 2)
            out.append({"kind": kind, "metric": metric, "points": points})
    return out


def _spread(samples: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(samples), 2),
        "min": min(samples),
        "max": max(samples),
    }


def verdict(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The issue's targets at 1M complaints, judged on the year's bulletin (the heaviest): the
    preview from the pre-aggregates ≤ 0.3 s, the unaggregated full ≤ 2× the bare aggregate;
    and near-linear growth of the unaggregated full bulletin between the sizes."""
    at = [r for r in rows if r["complaints"] == TARGET_SIZE]
    year = next((r for r in at if r["kind"] == "year"), None)
    month = next((r for r in at if r["kind"] == "month"), None)
    steps = [
        p["vs_linear"]
        for g in growth(rows)
        if g["metric"] == "full_ms"
        for p in g["points"]
        if "vs_linear" in p
    ]
    preview = ratio = None
    if year is not None:
        preview = _spread(year.get("preview_samples_ms") or [year["preview_ms"]])
        ratio = _spread(year.get("ratio_samples") or [year["ratio"]])
    return {
        "target_ratio": TARGET_RATIO,
        "target_preview_ms": TARGET_PREVIEW_MS,
        "year_ratio": year["ratio"] if year else None,
        "month_ratio": month["ratio"] if month else None,
        "ratio": ratio,
        "ratio_met": None if ratio is None else ratio["median"] <= TARGET_RATIO,
        "preview_ms": preview,
        "preview_met": None if preview is None else preview["median"] <= TARGET_PREVIEW_MS,
        "failed": (ratio is not None and ratio["median"] > TARGET_RATIO)
        or (preview is not None and preview["median"] > TARGET_PREVIEW_MS),
        "worst_vs_linear": max(steps) if steps else None,
        "near_linear": None if not steps else max(steps) <= LINEAR_SLACK,
    }


def _target_line(name: str, figure: dict[str, float] | None, unit: str, target: float) -> str:
    if figure is None:
        return f"{name}: not measured (no 1M run)"
    met = "met" if figure["median"] <= target else "not met"
    return (
        f"{name}: {figure['median']:g}{unit} ({figure['min']:g}–{figure['max']:g}) "
        f"— target <= {target:g}{unit}: {met}"
    )


def render(result: dict[str, Any]) -> str:
    """The table, the growth per 1,000 complaints and the verdict."""
    out = [
        "",
        f"Bulletins: the preview from the pre-aggregates, and the unaggregated path vs the bare "
        f"SQL aggregate (as of {result['now']}, median of {result['runs']} after a warm-up; "
        "chart timed apart)",
    ]
    head = (
        f"{'complaints':>11}  {'period':<19}{'in period':>10}{'preview':>9}{'bare ms':>9}"
        f"{'full ms':>9}{'ratio':>7}{'chart ms':>9}{'peak MB':>9}{'py MB':>7}{'load s':>9}"
    )
    out += [head, "-" * len(head)]
    for r in result["rows"]:
        load = f"{r['load_s']:.1f}{'*' if r['reused'] else ''}"
        out.append(
            f"{r['complaints']:>11,}  {r['period']:<19}{r['in_period']:>10,}"
            f"{r.get('preview_ms', 0):>9.1f}{r['bare_ms']:>9.1f}{r['full_ms']:>9.1f}"
            f"{r['ratio']:>7.2f}{r['chart_ms']:>9.1f}{r['peak_rss_mb']:>9.1f}"
            f"{r['py_peak_mb']:>7.1f}{load:>9}"
        )
    out.append(
        "preview: from the pre-aggregates; bare, full: the unaggregated path (raw rows)\n"
        "load s: generating the database (* = reused from bench-results/work, timed when made)\n"
        "peak MB: max RSS of the measuring process; py MB: peak Python allocations of a full run"
    )
    for g in result["growth"]:
        parts = []
        for p in g["points"]:
            text = f"{p['complaints']:,}: {p['per_1k_ms']} ms/1k"
            if "vs_linear" in p:
                text += f" (x{p['vs_linear']} of linear)"
            parts.append(text)
        out.append(f"  {g['kind']:<5} {g['metric'][:4]:<4} per 1k complaints: {'; '.join(parts)}")
    v = result["verdict"]
    out.append(_target_line("year preview at 1M", v["preview_ms"], " ms", v["target_preview_ms"]))
    out.append(
        _target_line("unaggregated full ÷ bare at 1M (year)", v["ratio"], "x", v["target_ratio"])
    )
    if v["near_linear"] is not None:
        out.append(
            f"near-linear growth of full (each step within x{LINEAR_SLACK} of linear): "
            f"{'yes' if v['near_linear'] else 'no'} (worst x{v['worst_vs_linear']})"
        )
    return "\n".join(out)


def main() -> None:
    """The child: measure one database and print JSON."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bulletins", description=__doc__)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--now", type=datetime.fromisoformat, default=NOW)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="(the output is always JSON)")
    args = parser.parse_args()
    result = asyncio.run(measure(args.db, args.now, args.runs))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
