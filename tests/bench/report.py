"""The report-flow rows of `make bench`: one run's figures, the median (min–max) over runs, the
issue's targets, and the printed table.

A row is FAILED when any simulated user of either bot failed in any run, a bot process
crashed or could not be started, or Minhu got a 400 (a request Telegram would refuse);
otherwise it is "met" or "not met" on the medians.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

from .stats import Spread, fmt, percentile, spread

TARGET_RATIO = 0.8  # flat out: Minhu's updates/s ÷ the echo bot's (goal 1.0)
TARGET_CPU_RATIO = 1.3  # flat out: Minhu's bot CPU per action ÷ the echo bot's
TARGET_STEP_P95_MS = 250.0  # at Telegram's limits with 3 s pauses: step-complete p95


def run_figures(users: dict[str, Any], counters: dict[str, Any]) -> dict[str, Any]:
    """One run of one bot, from the simulated users' document and the emulator's counters.

    Throughput is counted up to the last completed action, so a user stuck until the step
    timeout does not dilute it (a failed user fails the row anyway)."""
    results = users["users"]
    first = [x for r in results for x in r["latencies"]]
    complete = [x for r in results for x in r["completions"]]
    actions = sum(r["actions"] for r in results)
    busy = max((r["finished"] for r in results if r["actions"]), default=0.0)
    cpu = users.get("bot_cpu_s")
    return {
        "users": len(results),
        "actions": actions,
        "failures": [f"user {r['user_id']}: {r['error']}" for r in results if r["error"]],
        "busy_s": round(busy, 3),
        "updates_per_s": round(actions / busy, 2) if busy > 0 else None,
        "first_p50_ms": round(1000 * percentile(first, 50), 1),
        "first_p95_ms": round(1000 * percentile(first, 95), 1),
        "step_p50_ms": round(1000 * percentile(complete, 50), 1),
        "step_p95_ms": round(1000 * percentile(complete, 95), 1),
        "bot_cpu_ms_per_action": round(1000 * cpu / actions, 3) if cpu and actions else None,
        "emulator_cpu_pct": _pct(users.get("emulator_cpu_s"), users["wall_s"]),
        "users_cpu_pct": _pct(users.get("users_cpu_s"), users["wall_s"]),
        "tickets": len({t for r in results for t in r["tickets"]}),
        "step_p95_ms_by_step": _by_step([r["completions"] for r in results]),
        "status": {k: counters["status"].get(k, 0) for k in ("400", "403", "429")},
    }


def _by_step(runs: list[list[float]]) -> list[float]:
    """Step-complete p95 of each step (the i-th action of every user), to find the slow one."""
    steps = max((len(r) for r in runs), default=0)
    return [
        round(1000 * percentile([r[i] for r in runs if len(r) > i], 95), 1) for i in range(steps)
    ]


def per_action(methods: dict[str, int], actions: int) -> float | None:
    """Bot API calls per action (getUpdates left out: it is the polling, not the answers)."""
    calls = sum(n for name, n in methods.items() if name != "getUpdates")
    return round(calls / actions, 2) if actions else None


def _pct(cpu: float | None, wall: float) -> float | None:
    return round(100 * cpu / wall, 1) if cpu is not None and wall > 0 else None


FIGURES = (
    "updates_per_s",
    "bot_cpu_ms_per_action",
    "api_calls_per_action",
    "first_p50_ms",
    "first_p95_ms",
    "step_p50_ms",
    "step_p95_ms",
    "emulator_cpu_pct",
    "users_cpu_pct",
)


def aggregate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One bot of one configuration over its runs: each figure as a spread, failures summed."""
    done = [r for r in runs if "error" not in r]
    out: dict[str, Any] = {f: spread([r.get(f) for r in done]) for f in FIGURES}
    out["runs"] = len(runs)
    out["failed_users"] = sum(len(r.get("failures", [])) for r in done)
    out["failures"] = [f for r in runs for f in r.get("failures", [])][:10]
    out["errors"] = [r["error"] for r in runs if "error" in r]
    out["log_errors"] = [e for r in runs for e in r.get("bot_log_errors", [])][:5]
    out["status"] = {k: sum(r["status"][k] for r in done) for k in ("400", "403", "429")}
    return out


def _paired(minhu: list[dict[str, Any]], echo: list[dict[str, Any]], key: str) -> Spread:
    """Minhu ÷ echo of ``key``, run by run (runs i of both bots ran back to back)."""
    ratios: list[float | None] = []
    for m, e in zip(minhu, echo, strict=False):
        a, b = m.get(key), e.get(key)
        ratios.append(round(a / b, 3) if a and b else None)
    return spread(ratios)


