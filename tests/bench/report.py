"""Statistics, the printed table and the JSON file of `make bench`."""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from pathlib import Path
from typing import Any

from .flows import UserResult

TARGET_RATIO = 0.5
TARGET_P95_MS = 250.0


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summarise(
    label: tuple[str, str],
    results: list[UserResult],
    started: float,
    wall: float,
    counters: dict[str, Any],
) -> dict[str, Any]:
    """One row: throughput, latency percentiles, failures and the bot's API counters.

    Throughput is counted up to the last completed action, so a user stuck until the step
    timeout does not dilute it (failures are reported separately).
    """
    config, bot = label
    latencies = [lat for r in results for lat in r.latencies]
    completions = [c for r in results for c in r.completions]
    busy = max((r.finished for r in results if r.actions), default=started) - started
    actions = sum(r.actions for r in results)
    failures = [f"user {r.user_id}: {r.error}" for r in results if r.error]
    return {
        "config": config,
        "bot": bot,
        "users": len(results),
        "actions": actions,
        "failed_users": len(failures),
        "failures": failures[:10],
        "wall_s": round(wall, 3),
        "busy_s": round(busy, 3),
        "updates_per_s": round(actions / busy, 2) if busy > 0 else 0.0,
        "p50_ms": round(1000 * percentile(latencies, 50), 1),
        "p95_ms": round(1000 * percentile(latencies, 95), 1),
        "max_ms": round(1000 * max(latencies, default=0.0), 1),
        "step_p95_ms": round(1000 * percentile(completions, 95), 1),
        "tickets": len({t for r in results for t in r.tickets}),
        "counters": counters,
    }


def machine() -> dict[str, Any]:
    """Where the benchmark ran."""
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 0
    return {
        "processor": platform.processor() or platform.machine(),
        "machine": platform.machine(),
        "nproc": nproc,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def verdict(rows: list[dict[str, Any]], config: str, bot: str = "minhu") -> dict[str, Any]:
    """The issue's targets, judged on the rows of ``config`` (``bot`` against echo)."""
    by_bot = {r["bot"]: r for r in rows if r["config"] == config}
    minhu, echo = by_bot.get(bot), by_bot.get("echo")
    if not minhu or not echo or not echo["updates_per_s"]:
        return {"config": config, "bot": bot, "ratio": None, "met": False}
    ratio = minhu["updates_per_s"] / echo["updates_per_s"]
    cpu_ratio = None
    if minhu.get("bot_cpu_s") and echo.get("bot_cpu_s"):
        # capacity if the bot's own CPU were the only limit: updates per CPU second
        cpu_ratio = round(
            (minhu["actions"] / minhu["bot_cpu_s"]) / (echo["actions"] / echo["bot_cpu_s"]), 3
        )
    ratio_ok = ratio >= TARGET_RATIO
    p95_ok = minhu["p95_ms"] <= TARGET_P95_MS
    return {
        "config": config,
        "bot": bot,
        "ratio": round(ratio, 3),
        "ratio_target": TARGET_RATIO,
        "ratio_met": ratio_ok,
        "cpu_ratio": cpu_ratio,
        "minhu_p95_ms": minhu["p95_ms"],
        "p95_target_ms": TARGET_P95_MS,
        "p95_met": p95_ok,
        "no_failures": minhu["failed_users"] == 0 and echo["failed_users"] == 0,
        "met": ratio_ok and p95_ok and minhu["failed_users"] == 0,
    }


def _status(row: dict[str, Any], code: str) -> int:
    return int(row["counters"]["status"].get(code, 0))


def table(rows: list[dict[str, Any]]) -> str:
    """The results as a fixed-width table."""
    head = (
        f"{'config':<22}{'bot':<10}{'users':>6}{'actions':>8}{'failed':>7}{'wall s':>8}"
        f"{'upd/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'api':>6}{'cpu ms/upd':>11}"
        f"{'harness%':>9}"
        f"{'400':>5}{'403':>5}{'429':>5}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        calls = sum(r["counters"]["methods"].values())
        cpu = r.get("bot_cpu_s")
        cpu_ms = f"{1000 * cpu / r['actions']:.1f}" if cpu is not None and r["actions"] else "-"
        harness = f"{100 * r['harness_cpu_s'] / r['busy_s']:.0f}" if r["busy_s"] else "-"
        lines.append(
            f"{r['config']:<22}{r['bot']:<10}{r['users']:>6}{r['actions']:>8}"
            f"{r['failed_users']:>7}{r['busy_s']:>8.2f}{r['updates_per_s']:>8.1f}"
            f"{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}{r['max_ms']:>8.1f}{calls:>6}{cpu_ms:>11}"
            f"{harness:>9}"
            f"{_status(r, '400'):>5}{_status(r, '403'):>5}{_status(r, '429'):>5}"
        )
    return "\n".join(lines)


def render(result: dict[str, Any]) -> str:
    """The full human-readable report."""
    m = result["machine"]
    out = [
        f"machine: {m['processor']} ({m['machine']}), nproc {m['nproc']}, "
        f"Python {m['python']}, {m['platform']}",
        f"residents per bot: {result['residents']}, actions per resident: "
        f"{result['actions_per_user']}, think time: {result['think_s']} s, "
        f"echo mode: {result['echo_mode']}",
        "minhu = `minhu run` (its flood gate on only with limits on); "
        "echo = tests/bench/echo_bot.py (with AIORateLimiter when limits on)",
        "latency = action sent -> first bot message changed; "
        "cpu ms/upd = bot process CPU per action; harness% = CPU of this process (emulator "
        "thread + simulated users) / busy time: near 100 means the harness, not the bot, "
        "was the bottleneck",
        "",
        table(result["rows"]),
        "",
    ]
    for v in result["verdicts"]:
        if v["ratio"] is None:
            out.append(f"[{v['config']}] {v['bot']}: no comparison (missing rows)")
            continue
        out.append(
            f"[{v['config']}] {v['bot']}/echo updates/s = {v['ratio']:.2f} "
            f"(target >= {v['ratio_target']}: {'met' if v['ratio_met'] else 'NOT met'}); "
            f"{v['bot']} p95 = {v['minhu_p95_ms']:.0f} ms "
            f"(target <= {v['p95_target_ms']:.0f} ms: {'met' if v['p95_met'] else 'NOT met'})"
        )
        if v.get("cpu_ratio") is not None:
            out.append(f"    updates per bot-CPU-second, {v['bot']}/echo = {v['cpu_ratio']:.2f}")
    out.append("")
    for r in result["rows"]:
        c = r["counters"]
        out.append(f"counters {r['config']} / {r['bot']}: methods {c['methods']}")
        out.append(f"  status {c['status']}")
        if c.get("error_counts"):
            out.append(f"  errors {c['error_counts']}")
        for f in r["failures"]:
            out.append(f"  FAILED {f}")
        for line in r.get("bot_log_errors", []):
            out.append(f"  bot log: {line}")
    for name, c in result["totals"].items():
        out.append(f"whole run {name}: status {c['status']}")
        for desc, count in c.get("error_counts", {}).items():
            methods = sorted({e["method"] for e in c["errors"] if e["description"] == desc})
            out.append(f"  {count} x {desc!r} ({', '.join(methods) or 'older than the log'})")
    return "\n".join(out)


def write_json(result: dict[str, Any], path: Path) -> None:
    """Write the results (same content as the table) as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
