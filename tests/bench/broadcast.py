"""Broadcast rows: one announcement to N residents (default 10,000), made through /broadcast.

Each run: the emulator is reset; a fresh database gets the demo town and N consenting
residents (N - 1 plus the talking resident), all also users of the emulator; Minhu starts in
its own process with one admin (MINHU_ADMIN_IDS); then, in the simulated users' process, the
admin goes through /broadcast as they would (everyone, the words, ordinary, confirm) and, with
Telegram's limits, a resident of the audience sends /help every 2 s and waits for each answer
until the admin's progress message says done. Meanwhile this process samples the emulator's
counters: the audience's messages (sendMessage less the admin's and the talking resident's
answers) ten times a second without limits, four with them. At the end every resident must
have exactly one copy.

"on" (Telegram's limits): the steady rate between 5 % and 95 % of the run (target ≥ 0.97 ×
30/s), the 429s (target 0), the talking resident's reply p95 (target ≤ 1.5 s).
"off" (no limits anywhere, MINHU_RATE_LIMIT=off): the outbox's capacity (target ≥ 1,500/s).
"strict" (not by default; a server at 8 msg/s the bot is not told of): 429s per 1,000
messages (target ≤ 5) and the rate from first to last (target ≥ 0.9 × 8/s).
A run that stalls, an admin step or a /help that gets no answer, a resident without exactly
one copy, or a 400, makes the row FAILED.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from . import procs, report
from .stats import fmt, percentile, spread

TOKEN = "7100003:bench-broadcast-token"
BOT_ID = 7100003
ADMIN_ID = 990_000_000
PROBE_ID = 990_000_001
FIRST_RESIDENT = 2_000_000
TEXT = "本周六上午九点，上强社区党群服务中心义诊，欢迎参加。"
MARK = "义诊"  # in the announcement, never in an answer to /help
STRICT = {"overall_rate": 8.0, "overall_burst": 8}
TELEGRAM = {"overall_rate": 30.0, "overall_burst": 30}
LABELS = {
    "on": "broadcast through /broadcast, Telegram's limits",
    "off": "outbox capacity, limits off",
    "strict": "broadcast against a stricter server (8 msg/s)",
}
SLOWEST = {"on": 20, "off": 100, "strict": 6}  # msg/s below which a run counts as stalled


async def _add_people(client: httpx.AsyncClient, database: Path, first: int, count: int) -> None:
    resp = await client.post(
        "/api/users/bulk",
        json={
            "bot": BOT_ID,
            "count": count,
            "start_id": first,
            "first_name": "居民",
            "started": True,
            "language_code": "zh-hans",
        },
    )
    resp.raise_for_status()
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    with sqlite3.connect(database) as db:
        grid = db.execute("SELECT id FROM grids ORDER BY id LIMIT 1").fetchone()[0]
        db.executemany(
            "INSERT INTO people (id, first_name, language, grid_id, consented_at, created_at,"
            " updated_at) VALUES (?, '居民', 'zh-CN', ?, ?, ?, ?)",
            [(i, grid, stamp, stamp, stamp) for i in range(first, first + count)],
        )


async def bot_msgs(client: httpx.AsyncClient, chat: int, bot: int = BOT_ID) -> list[dict[str, Any]]:
    """The messages `bot` sent to `chat`."""
    resp = await client.get(f"/api/chats/{chat}/messages", params={"bot": bot})
    return [m for m in resp.json().get("messages", []) if m.get("from_bot")]


async def audience_sent(
    client: httpx.AsyncClient,
    base: int,
    *,
    bot: int = BOT_ID,
    admin: int = ADMIN_ID,
    probe: int = PROBE_ID,
) -> int:
    """Messages sent to the audience so far: sendMessage less the admin's conversation and the
    answers to the talking resident."""
    sent = int((await procs.counters(client, bot))["methods"].get("sendMessage", 0)) - base
    admin_msgs = len(await bot_msgs(client, admin, bot))
    answers = [m for m in await bot_msgs(client, probe, bot) if MARK not in (m.get("text") or "")]
    return sent - admin_msgs - len(answers)


def _peak_memory_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _rate(samples: list[tuple[float, int]], low: int, high: int) -> float | None:
    """Messages per second between the samples that first reached ``low`` and ``high``."""
    t_low = next((t for t, n in samples if n >= low), None)
    t_high = next((t for t, n in samples if n >= high), None)
    if t_low is None or t_high is None or t_high <= t_low:
        return None
    return round((high - low) / (t_high - t_low), 2)


async def copies(client: httpx.AsyncClient, bot: int = BOT_ID) -> dict[int, int]:
    """How many messages `bot` sent each chat."""
    resp = await client.get("/api/stats/bot-messages", params={"bot": bot})
    return {int(k): int(v) for k, v in resp.json()["counts"].items()}


async def deliveries(
    client: httpx.AsyncClient,
    counts: dict[int, int],
    audience: list[int],
    *,
    bot: int = BOT_ID,
    probe: int = PROBE_ID,
) -> list[str]:
    """What is wrong with the audience's copies (empty: each resident got exactly one), from
    `copies`' counts."""
    missing = sum(1 for uid in audience if counts.get(uid, 0) == 0)
    twice = sum(1 for uid in audience if counts.get(uid, 0) > 1)
    probe_copies = [m for m in await bot_msgs(client, probe, bot) if MARK in (m.get("text") or "")]
    problems = [f"{missing} residents got no copy"] if missing else []
    problems += [f"{twice} residents got more than one"] if twice else []
    if len(probe_copies) != 1:
        problems.append(f"the talking resident got {len(probe_copies)} copies")
    return problems


