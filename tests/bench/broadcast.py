"""Broadcast benchmark: one announcement to N recipients (default 10,000) through the outbox.

"limits on": the emulator enforces Telegram's 30 msg/s; we measure the achieved rate in the
steady middle of the run (target ≥ 0.97 × 30/s), the 429s (target 0), and the replies to a
resident who is in the audience and keeps sending /help during the broadcast (targets: not
one 429, p95 ≤ 1.5 s, max ≤ 2 s).
"limits off": no limits anywhere (MINHU_RATE_LIMIT=off): the dispatcher's own capacity
(target ≥ 1,000 msg/s) and the bot process's peak memory.
"strict 8/s": a server stricter than Telegram (8 msg/s overall, burst 8) that the bot is not
told about: 429s per 1,000 messages (target ≤ 5) and the achieved rate (target ≥ 0.9 × 8/s).
A row that misses a target is marked FAILED, and `python -m tests.bench` exits non-zero.
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

from storage import broadcasts
from storage.db import Database

from . import procs
from .report import percentile

TOKEN = "7100003:bench-broadcast-token"
BOT_ID = 7100003
PROBE_ID = 990_000_001
STRICT = {"overall_rate": 8.0, "overall_burst": 8}  # a server stricter than Telegram
TELEGRAM = {"overall_rate": 30.0, "overall_burst": 30}
LABELS = {"on": "limits on", "off": "limits off", "strict": "strict 8/s"}


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


async def _create_broadcast(database: Path) -> int:
    async with Database(database) as db:
        _, total = await broadcasts.create(
            db,
            created_by=1,
            audience=broadcasts.Audience("everyone"),
            text="社区公告：本周六上午九点在党群服务中心召开议事会，欢迎参加。",
            photo_file_id=None,
            urgent=False,
            now=datetime.now(UTC),
        )
    return total


async def _sent(client: httpx.AsyncClient) -> int:
    body = await procs.counters(client, BOT_ID)
    return int(body["methods"].get("sendMessage", 0))


async def _probe(client: httpx.AsyncClient, stop: asyncio.Event, latencies: list[float]) -> None:
    """A resident of the audience sends /help every 2 s and waits for the answer."""
    while not stop.is_set():
        seq = int((await client.get("/api/events", params={"after_seq": 2**62})).json()["seq"])
        started = time.perf_counter()
        await client.post(f"/api/users/{PROBE_ID}/messages", json={"bot": BOT_ID, "text": "/help"})
        resp = await client.get(
            f"/api/chats/{PROBE_ID}/messages", params={"bot": BOT_ID, "after_seq": seq, "wait": 10}
        )
        if any(m["from_bot"] for m in resp.json()["messages"]):
            latencies.append((time.perf_counter() - started) * 1000)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 2.0)


def _peak_memory_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _steady_rate(samples: list[tuple[float, int]], total: int) -> float:
    """Messages per second between 5 % and 95 % of the run (start-up and tail left out)."""
    low, high = int(total * 0.05), int(total * 0.95)
    t_low = next(t for t, n in samples if n >= low)
    t_high = next(t for t, n in samples if n >= high)
    return (high - low) / (t_high - t_low) if t_high > t_low else float("nan")


def _achieved_rate(samples: list[tuple[float, int]], total: int) -> float:
    """Messages per second from the first delivery to the last."""
    t_first = next(t for t, n in samples if n >= 1)
    t_last = next(t for t, n in samples if n >= total)
    return (total - 1) / (t_last - t_first) if t_last > t_first else float("nan")


async def run(
    client: httpx.AsyncClient, api_base: str, work: Path, recipients: int, mode: str
) -> dict[str, Any]:
    """One broadcast run ("on", "off" or "strict"); returns its row."""
    flood = mode != "off"
    await client.post("/api/bots", json={"token": TOKEN, "first_name": "Minhu"})
    await client.post("/api/reset")
    server = {"flood_control": flood, **(STRICT if mode == "strict" else TELEGRAM)}
    resp = await client.patch("/api/config", json=server)
    resp.raise_for_status()
    database = work / f"broadcast-{mode}.db"
    await asyncio.to_thread(procs.seed_demo, TOKEN, api_base, database, work)
    await _add_people(client, database, 2_000_000, recipients - 1)
    await _add_people(client, database, PROBE_ID, 1)  # the talking resident, in the audience
    proc = procs.start_minhu(TOKEN, api_base, database, work, rate_limit=flood)
    before = await procs.counters(client, BOT_ID)
    latencies: list[float] = []
    stop = asyncio.Event()
    try:
        await procs.wait_polling(client, proc, BOT_ID)
        base = await _sent(client)
        total = await _create_broadcast(database)
        probe = asyncio.create_task(_probe(client, stop, latencies)) if mode == "on" else None
        samples: list[tuple[float, int]] = []
        started = time.perf_counter()
        slowest = {"on": 20, "off": 100, "strict": 6}[mode]
        while True:
            sent = await _sent(client) - base - len(latencies)
            samples.append((time.perf_counter(), sent))
            if sent >= total:
                break
            if time.perf_counter() - started > total / slowest + 120:
                raise RuntimeError(f"broadcast stalled at {sent}/{total}:\n{proc.log_tail()}")
            await asyncio.sleep(0.25)
        elapsed = time.perf_counter() - started
        stop.set()
        if probe:
            await probe
        memory = _peak_memory_mb(proc.proc.pid)
        cpu = proc.cpu_seconds()
    finally:
        stop.set()
        await proc.stop()
        await client.patch("/api/config", json=TELEGRAM)
    after = await procs.counters(client, BOT_ID)
    diff = procs.counter_diff(after, before, 0)
    row = {
        "config": LABELS[mode],
        "recipients": total,
        "elapsed_s": round(elapsed, 1),
        "rate_per_s": round(_steady_rate(samples, total), 2),
        "achieved_per_s": round(_achieved_rate(samples, total), 2),
        "overall_per_s": round(total / elapsed, 2),
        "status_429": diff["status"].get("429", 0),
        "status_400": diff["status"].get("400", 0),
        "probe_429": _probe_429s(diff),
        "reply_p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
        "reply_p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
        "reply_max_ms": round(max(latencies), 1) if latencies else None,
        "reply_samples": len(latencies),
        "peak_memory_mb": round(memory, 1) if memory else None,
        "bot_cpu_s": round(cpu, 1) if cpu is not None else None,
    }
    row["missed"] = missed_targets(row)
    return row


def _probe_429s(diff: dict[str, Any]) -> int:
    """429s answered to the talking resident's chat (of the last 50 errors the emulator keeps)."""
    return sum(
        1
        for e in diff["errors"]
        if e.get("error_code") == 429 and str(e.get("chat_id")) == str(PROBE_ID)
    )


