"""The simulated users, in a process of their own: ``python -m tests.bench.users MODE …``.

``flow``: N residents at once (``--count``; consecutive ids from ``--first``) run Minhu's
register + report flow, or the same number of actions against the echo bot; with
``--rounds R`` each of the N lanes takes a new resident when its last one is done, R × N in
all, so a flat-out run lasts long enough to measure. The bot's CPU time
(/proc/<pid>/stat) is read just before the first action and after the last one has had
``--settle`` seconds to finish its trailing API calls; so is the emulator's, and this
process's own, to show whether the harness kept up.

``broadcast``: an admin sends an announcement to everyone through /broadcast as they would
(audience, words, ordinary, confirm), then a resident of the audience keeps sending /help
every 2 s and waits for each answer, until the admin's progress message says it is done.

Either prints one JSON document on stdout (the last line) and exits 0; failed users are in the
document, not in the exit status.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from dataclasses import asdict
from typing import Any

from .client import LeanClient
from .flows import (
    Driver,
    Step,
    StepError,
    UserResult,
    admin_broadcast_steps,
    echo_steps,
    minhu_steps,
    text_has,
)
from .procs import cpu_seconds

DONE = text_has("已发完")  # the admin's progress message, edited when the last one went out
# Minhu's action kinds, mirrored by the echo users in --echo-mode mixed.
MIXED = ["text", "press", "press", "press", "press", "text", "press"]
MIXED += ["text", "text", "press", "text", "press", "press"]


def _delta(end: float | None, start: float | None) -> float | None:
    return None if end is None or start is None else round(end - start, 3)


def _steps(args: argparse.Namespace, uid: int) -> list[Step]:
    if args.kind == "minhu":
        steps = minhu_steps(uid)
    else:
        steps = echo_steps(uid, len(minhu_steps(uid)), MIXED if args.echo_mode == "mixed" else None)
    if uid == args.fail_user:  # the harness's own check: this user waits for the impossible
        steps[-1] = Step(steps[-1].kind, steps[-1].arg, text_has("no bot ever says this"))
    return steps


async def flow(client: LeanClient, args: argparse.Namespace) -> dict[str, Any]:
    """Run the residents concurrently; the run's raw figures."""
    users = list(range(args.first, args.first + args.count * args.rounds))
    driver = Driver(client, args.bot, args.step_timeout, args.think)
    await asyncio.gather(*(driver.create_user(uid, f"居民{i}") for i, uid in enumerate(users)))
    steps = {uid: _steps(args, uid) for uid in users}
    waiting = iter(users)  # shared by the lanes: each takes the next resident when free

    async def lane() -> list[UserResult]:
        done = []
        for uid in waiting:
            done.append(await driver.run(uid, steps[uid], await driver.seq()))
        return done

    bot0, emu0, own0 = (
        cpu_seconds(args.bot_pid),
        cpu_seconds(args.emulator_pid),
        time.process_time(),
    )
    driver.t0 = started = time.perf_counter()
    lanes = await asyncio.gather(*(lane() for _ in range(args.count)))
    results = sorted((r for done in lanes for r in done), key=lambda r: r.user_id)
    wall = time.perf_counter() - started
    emu1, own1 = cpu_seconds(args.emulator_pid), time.process_time()
    await asyncio.sleep(args.settle)
    bot1 = cpu_seconds(args.bot_pid)
    return {
        "users": [asdict(r) for r in results],
        "wall_s": round(wall, 3),
        "bot_cpu_s": _delta(bot1, bot0),
        "emulator_cpu_s": _delta(emu1, emu0),
        "users_cpu_s": round(own1 - own0, 3),
    }


async def _probe(client: LeanClient, driver: Driver, args: argparse.Namespace) -> dict:
    """The talking resident: /help every 2 s until the admin's chat shows the broadcast done."""
    latencies: list[float] = []
    failures: list[str] = []
    admin_seq = 0  # the progress message as it is now, then its edits
    deadline = time.perf_counter() + args.step_timeout
    while time.perf_counter() < deadline:
        seq = await driver.seq()
        started = time.perf_counter()
        await client.post(
            f"/api/users/{args.probe}/messages", json={"bot": args.bot, "text": "/help"}
        )
        msgs, _ = await driver.changed(args.probe, seq, 10.0)
        if msgs:
            latencies.append(time.perf_counter() - started)
        else:
            failures.append("no answer to /help in 10 s")
        done, admin_seq = await driver.changed(args.first, admin_seq, 0)
        if DONE(done):
            return {"latencies": latencies, "failures": failures, "done": True}
        await asyncio.sleep(max(0.0, 2.0 - (time.perf_counter() - started)))
    return {"latencies": latencies, "failures": failures, "done": False}


async def broadcast(client: LeanClient, args: argparse.Namespace) -> dict[str, Any]:
    """The admin's /broadcast, then the probe until the progress message says done."""
    driver = Driver(client, args.bot, 30.0)
    admin = await driver.run(args.first, admin_broadcast_steps(args.text), await driver.seq())
    out: dict[str, Any] = {"admin": asdict(admin), "sent_at": time.time()}
    if admin.error or args.probe is None:
        return out | {"probe": {"latencies": [], "failures": [], "done": False}}
    with contextlib.suppress(StepError):
        out["probe"] = await _probe(client, driver, args)
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.users", description=__doc__)
    parser.add_argument("mode", choices=("flow", "broadcast"))
    parser.add_argument("--url", required=True, help="the emulator")
    parser.add_argument("--bot", type=int, required=True, help="the bot's id")
    parser.add_argument("--first", type=int, required=True, help="first user id (the admin)")
    parser.add_argument("--count", type=int, default=1, help="flow: residents at once")
    parser.add_argument(
        "--rounds", type=int, default=1, help="flow: each of the --count lanes runs this many"
    )
    parser.add_argument("--kind", choices=("minhu", "echo"), default="minhu")
    parser.add_argument("--echo-mode", choices=("text", "mixed"), default="text")
    parser.add_argument("--think", type=float, default=0.0)
    parser.add_argument("--step-timeout", type=float, default=10.0)
    parser.add_argument("--settle", type=float, default=1.0)
    parser.add_argument("--bot-pid", type=int)
    parser.add_argument("--emulator-pid", type=int)
    parser.add_argument("--fail-user", type=int, help="this user's last step can never end")
    parser.add_argument("--probe", type=int, help="broadcast: the talking resident")
    parser.add_argument("--text", default="", help="broadcast: the announcement")
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Run the mode."""
    pool = 4 * args.count + 20  # every user keeps its connections: no reconnecting mid-run
    client = LeanClient(args.url, pool, args.step_timeout + 30)
    try:
        return await (flow if args.mode == "flow" else broadcast)(client, args)
    finally:
        client.close()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(parse_args())), ensure_ascii=False), flush=True)