async def _sample(
    client: httpx.AsyncClient,
    base: int,
    size: int,
    limit: float,
    users: asyncio.Task[dict[str, Any]],
    every: float,
) -> list[tuple[float, int]]:
    """(time, audience messages) every ``every`` s until all ``size`` went out, ``limit`` s
    passed, or the simulated users ended without the admin having sent it."""
    samples: list[tuple[float, int]] = []
    started = time.perf_counter()
    while True:
        sent = await audience_sent(client, base)
        samples.append((time.perf_counter(), sent))
        if sent >= size or time.perf_counter() - started > limit:
            return samples
        if users.done() and (users.exception() or users.result()["admin"]["error"]):
            return samples
        await asyncio.sleep(every)


async def run_once(
    client: httpx.AsyncClient,
    emulator: procs.Emulator,
    work: Path,
    size: int,
    mode: str,
    index: int,
) -> dict[str, Any]:
    """One broadcast run; its figures (``failures`` lists what went wrong)."""
    (await client.post("/api/reset")).raise_for_status()
    server = {"flood_control": mode != "off", **(STRICT if mode == "strict" else TELEGRAM)}
    (await client.patch("/api/config", json=server)).raise_for_status()
    database = work / f"broadcast-{mode}-{index}.db"
    await asyncio.to_thread(procs.seed_demo, TOKEN, emulator.api_base, database, work)
    admin = {"id": ADMIN_ID, "first_name": "镇办老陈", "language_code": "zh-hans"}
    (await client.post("/api/users", json=admin)).raise_for_status()
    await _add_people(client, database, FIRST_RESIDENT, size - 1)
    await _add_people(client, database, PROBE_ID, 1)  # the talking resident, in the audience
    proc = procs.start_minhu(
        TOKEN, emulator.api_base, database, work, rate_limit=mode != "off", admins=(ADMIN_ID,)
    )
    limit = size / SLOWEST[mode] + 120
    argv = ["broadcast", "--url", emulator.url, "--bot", str(BOT_ID), "--first", str(ADMIN_ID)]
    argv += ["--text", TEXT, "--step-timeout", str(limit)]
    argv += ["--probe", str(PROBE_ID)] if mode == "on" else []
    row: dict[str, Any] = {"failures": []}
    try:
        await procs.wait_polling(client, proc, BOT_ID)
        base = int((await procs.counters(client, BOT_ID))["methods"].get("sendMessage", 0))
        cpu0, emu0 = procs.cpu_seconds(proc.pid), procs.cpu_seconds(emulator.pid)
        users = asyncio.create_task(procs.users(argv, limit + 60))
        started = time.perf_counter()
        samples = await _sample(client, base, size, limit, users, 0.1 if mode == "off" else 0.25)
        elapsed = samples[-1][0] - started
        people: dict[str, Any] = {}
        if samples[-1][1] < size:
            row["failures"].append(f"stalled at {samples[-1][1]}/{size}")
            users.cancel()  # a no-op when they ended (the admin's failure is in their result)
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                people = await users
        else:
            people = await users
        cpu1, memory = procs.cpu_seconds(proc.pid), _peak_memory_mb(proc.pid)
        emu1 = procs.cpu_seconds(emulator.pid)
    except RuntimeError as exc:
        return {"failures": [str(exc).splitlines()[0]]}
    finally:
        await proc.stop()
    diff = procs.counter_diff(await procs.counters(client, BOT_ID), {}, 0)
    probe, admin = people.get("probe", {}), people.get("admin", {"completions": []})
    replies = [1000 * x for x in probe.get("latencies", [])]
    if admin.get("error"):
        row["failures"].append(f"the admin: {admin['error']}")
    row["failures"] += [f"the talking resident: {f}" for f in probe.get("failures", [])]
    if not row["failures"]:
        audience = [*range(FIRST_RESIDENT, FIRST_RESIDENT + size - 1)]
        row["failures"] += await deliveries(client, await copies(client), audience)
    if diff["status"].get("400"):
        row["failures"].append(f"{diff['status']['400']} × 400")
    low, high = int(size * 0.05), int(size * 0.95)
    return row | {
        "recipients": size,
        "elapsed_s": round(elapsed, 1),
        "rate_per_s": _rate(samples, max(low, 1), max(high, 2)),
        "achieved_per_s": _rate(samples, 1, size),
        "status_429": diff["status"].get("429", 0),
        "per_1000_429": round(1000 * diff["status"].get("429", 0) / size, 2),
        "reply_p50_ms": round(percentile(replies, 50), 1) if replies else None,
        "reply_p95_ms": round(percentile(replies, 95), 1) if replies else None,
        "reply_max_ms": round(max(replies), 1) if replies else None,
        "reply_samples": len(replies),
        "admin_step_p95_ms": round(1000 * percentile(admin["completions"], 95), 1),
        "peak_memory_mb": round(memory, 1) if memory else None,
        "bot_cpu_s": round(cpu1 - cpu0, 2) if cpu0 is not None and cpu1 is not None else None,
        "emulator_cpu_s": round(emu1 - emu0, 2) if emu0 is not None and emu1 is not None else None,
    }


