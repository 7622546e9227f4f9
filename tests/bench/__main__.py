"""`make bench`: Minhu's register + report flow vs a bare python-telegram-bot echo bot.

One emulator (in a background thread) serves both bots. Three configurations; in each, N
simulated residents run Minhu's whole register + report flow concurrently, then N users send
the same number of actions to the echo bot:
- "limits on, paced": Telegram's flood limits in the emulator and in both bots (Minhu's flood
  gate, PTB's AIORateLimiter for echo); users read each reply before acting (--think).
- "limits off, flat out": no limits anywhere (MINHU_RATE_LIMIT=off), users never pause: the
  bots' capacity, for the updates/s ratio.
- "limits off, paced": no limits, human pacing: the reply latency a resident feels.
Each bot process lives for one phase.
Also the broadcast run (tests/bench/broadcast.py) and the bulletin run (tests/bench/bulletins.py:
ranking plus rendering vs the bare SQL aggregate at 10k, 100k and 1M synthetic complaints).
Results: a table on stdout and bench-results/bench.json. Exit status 1 when a user failed,
Minhu got a 400, or a broadcast row missed a target (it prints FAILED).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx

from bot.emulator import EmulatorConfig, run_emulator_in_thread

from . import broadcast, bulletins, procs, report
from .flows import Driver, Step, echo_steps, minhu_steps

MINHU_TOKEN = "7100001:bench-minhu-token"
ECHO_TOKEN = "7100002:bench-echo-token"
# name: (flood limits on, users pause between actions)
CONFIGS = {
    "limits on, paced": (True, True),
    "limits off, flat out": (False, False),
    "limits off, paced": (False, True),
}
# Minhu's action kinds, mirrored by the echo users in --echo-mode mixed.
MIXED = ["text", "press", "press", "press", "press", "text", "press"]
MIXED += ["text", "text", "press", "text", "press", "press"]


def bot_id(token: str) -> int:
    """The bot id part of a token."""
    return int(token.split(":", 1)[0])


async def run_phase(
    client: httpx.AsyncClient,
    driver: Driver,
    proc: procs.BotProcess,
    label: tuple[str, str],
    users: list[int],
    steps: dict[int, list[Step]],
    settle: float,
) -> dict[str, Any]:
    """Create ``users``, run their steps concurrently, and summarise one table row."""
    await asyncio.gather(*(driver.create_user(uid, f"居民{uid % 1000}") for uid in users))
    seq = await driver.seq()
    before = await procs.counters(client, driver.bot_id)
    since = time.time()
    bot_cpu, own_cpu = proc.cpu_seconds(), time.process_time()
    started = time.perf_counter()
    results = await asyncio.gather(*(driver.run(uid, steps[uid], seq) for uid in users))
    wall = time.perf_counter() - started
    bot_cpu_end, own_cpu_end = proc.cpu_seconds(), time.process_time()
    await asyncio.sleep(settle)  # let trailing API calls of the bot be counted
    after = await procs.counters(client, driver.bot_id)
    counters = procs.counter_diff(after, before, since)
    row = report.summarise(label, list(results), started, wall, counters)
    if bot_cpu is not None and bot_cpu_end is not None:
        row["bot_cpu_s"] = round(bot_cpu_end - bot_cpu, 2)
    row["harness_cpu_s"] = round(own_cpu_end - own_cpu, 2)
    print(
        f"  {label[0]:<10} {label[1]:<8} {row['actions']} actions in {row['busy_s']:.1f} s, "
        f"{row['updates_per_s']:.1f}/s, p95 {row['p95_ms']:.0f} ms, "
        f"{row['failed_users']} failed users",
        flush=True,
    )
    return row


async def bench(url: str, api_base: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Run all phases against the emulator at ``url``; return the result document."""
    n = args.residents
    limits = httpx.Limits(max_connections=4 * n + 20, max_keepalive_connections=4 * n + 20)
    timeout = httpx.Timeout(args.step_timeout + 30)
    per_user = len(minhu_steps(0))
    pattern = MIXED if args.echo_mode == "mixed" else None
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client:
        for token, name in ((MINHU_TOKEN, "Minhu"), (ECHO_TOKEN, "Echo")):
            await client.post("/api/bots", json={"token": token, "first_name": name})
        totals_before = {
            "minhu": await procs.counters(client, bot_id(MINHU_TOKEN)),
            "echo": await procs.counters(client, bot_id(ECHO_TOKEN)),
        }
        run_started = time.time()
        database = work / "minhu.db"
        await asyncio.to_thread(procs.seed_demo, MINHU_TOKEN, api_base, database, work)
        rows: list[dict[str, Any]] = []
        next_user = 1_000_000

        async def phase(config: str, bot: str, flood: bool, think: float) -> None:
            nonlocal next_user
            users = list(range(next_user, next_user + n))
            next_user += 100_000
            if bot == "echo":
                steps = {uid: echo_steps(uid, per_user, pattern) for uid in users}
                buttons = args.echo_mode == "mixed"
                proc = procs.start_echo(
                    ECHO_TOKEN, api_base, work, rate_limit=flood, buttons=buttons
                )
            else:
                steps = {uid: minhu_steps(uid) for uid in users}
                proc = procs.start_minhu(MINHU_TOKEN, api_base, database, work, rate_limit=flood)
            token = ECHO_TOKEN if bot == "echo" else MINHU_TOKEN
            driver = Driver(client, bot_id(token), args.step_timeout, think)
            try:
                await procs.wait_polling(client, proc, driver.bot_id)
                settle = 0.3 if bot == "echo" else 1.0
                rows.append(
                    await run_phase(client, driver, proc, (config, bot), users, steps, settle)
                )
            finally:
                code = await proc.stop()
                if rows and rows[-1]["bot"] == bot and rows[-1]["config"] == config:
                    rows[-1]["bot_log_errors"] = proc.log_errors()
                if code != 0:
                    print(f"{proc.name} exited with {code}:\n{proc.log_tail()}")

        try:
            for config, (flood, paced) in CONFIGS.items():
                if config not in args.configs:
                    continue
                changes = {"flood_control": flood, **(args.limits if flood else {})}
                resp = await client.patch("/api/config", json=changes)
                if resp.status_code != 200:
                    raise SystemExit(f"emulator refused {changes}: {resp.text}")
                think = args.think if paced else 0.0
                await phase(config, "minhu", flood, think)
                await phase(config, "echo", flood, think)
        finally:
            await client.patch("/api/config", json={"flood_control": True})
        totals = {
            name: procs.counter_diff(
                await procs.counters(client, bot_id(token)), totals_before[name], run_started
            )
            for name, token in (("minhu", MINHU_TOKEN), ("echo", ECHO_TOKEN))
        }
    verdicts = [
        report.verdict(rows, config)
        for config in CONFIGS
        if any(r["config"] == config for r in rows)
    ]
    return {
        "machine": report.machine(),
        "residents": n,
        "actions_per_user": per_user,
        "echo_mode": args.echo_mode,
        "think_s": args.think,
        "limits": args.limits,
        "rows": rows,
        "verdicts": verdicts,
        "totals": totals,
    }


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--residents", type=int, default=50, help="simulated users per bot")
    parser.add_argument("--step-timeout", type=float, default=10.0, help="seconds per step")
    parser.add_argument(
        "--limits",
        type=json.loads,
        default={},
        help='emulator limits for "limits on", as JSON, e.g. \'{"private_burst": 40}\'',
    )
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds a paced user reads a reply before the next action",
    )
    parser.add_argument(
        "--echo-mode",
        choices=("text", "mixed"),
        default="text",
        help="echo users only send text (default), or mirror Minhu's text/button mix",
    )
    parser.add_argument("--recipients", type=int, default=10_000, help="broadcast size")
    parser.add_argument(
        "--broadcast-limits",
        nargs="+",
        choices=("on", "off", "strict"),
        default=["on", "off", "strict"],
        help="Telegram's limits, none, or a stricter server (8 msg/s) the bot is not told of",
    )
    parser.add_argument(
        "--strict-recipients", type=int, default=2000, help="broadcast size against 8 msg/s"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=("flows", "broadcast", "bulletins"),
        default=["flows", "broadcast", "bulletins"],
    )
    parser.add_argument(
        "--complaints",
        nargs="+",
        type=int,
        default=bulletins.SIZES,
        help="bulletin bench sizes (synthetic complaints)",
    )
    parser.add_argument(
        "--regenerate",
        action="store_true",
        help="make the bulletin bench databases again instead of reusing bench-results/work",
    )
    parser.add_argument(
        "--configs", nargs="+", choices=list(CONFIGS), default=list(CONFIGS), metavar="CONFIG"
    )
    parser.add_argument(
        "--json", type=Path, default=procs.ROOT / "bench-results" / "bench.json", help="output"
    )
    return parser.parse_args()