def missed_targets(r: dict[str, Any]) -> list[str]:
    """The targets a row missed (empty: all met)."""
    missed = [f"{r['status_400']} × 400"] if r["status_400"] else []
    if r["config"] == LABELS["on"]:
        if r["rate_per_s"] < 0.97 * 30:
            missed.append("rate < 29.1/s")
        if r["status_429"]:
            missed.append(f"{r['status_429']} × 429")
        p95, worst = r["reply_p95_ms"], r["reply_max_ms"]
        if p95 is None or p95 > 1500 or worst is None or worst > 2000:
            missed.append("replies slower than p95 1.5 s / max 2 s")
    elif r["config"] == LABELS["off"]:
        if r["rate_per_s"] < 1000:
            missed.append("capacity < 1000/s")
    else:
        if r["status_429"] * 1000 / r["recipients"] > 5:
            missed.append("more than 5 × 429 per 1,000 messages")
        if r["achieved_per_s"] < 0.9 * STRICT["overall_rate"]:
            missed.append("rate < 0.9 × 8/s")
    return missed


def render(rows: list[dict[str, Any]]) -> str:
    """The broadcast results and the targets."""
    out = ["", "Broadcast through the outbox:"]
    for r in rows:
        out.append(
            f"  {r['config']:<10} {r['recipients']} recipients in {r['elapsed_s']} s: "
            f"steady {r['rate_per_s']}/s (first to last {r['achieved_per_s']}/s), "
            f"429s {r['status_429']}, 400s {r['status_400']}, "
            f"peak memory {r['peak_memory_mb']} MB, bot CPU {r['bot_cpu_s']} s"
        )
        if r["config"] == LABELS["on"]:
            out.append(
                f"    targets rate >= 29.1/s, zero 429s; the resident in the audience sending "
                f"/help: {r['probe_429']} × 429 on their chat, replies p50 {r['reply_p50_ms']} "
                f"ms, p95 {r['reply_p95_ms']} ms, max {r['reply_max_ms']} ms over "
                f"{r['reply_samples']} (targets p95 <= 1500, max <= 2000)"
            )
        elif r["config"] == LABELS["off"]:
            out.append("    target: dispatcher capacity >= 1000/s")
        else:
            per_1000 = r["status_429"] * 1000 / r["recipients"]
            out.append(
                f"    {per_1000:.1f} × 429 per 1,000 messages (target <= 5), achieved "
                f"{r['achieved_per_s']}/s (target >= 7.2/s = 0.9 × 8)"
            )
        verdict = "FAILED: " + "; ".join(r["missed"]) if r["missed"] else "all targets met"
        out.append(f"    {verdict}")
    return "\n".join(out)