FIGURES = ("rate_per_s", "achieved_per_s", "per_1000_429", "reply_p95_ms", "reply_max_ms")
FIGURES += ("admin_step_p95_ms", "peak_memory_mb", "bot_cpu_s", "emulator_cpu_s", "elapsed_s")


def verdict(mode: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One mode over its runs: figures as spreads, 429s summed, targets and state."""
    row: dict[str, Any] = {"config": mode, "runs": len(runs)}
    row |= {f: spread([r.get(f) for r in runs]) for f in FIGURES}
    row["status_429"] = sum(r.get("status_429", 0) for r in runs)
    row["recipients"] = max((r.get("recipients", 0) for r in runs), default=0)
    row["failed"] = [f"run {i + 1}: {f}" for i, r in enumerate(runs) for f in r["failures"]]
    median = {f: row[f]["median"] for f in FIGURES}
    if mode == "on":
        targets = [
            ("rate >= 29.1/s", _check(median["rate_per_s"], 0.97 * 30, at_least=True)),
            ("0 × 429", None if not runs else row["status_429"] == 0),
            ("reply p95 <= 1500 ms", _check(median["reply_p95_ms"], 1500.0, at_least=False)),
        ]
    elif mode == "off":
        targets = [("capacity >= 1500/s", _check(median["rate_per_s"], 1500.0, at_least=True))]
    else:
        targets = [
            ("<= 5 × 429 per 1,000", _check(median["per_1000_429"], 5.0, at_least=False)),
            ("first-to-last >= 7.2/s", _check(median["achieved_per_s"], 7.2, at_least=True)),
        ]
    met = [{"target": name, "met": ok} for name, ok in targets]
    row["targets"] = met
    row["state"] = report.state(row["failed"], [t["met"] for t in met])
    row["each_run"] = runs  # for the JSON file
    return row


def _check(value: float | None, bound: float, *, at_least: bool) -> bool | None:
    if value is None:
        return None
    return value >= bound if at_least else value <= bound


def render(rows: list[dict[str, Any]]) -> str:
    """The broadcast rows: figures as median (min–max) over the runs, targets, state."""
    out = []
    for r in rows:
        out += ["", f"{LABELS[r['config']]}, {r['recipients']:,} recipients: {r['state']}"]
        out.append(
            f"  steady rate {fmt(r['rate_per_s'], 2)} msg/s, first to last "
            f"{fmt(r['achieved_per_s'], 2)} msg/s, in {fmt(r['elapsed_s'])} s; "
            f"429s {r['status_429']}; "
            f"bot CPU {fmt(r['bot_cpu_s'])} s, emulator CPU {fmt(r['emulator_cpu_s'])} s, "
            f"peak memory {fmt(r['peak_memory_mb'])} MB; "
            f"admin step p95 {fmt(r['admin_step_p95_ms'], 0)} ms"
        )
        if r["config"] == "strict":
            out.append(f"  429s per 1,000 messages {fmt(r['per_1000_429'], 2)}")
        if r["config"] == "on":
            out.append(
                f"  the talking resident's /help: reply p95 {fmt(r['reply_p95_ms'], 0)} ms, "
                f"max {fmt(r['reply_max_ms'], 0)} ms"
            )
        out += report.verdict_lines(r)
    return "\n".join(out)


async def rows(
    client: httpx.AsyncClient, emulator: procs.Emulator, args: Any, work: Path
) -> list[dict[str, Any]]:
    """Every broadcast mode asked for, ``args.runs`` times each."""
    await client.post("/api/bots", json={"token": TOKEN, "first_name": "Minhu"})
    out = []
    try:
        for mode in args.broadcast_limits:
            size = args.strict_recipients if mode == "strict" else args.recipients
            runs = []
            for index in range(args.runs):
                print(f"  {LABELS[mode]}: run {index + 1}, {size:,} recipients", flush=True)
                runs.append(await run_once(client, emulator, work, size, mode, index))
                r = runs[-1]
                print(
                    f"    steady {r.get('rate_per_s')}/s, 429s {r.get('status_429')}, reply p95 "
                    f"{r.get('reply_p95_ms')} ms; {'; '.join(r['failures']) or 'ok'}",
                    flush=True,
                )
            out.append(verdict(mode, runs))
    finally:
        await client.patch("/api/config", json={"flood_control": True, **TELEGRAM})
    return out