def main() -> int:
    """Start the emulator, run the benchmark, print and save the results."""
    args = parse_args()
    config = EmulatorConfig(host="127.0.0.1", port=0, flood_control=True)
    result: dict[str, Any] = {"machine": report.machine(), "rows": [], "broadcast": []}
    if {"flows", "broadcast"} & set(args.only):
        with procs.temp_workdir() as work, run_emulator_in_thread(config) as emu:
            print(f"emulator at {emu.url}", flush=True)
            if "flows" in args.only:
                print(f"report flow: {args.residents} residents per bot", flush=True)
                result |= asyncio.run(bench(emu.url, emu.bot_api_base, args, work))
            if "broadcast" in args.only:
                result["broadcast"] = asyncio.run(broadcasts(emu.url, emu.bot_api_base, args, work))
    if "bulletins" in args.only:
        result["bulletins"] = bulletins.run(args.complaints, regenerate=args.regenerate)
    print()
    if result["rows"]:
        print(report.render(result))
    if result["broadcast"]:
        print(broadcast.render(result["broadcast"]))
    if "bulletins" in result:
        print(bulletins.render(result["bulletins"]))
    report.write_json(result, args.json)
    print(f"\nwritten to {args.json}")
    failed = any(r["failed_users"] for r in result["rows"] if r["bot"] == "minhu")
    minhu_400 = result.get("totals", {}).get("minhu", {}).get("status", {}).get("400", 0)
    minhu_400 += sum(r["status_400"] for r in result["broadcast"])
    missed = any(r["missed"] for r in result["broadcast"])
    return 1 if failed or minhu_400 or missed else 0


async def broadcasts(
    url: str, api_base: str, args: argparse.Namespace, work: Path
) -> list[dict[str, Any]]:
    """The broadcast runs: with Telegram's limits, then without any."""
    rows = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for mode in args.broadcast_limits:
            size = args.strict_recipients if mode == "strict" else args.recipients
            print(f"broadcast to {size} ({broadcast.LABELS[mode]})", flush=True)
            rows.append(await broadcast.run(client, api_base, work, size, mode))
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
