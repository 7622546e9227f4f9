"""The report-flow rows: Minhu's register + report flow against a bare echo bot.

Each run of a row: the emulator is reset (its users, chats and counters) and configured; Minhu
gets a fresh database (`minhu seed-demo` into a new file); the bot is started in its own
process and, once it polls, the simulated users run in theirs (tests/bench/users.py): flat
out, `--residents` at once, each lane taking a new resident when one is done, `--rounds` of
them (5 × 50 = 250 residents, 3,250 actions: a run of several seconds, not one); paced, each
resident once. Then the
echo bot does the same number of actions with as many users (its first on odd runs, so
neither bot always runs first). Every figure is then the median (min–max) of the runs.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

import httpx

from . import procs, report
from .flows import minhu_steps

MINHU_TOKEN = "7100001:bench-minhu-token"
ECHO_TOKEN = "7100002:bench-echo-token"
FIRST_USER = 1_000_000
USERS_PER_RUN = 100_000


def bot_id(token: str) -> int:
    """The bot id part of a token."""
    return int(token.split(":", 1)[0])


class FlowBench:
    """The report-flow runs against one emulator process."""

    def __init__(
        self, client: httpx.AsyncClient, emulator: procs.Emulator, args: argparse.Namespace
    ) -> None:
        self.client = client
        self.emulator = emulator
        self.args = args
        self.next_user = FIRST_USER
        self.failure_injected = args.inject_failure is None

    async def setup(self) -> None:
        """Declare both bots to the emulator."""
        for token, name in ((MINHU_TOKEN, "Minhu"), (ECHO_TOKEN, "Echo")):
            resp = await self.client.post("/api/bots", json={"token": token, "first_name": name})
            resp.raise_for_status()

    async def configure(self, flood: bool) -> None:
        """Reset the emulator and set its limits (Telegram's, or none)."""
        (await self.client.post("/api/reset")).raise_for_status()
        changes = {"flood_control": flood, **(self.args.limits if flood else {})}
        resp = await self.client.patch("/api/config", json=changes)
        if resp.status_code != 200:
            raise SystemExit(f"emulator refused {changes}: {resp.text}")

    async def run(self, config: str, index: int, bot: str, work: Path) -> dict[str, Any]:
        """One run of one bot; its figures, or {"error": …} when it could not run."""
        args = self.args
        flood, think = config == "paced", args.think if config == "paced" else 0.0
        await self.configure(flood)
        token = MINHU_TOKEN if bot == "minhu" else ECHO_TOKEN
        first, self.next_user = self.next_user, self.next_user + USERS_PER_RUN
        if bot == "minhu":
            database = work / f"flow-{config}-{index}.db"
            await asyncio.to_thread(procs.seed_demo, token, self.emulator.api_base, database, work)
            proc = procs.start_minhu(
                token, self.emulator.api_base, database, work, rate_limit=flood
            )
        else:
            proc = procs.start_echo(
                token,
                self.emulator.api_base,
                work,
                rate_limit=flood,
                buttons=args.echo_mode == "mixed",
            )
        argv = ["flow", "--url", self.emulator.url, "--bot", str(bot_id(token))]
        rounds = args.rounds if config == "flat" else 1
        argv += ["--first", str(first), "--count", str(args.residents), "--kind", bot]
        argv += ["--rounds", str(rounds)]
        argv += ["--echo-mode", args.echo_mode, "--think", str(think)]
        argv += ["--step-timeout", str(args.step_timeout), "--bot-pid", str(proc.pid)]
        argv += ["--emulator-pid", str(self.emulator.pid)]
        if not self.failure_injected:
            argv += ["--fail-user", str(first)]
            self.failure_injected = True
        steps = len(minhu_steps(0)) + 1
        timeout = rounds * steps * (args.step_timeout + 1.5 * think) + 120
        try:
            await procs.wait_polling(self.client, proc, bot_id(token))
            polling = await procs.counters(self.client, bot_id(token))
            users = await procs.users(argv, timeout)
            counted = await procs.counters(self.client, bot_id(token))
            figures = report.run_figures(users, procs.counter_diff(counted, {}, 0))
            calls = procs.counter_diff(counted, polling, 0)["methods"]
            figures["api_calls_per_action"] = report.per_action(calls, figures["actions"])
            figures["api_calls"] = dict(sorted(calls.items()))
        except RuntimeError as exc:
            figures = {"error": str(exc).splitlines()[0]}
        finally:
            code = await proc.stop()
        figures["bot_log_errors"] = proc.log_errors()
        if code not in (0, -2) and "error" not in figures:
            figures["error"] = f"{proc.name} exited with {code}: {proc.log_tail(3)}"
        return figures


def _line(config: str, index: int, bot: str, f: dict[str, Any]) -> str:
    if "error" in f:
        return f"  {config} run {index + 1} {bot:<6} FAILED: {f['error']}"
    cpu = f["bot_cpu_ms_per_action"]
    return (
        f"  {config} run {index + 1} {bot:<6} {f['actions']} actions, {f['updates_per_s']}/s, "
        f"first p95 {f['first_p95_ms']:.0f} ms, step p95 {f['step_p95_ms']:.0f} ms, "
        f"cpu {cpu} ms/action, {len(f['failures'])} failed users"
    )


async def rows(
    client: httpx.AsyncClient, emulator: procs.Emulator, args: argparse.Namespace, work: Path
) -> list[dict[str, Any]]:
    """Every configuration asked for, ``args.runs`` times each; one verdict row per config."""
    bench = FlowBench(client, emulator, args)
    await bench.setup()
    out = []
    try:
        for config in args.configs:
            runs: dict[str, list[dict[str, Any]]] = {"minhu": [], "echo": []}
            for index in range(args.runs):
                order = ("minhu", "echo") if index % 2 == 0 else ("echo", "minhu")
                for bot in order:
                    figures = await bench.run(config, index, bot, work)
                    print(_line(config, index, bot, figures), flush=True)
                    runs[bot].append(figures)
            out.append(report.verdict(config, runs["minhu"], runs["echo"]))
    finally:
        await client.patch("/api/config", json={"flood_control": True})
    return out