def verdict(config: str, minhu: list[dict[str, Any]], echo: list[dict[str, Any]]) -> dict:
    """The row of one configuration: its figures, targets and state (met / not met / FAILED)."""
    m, e = aggregate(minhu), aggregate(echo)
    row: dict[str, Any] = {
        "config": config,
        "minhu": m,
        "echo": e,
        "ratio": _paired(minhu, echo, "updates_per_s"),
        "cpu_ratio": _paired(minhu, echo, "bot_cpu_ms_per_action"),
    }
    reasons = [
        f"{row[bot]['failed_users']} users failed ({bot})"
        for bot in ("minhu", "echo")
        if row[bot]["failed_users"]
    ]
    reasons += [f"{bot}: {err}" for bot in ("minhu", "echo") for err in row[bot]["errors"]]
    for i, r in enumerate(minhu):
        filed = r.get("users", 0) - len(r.get("failures", []))
        if "error" not in r and r["tickets"] != filed:
            reasons.append(f"run {i + 1}: {r['tickets']} distinct tickets for {filed} residents")
    if m["status"]["400"]:
        reasons.append(f"{m['status']['400']} × 400 to Minhu")
    targets: list[tuple[str, bool | None]] = []
    if config == "flat":
        ratio, cpu = row["ratio"]["median"], row["cpu_ratio"]["median"]
        targets.append((f"updates/s ratio >= {TARGET_RATIO}", _at_least(ratio, TARGET_RATIO)))
        targets.append((f"CPU ratio <= {TARGET_CPU_RATIO}", _at_most(cpu, TARGET_CPU_RATIO)))
    else:
        p95 = m["step_p95_ms"]["median"]
        targets.append(
            (f"step p95 <= {TARGET_STEP_P95_MS:.0f} ms", _at_most(p95, TARGET_STEP_P95_MS))
        )
    row["targets"] = [{"target": t, "met": ok} for t, ok in targets]
    row["failed"] = reasons
    row["state"] = state(reasons, [ok for _, ok in targets])
    row["each_run"] = {"minhu": minhu, "echo": echo}  # for the JSON file
    return row


def _at_least(value: float | None, target: float) -> bool | None:
    return None if value is None else value >= target


def _at_most(value: float | None, target: float) -> bool | None:
    return None if value is None else value <= target


def state(failed: list[str], met: list[bool | None]) -> str:
    """FAILED when anything failed; "not measured" when no target could be judged (e.g. no 1M
    bulletin run); else met only when every target was measured and met."""
    if failed:
        return "FAILED"
    if all(ok is None for ok in met):
        return "not measured"
    return "met" if all(ok is True for ok in met) else "not met"


def verdict_lines(row: dict[str, Any]) -> list[str]:
    """Each target of a row with its outcome, then what failed."""
    words = {True: "met", False: "not met", None: "not measured"}
    out = [f"  target {t['target']}: {words[t['met']]}" for t in row["targets"]]
    return out + [f"  FAILED: {reason}" for reason in row["failed"]]


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), or the processor's architecture elsewhere."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """Where the benchmark ran."""
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 0
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return {
        "processor": platform.processor() or platform.machine(),
        "cpu_model": cpu_model(),
        "machine": platform.machine(),
        "nproc": nproc,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "loadavg": load,
    }


def label(config: str, think: float) -> str:
    """The row's name, e.g. "report flow, Telegram's limits, 3 s pauses"."""
    if config == "flat":
        return "report flow, limits off, flat out"
    return f"report flow, Telegram's limits, {think:g} s pauses"


LINES = (
    ("updates/s", "updates_per_s", 1),
    ("bot CPU ms per action", "bot_cpu_ms_per_action", 2),
    ("Bot API calls per action", "api_calls_per_action", 2),
    ("first answer p50 ms", "first_p50_ms", 0),
    ("first answer p95 ms", "first_p95_ms", 0),
    ("step complete p50 ms", "step_p50_ms", 0),
    ("step complete p95 ms", "step_p95_ms", 0),
    ("emulator CPU %", "emulator_cpu_pct", 0),
    ("simulated users CPU %", "users_cpu_pct", 0),
)


def render(rows: list[dict[str, Any]], setup: dict[str, Any]) -> str:
    """The report-flow rows: per bot, every figure as median (min–max) over the runs."""
    out = [
        f"Report flow: {setup['residents']} residents per bot, {setup['actions_per_user']} "
        f"actions each, {setup['runs']} runs per row, echo mode {setup['echo_mode']}; "
        f"paced = {setup['think_s']} s mean pause (±50 %)",
        "first = action -> first bot message changed; step = action -> the last message the "
        "user waits for; cpu = bot process CPU per action; emu/users = CPU of the emulator / "
        "simulated-users process over the run (near 100 % = the harness was the bottleneck)",
    ]
    for row in rows:
        out.append("")
        out.append(f"{label(row['config'], setup['think_s'])}: {row['state']}")
        out.append(f"  {'':<25}{'minhu':<28}{'echo':<28}")
        for name, key, digits in LINES:
            cells = [fmt(row[bot][key], digits) for bot in ("minhu", "echo")]
            out.append(f"  {name:<25}{cells[0]:<28}{cells[1]:<28}")
        cells = [
            f"{row[b]['failed_users']} failed; {row[b]['status']['400']}/"
            f"{row[b]['status']['403']}/{row[b]['status']['429']}"
            for b in ("minhu", "echo")
        ]
        out.append(f"  {'users; 400/403/429':<25}{cells[0]:<28}{cells[1]:<28}")
        out.append(
            f"  Minhu ÷ echo: updates/s {fmt(row['ratio'], 2)}, CPU per action "
            f"{fmt(row['cpu_ratio'], 2)}"
        )
        out += verdict_lines(row)
        for bot in ("minhu", "echo"):
            out += [f"    {bot} {f}" for f in row[bot]["failures"]]
            out += [f"    {bot} log: {line}" for line in row[bot]["log_errors"]]
    return "\n".join(out)


def write_json(result: dict[str, Any], path: Path) -> None:
    """Write the results (same content as the table) as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
