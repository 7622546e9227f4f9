"""The "towns" row of `make bench` (issue 20): three towns broadcasting at once on PostgreSQL.

Each run: the emulator is reset with Telegram's limits on (30 msg/s per bot, 1/s per chat); a
fresh PostgreSQL database (made on MINHU_TEST_POSTGRES_URL's server, default the local socket;
dropped after the run) gets three towns, a schema each, each with the demo town and N
consenting residents (N - 1 plus a talking resident), all users of the emulator with a chat
open with their town's bot; one `minhu receive` and three `minhu worker` serve the three
towns (tests/support/district_cluster.py; the bot's own limits on). In the simulated people's
process (tests/bench/towns_load.py) each town's admin goes through /broadcast to the preview,
and all three press confirm at the same moment; each town's talking resident sends /help every
2 s until their admin's progress message says done. Meanwhile this process samples the
emulator's counters of each bot four times a second: its audience's messages (sendMessage less
the admin's conversation and the answers to /help).

Figures: each bot's steady rate (between 5 % and 95 % of its N) and the aggregate (the three
audiences' sum between 5 % and 95 % of 3 N), each bot's 429s, each town's reply p95. Targets:
aggregate ≥ 0.97 × 3 × 30 msg/s, 0 × 429 per bot. Any resident without exactly one copy, a
bot writing to another town's people, a 400, a stall, a process that crashed or did not stop
cleanly, an admin step without its answer: FAILED. Beside it, one town alone on SQLite
(`minhu run`) at the same N: tests/bench/broadcast.py's "on" run. No server: SKIPPED.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.support.databases import admin, server_missing, url_of
from tests.support.district_cluster import District, TownSpec, add_bots, seed_town

from . import broadcast, procs, report
from .stats import fmt, percentile, spread

TEXT = "本周六上午九点，党群服务中心义诊，欢迎参加。"  # broadcast.MARK (义诊): never in an answer
WORKERS = 3
PLACES = [("zhili", "织里镇"), ("balidian", "八里店镇"), ("shuanglin", "双林镇")]
TARGET = 0.97 * 3 * 30
LABEL = "three towns broadcasting at once, PostgreSQL, 3 workers"
BASELINE = "one town broadcasting alone, SQLite, minhu run"


def towns(per_town: int) -> list[TownSpec]:
    """The three towns: their bots, admins and N - 1 seeded residents each."""
    return [
        TownSpec(key, name, 7_200_001 + i, 990_100_001 + i, 1, 3_000_000 + 200_000 * i,
                 per_town - 1)
        for i, (key, name) in enumerate(PLACES)
    ]  # fmt: skip


def probe_of(town: TownSpec) -> int:
    """The town's talking resident (in its audience)."""
    return 990_200_001 + town.bot_id - 7_200_001


