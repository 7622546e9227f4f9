"""`make bench`: Minhu's register + report flow vs a bare python-telegram-bot echo bot.

One emulator (in a background thread) serves both bots. For each configuration, "limits on"
(the emulator's default Telegram flood limits) and "limits off" (PATCH /api/config
{"flood_control": false}: the bots' own capacity), N simulated residents run Minhu's whole
flow concurrently, then N users send the same number of actions to the echo bot.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from bot.emulator import EmulatorConfig, run_emulator_in_thread

from . import procs, report
from .flows import Driver, Step, echo_steps, minhu_steps

MINHU_TOKEN = "7100001:bench-minhu-token"
ECHO_TOKEN = "7100002:bench-echo-token"
CONFIGS = {"limits on": True, "limits off": False}
# Minhu's action kinds, mirrored by the echo users in --echo-mode mixed.
MIXED = ["text", "press", "press", "press", "press", "text", "press"]
MIXED += ["text", "text", "press", "text", "press", "press"]


def bot_id(token: str) -> int:
    """The bot id part of a token."""
    return int(token.split(":", 1)[0])


async def run_phase(
    client: httpx.AsyncClient,
    driver: Driver,
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
    started = time.perf_counter()
    results = await asyncio.gather(*(driver.run(uid, steps[uid], seq) for uid in users))
    wall = time.perf_counter() - started
    await asyncio.sleep(settle)  # let trailing API calls of the bot be counted
    after = await procs.counters(client, driver.bot_id)
    counters = procs.counter_diff(after, before, since)
    row = report.summarise(label[0], label[1], list(results), wall, counters)
    print(
        f"  {label[0]:<10} {label[1]:<5} {row['actions']} actions in {row['wall_s']:.1f} s, "
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
        drivers = {
            "minhu": Driver(client, bot_id(MINHU_TOKEN), args.step_timeout),
            "echo": Driver(client, bot_id(ECHO_TOKEN), args.step_timeout),
        }
        rows: list[dict[str, Any]] = []
        next_user = 1_000_000

        async def phase(config: str, bot: str, flood: bool) -> None:
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
                proc = procs.start_minhu(
                    MINHU_TOKEN, api_base, database, work, rate_limit=bot == "minhu"
                )
            driver = drivers["echo" if bot == "echo" else "minhu"]
            try:
                await procs.wait_polling(client, proc, driver.bot_id)
                settle = 0.3 if bot == "echo" else 1.0
                rows.append(await run_phase(client, driver, (config, bot), users, steps, settle))
            finally:
                code = await proc.stop()
                if code != 0:
                    print(f"{proc.name} exited with {code}:\n{proc.log_tail()}")

        try:
            for config, flood in CONFIGS.items():
                if config not in args.configs:
                    continue
                await client.patch("/api/config", json={"flood_control": flood})
                await phase(config, "minhu", flood)
                if not flood and not args.skip_nolimit:
                    await phase(config, "minhu-nl", flood)
                await phase(config, "echo", flood)
        finally:
            await client.patch("/api/config", json={"flood_control": True})
        totals = {
            name: procs.counter_diff(
                await procs.counters(client, bot_id(token)), totals_before[name], run_started
            )
            for name, token in (("minhu", MINHU_TOKEN), ("echo", ECHO_TOKEN))
        }
    verdicts = [
        report.verdict(rows, config, bot)
        for config in CONFIGS
        for bot in ("minhu", "minhu-nl")
        if any(r["config"] == config and r["bot"] == bot for r in rows)
    ]
    return {
        "machine": report.machine(),
        "residents": n,
        "actions_per_user": per_user,
        "echo_mode": args.echo_mode,
        "rows": rows,
        "verdicts": verdicts,
        "totals": totals,
    }


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--residents", type=int, default=50, help="simulated users per bot")
    parser.add_argument("--step-timeout", type=float, default=20.0, help="seconds per step")
    parser.add_argument(
        "--echo-mode",
        choices=("text", "mixed"),
        default="text",
        help="echo users only send text (default), or mirror Minhu's text/button mix",
    )
    parser.add_argument(
        "--skip-nolimit",
        action="store_true",
        help="skip the extra limits-off run of Minhu without AIORateLimiter (minhu-nl)",
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
    with procs.temp_workdir() as work, run_emulator_in_thread(config) as emu:
        print(f"emulator at {emu.url}; {args.residents} residents per bot", flush=True)
        result = asyncio.run(bench(emu.url, emu.bot_api_base, args, work))
    print()
    print(report.render(result))
    report.write_json(result, args.json)
    print(f"\nwritten to {args.json}")
    failed = any(r["failed_users"] for r in result["rows"])
    minhu_400 = result["totals"]["minhu"]["status"].get("400", 0)
    return 1 if failed or minhu_400 else 0


if __name__ == "__main__":
    raise SystemExit(main())