def per_town(recipients: int) -> int:
    """The row's N: 3/10 of --recipients (10,000 → 3,000 a town; --quick's 300 → 90)."""
    return max(10, recipients * 3 // 10)


async def _audience(client: httpx.AsyncClient, town: TownSpec, base: int) -> int:
    """The town's audience's messages so far."""
    return await broadcast.audience_sent(
        client, base, bot=town.bot_id, admin=town.admin_id, probe=probe_of(town)
    )


async def _deliveries(client: httpx.AsyncClient, town: TownSpec) -> list[str]:
    """What is wrong with the town's copies (empty: each resident got exactly one, and the
    bot wrote to nobody outside its town)."""
    counts = await broadcast.copies(client, town.bot_id)
    found = await broadcast.deliveries(
        client, counts, town.recipient_ids, bot=town.bot_id, probe=probe_of(town)
    )
    problems = [f"{town.key}: {problem}" for problem in found]
    strangers = set(counts) - {*town.recipient_ids, probe_of(town), town.admin_id}
    if strangers:
        problems.append(f"{town.key}: its bot wrote to {len(strangers)} people of no town of it")
    return problems


async def _load(argv: list[str], limit: float) -> dict[str, Any]:
    """The simulated people (tests/bench/towns_load.py) in their own process; their JSON."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.bench.towns_load", *argv, cwd=procs.ROOT,
        env=procs._env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(), limit)
    except (TimeoutError, asyncio.CancelledError):
        proc.kill()
        await proc.wait()
        raise RuntimeError(f"the simulated people did not finish in {limit:.0f} s") from None
    lines = out.decode().strip().splitlines()
    if proc.returncode != 0 or not lines:
        last = (err.decode().strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"the simulated people failed ({proc.returncode}): {last}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


async def _prepare(client: httpx.AsyncClient, emulator: procs.Emulator, n: int) -> str:
    """Reset the emulator (Telegram's limits on), a fresh database with the three towns."""
    (await client.post("/api/reset")).raise_for_status()
    server = {"flood_control": True, **broadcast.TELEGRAM}
    (await client.patch("/api/config", json=server)).raise_for_status()
    name = f"minhu_bench_towns_{uuid.uuid4().hex[:12]}"
    await admin(f"CREATE DATABASE {name}")
    url = url_of(name)
    with httpx.Client(base_url=emulator.url, timeout=60) as sync:
        await asyncio.to_thread(add_bots, sync, towns(n))
    for t in towns(n):  # the talking resident: a user with a chat open with the town's bot
        body = {"bot": t.bot_id, "count": 1, "start_id": probe_of(t), "first_name": "居民",
                "started": True, "language_code": "zh-hans"}  # fmt: skip
        (await client.post("/api/users/bulk", json=body)).raise_for_status()
    await asyncio.gather(*(seed_town(url, t, [probe_of(t)]) for t in towns(n)))
    return url


async def run_once(
    client: httpx.AsyncClient, emulator: procs.Emulator, work: Path, n: int, index: int
) -> dict[str, Any]:
    """One run of the three towns; its figures (``failures``: what went wrong)."""
    spec = towns(n)
    row: dict[str, Any] = {"failures": [], "recipients": n}
    url = ""
    district: District | None = None
    try:
        url = await _prepare(client, emulator, n)
        folder = work / f"towns-{index}"
        folder.mkdir(exist_ok=True)
        district = District(emulator.api_base, url, folder, procs.free_port(), towns=spec)
        await asyncio.to_thread(district.start, WORKERS)
        pids = [p.pid for p in [*district.workers, *filter(None, [district.receiver])]]
        base = {
            t.key: (await procs.counters(client, t.bot_id))["methods"].get("sendMessage", 0)
            for t in spec
        }
        cpu0 = sum(procs.cpu_seconds(p) or 0.0 for p in pids)
        limit = n / broadcast.SLOWEST["on"] + 120
        argv = ["--url", emulator.url, "--text", TEXT, "--limit", str(limit)]
        for t in spec:
            argv += ["--town", f"{t.bot_id}:{t.admin_id}:{probe_of(t)}"]
        people = asyncio.create_task(_load(argv, limit + 60))
        started = time.perf_counter()
        samples: dict[str, list[tuple[float, int]]] = {t.key: [] for t in spec}
        while True:
            now = time.perf_counter()
            for t in spec:
                samples[t.key].append((now, await _audience(client, t, base[t.key])))
            if all(s[-1][1] >= n for s in samples.values()) or now - started > limit:
                break
            if people.done() and (people.exception() or "error" in people.result()):
                break
            await asyncio.sleep(0.25)
        row["elapsed_s"] = round(time.perf_counter() - started, 1)
        for t in spec:
            if samples[t.key][-1][1] < n:
                row["failures"].append(f"{t.key}: stalled at {samples[t.key][-1][1]}/{n}")
        if row["failures"]:
            people.cancel()  # a no-op when they ended (an admin's failure is in their result)
        loaded: dict[str, Any] = {}
        with contextlib.suppress(asyncio.CancelledError):
            loaded = await people
        row["cluster_cpu_s"] = round(sum(procs.cpu_seconds(p) or 0.0 for p in pids) - cpu0, 1)
        figures = await _figures(client, spec, samples, loaded, n)
        row["failures"] += figures.pop("failures")
        row |= figures
    except (RuntimeError, AssertionError) as exc:  # a process that did not start, the load's end
        row["failures"].append(str(exc).splitlines()[0][:300])
    finally:
        if district is not None:
            codes = await asyncio.to_thread(district.stop)
            bad = {k: c for k, c in codes.items() if c not in (0, -2)}
            if bad:
                row["failures"].append(f"exit codes {bad}")
            if "Traceback" in district.logs():
                row["failures"].append("a Traceback in the cluster's logs")
        for t in spec:
            await client.post(f"/bot{t.token}/deleteWebhook")
        if url:
            await admin(f"DROP DATABASE IF EXISTS {urlsplit(url).path.lstrip('/')} WITH (FORCE)")
    row["loadavg"] = report.machine()["loadavg"]
    return row


async def _figures(
    client: httpx.AsyncClient,
    spec: list[TownSpec],
    samples: dict[str, list[tuple[float, int]]],
    loaded: dict[str, Any],
    n: int,
) -> dict[str, Any]:
    """The run's rates, 429s, replies; its failures (copies, 400s, the people's errors)."""
    out: dict[str, Any] = {"failures": [], "towns": {}}
    if "error" in loaded:
        out["failures"].append(loaded["error"])
    times = sorted({t for s in samples.values() for t, _ in s})
    total = [(t, sum(s[i][1] for s in samples.values())) for i, t in enumerate(times)]
    low, high = int(3 * n * 0.05), int(3 * n * 0.95)
    out["aggregate_per_s"] = broadcast._rate(total, max(low, 1), max(high, 2))
    for t in spec:
        diff = procs.counter_diff(await procs.counters(client, t.bot_id), {}, 0)
        people = loaded.get(str(t.bot_id), {})
        probe, admin_ = people.get("probe", {}), people.get("admin", {})
        if admin_.get("error"):
            out["failures"].append(f"{t.key}'s admin: {admin_['error']}")
        out["failures"] += [f"{t.key}'s talking resident: {f}" for f in probe.get("failures", [])]
        if diff["status"]["400"]:
            first = next((e for e in diff["errors"] if e.get("error_code") == 400), {})
            out["failures"].append(
                f"{t.key}: {diff['status']['400']} × 400 (first: {first.get('method')} to "
                f"{first.get('chat_id')}: {first.get('description')})"
            )
        replies = [1000 * x for x in probe.get("latencies", [])]
        rate = broadcast._rate(samples[t.key], max(int(n * 0.05), 1), max(int(n * 0.95), 2))
        out["towns"][t.key] = {
            "rate_per_s": rate,
            "status_429": diff["status"]["429"],
            "reply_p95_ms": round(percentile(replies, 95), 1) if replies else None,
            "reply_samples": len(replies),
        }
    if not out["failures"] and loaded:
        for t in spec:
            out["failures"] += await _deliveries(client, t)
    return out


def verdict(runs: list[dict[str, Any]], baseline: dict[str, Any] | None) -> dict[str, Any]:
    """The row over its runs: figures as spreads, 429s per bot summed, targets and state."""
    keys = [k for k, _ in PLACES]
    row: dict[str, Any] = {"config": "towns", "runs": len(runs)}
    row["recipients"] = max((r.get("recipients", 0) for r in runs), default=0)
    row["aggregate_per_s"] = spread([r.get("aggregate_per_s") for r in runs])
    row["elapsed_s"] = spread([r.get("elapsed_s") for r in runs])
    row["cluster_cpu_s"] = spread([r.get("cluster_cpu_s") for r in runs])
    row["towns"] = {
        k: {
            f: spread([r.get("towns", {}).get(k, {}).get(f) for r in runs])
            for f in ("rate_per_s", "reply_p95_ms")
        }
        | {"status_429": sum(r.get("towns", {}).get(k, {}).get("status_429", 0) for r in runs)}
        for k in keys
    }
    row["failed"] = [f"run {i + 1}: {f}" for i, r in enumerate(runs) for f in r["failures"]]
    aggregate = row["aggregate_per_s"]["median"]
    targets = [
        (f"aggregate >= {TARGET:.1f}/s", None if aggregate is None else aggregate >= TARGET),
        ("0 × 429 per bot", None if not runs else all(
            row["towns"][k]["status_429"] == 0 for k in keys)),
    ]  # fmt: skip
    row["targets"] = [{"target": name, "met": ok} for name, ok in targets]
    row["state"] = report.state(row["failed"], [t["met"] for t in row["targets"]])
    row["loadavg"] = [r.get("loadavg") for r in runs]
    row["baseline"] = baseline
    row["each_run"] = runs
    return row


def render(row: dict[str, Any]) -> str:
    """The row, each town, and the SQLite baseline beside it."""
    if row["state"] == "SKIPPED":
        return f"\n{LABEL}: SKIPPED: {row['why']}"
    out = ["", f"{LABEL}, {row['recipients']:,} recipients a town: {row['state']}"]
    out.append(
        f"  aggregate {fmt(row['aggregate_per_s'], 2)} msg/s (target {TARGET:.1f}); "
        f"in {fmt(row['elapsed_s'])} s; receiver + workers CPU {fmt(row['cluster_cpu_s'])} s"
    )
    for key, town in row["towns"].items():
        out.append(
            f"  {key}: {fmt(town['rate_per_s'], 2)} msg/s, 429s {town['status_429']}, "
            f"the talking resident's reply p95 {fmt(town['reply_p95_ms'], 0)} ms"
        )
    out += report.verdict_lines(row)
    base = row.get("baseline")
    if base:
        out.append(
            f"  beside it, {BASELINE}: {fmt(base['rate_per_s'], 2)} msg/s, 429s "
            f"{base['status_429']}, reply p95 {fmt(base['reply_p95_ms'], 0)} ms: {base['state']}"
        )
        out += [f"  baseline FAILED: {f}" for f in base["failed"]]
    out.append(f"  load average after each run: {'; '.join(map(str, row['loadavg']))}")
    return "\n".join(out)


async def rows(
    client: httpx.AsyncClient, emulator: procs.Emulator, args: Any, work: Path
) -> dict[str, Any]:
    """``args.runs`` runs of the three towns, each followed by one of the SQLite baseline."""
    n = per_town(args.recipients)
    missing = await server_missing()
    if missing:
        print(f"  {LABEL}: SKIPPED ({missing})", flush=True)
        return {"config": "towns", "state": "SKIPPED", "failed": [], "why": missing}
    await client.post("/api/bots", json={"token": broadcast.TOKEN, "first_name": "Minhu"})
    runs, alone = [], []
    try:
        for index in range(args.runs):
            print(f"  {LABEL}: run {index + 1}, {n:,} recipients a town", flush=True)
            runs.append(await run_once(client, emulator, work, n, index))
            r = runs[-1]
            rates = {k: v["rate_per_s"] for k, v in r.get("towns", {}).items()}
            print(f"    aggregate {r.get('aggregate_per_s')}/s, towns {rates}, 429s "
                  f"{ {k: v['status_429'] for k, v in r.get('towns', {}).items()} }, load "
                  f"{r['loadavg']}; {'; '.join(r['failures']) or 'ok'}", flush=True)  # fmt: skip
            print(f"  {BASELINE}: run {index + 1}", flush=True)
            alone.append(await broadcast.run_once(client, emulator, work, n, "on", 100 + index))
            b = alone[-1]
            print(f"    {b.get('rate_per_s')}/s, 429s {b.get('status_429')}; "
                  f"{'; '.join(b['failures']) or 'ok'}", flush=True)  # fmt: skip
    finally:
        await client.patch("/api/config", json={"flood_control": True, **broadcast.TELEGRAM})
    return verdict(runs, broadcast.verdict("on", alone))
