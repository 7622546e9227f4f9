"""The simulated people of the towns-broadcast row, in a process of their own:
``python -m tests.bench.towns_load --url URL --town BOT:ADMIN:PROBE … --text T``.

Each town's admin goes through /broadcast to the preview (everyone, the words, ordinary); once
every admin has it, all press confirm at the same moment. Then each town's talking resident
(in the audience) sends /help every 2 s and waits for each answer until their town's admin's
progress message says it is done (tests/bench/users.py's probe). Prints one JSON document on
stdout (the last line): per town the admin's steps and the resident's reply times.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from dataclasses import asdict
from typing import Any

from .client import HttpError, LeanClient
from .flows import Driver, StepError, UserResult, admin_broadcast_steps
from .users import _probe


async def _to_preview(driver: Driver, admin: int, text: str) -> tuple[UserResult, list, int]:
    """The admin's steps up to the preview: their result, the last messages and seq."""
    result = UserResult(admin)
    last: list[dict[str, Any]] = []
    seq = await driver.seq()
    for step in admin_broadcast_steps(text)[:-1]:
        last, seq, first, complete = await driver.step(admin, step, last, seq)
        result.actions += 1
        result.latencies.append(first)
        result.completions.append(complete)
    return result, last, seq


async def towns(client: LeanClient, args: argparse.Namespace) -> dict[str, Any]:
    """Every town's admin to the preview; all confirm at once; the probes until done."""
    people = [tuple(int(x) for x in spec.split(":")) for spec in args.town]
    drivers = [Driver(client, bot, 30.0) for bot, _, _ in people]
    for (_, admin, _), driver in zip(people, drivers, strict=True):
        await driver.create_user(admin, "镇办")  # the talking residents were made with a chat
    out: dict[str, Any] = {}
    try:
        ready = await asyncio.gather(
            *(_to_preview(d, p[1], args.text) for p, d in zip(people, drivers, strict=True))
        )
    except (StepError, HttpError) as exc:
        return {"error": f"an admin before the preview: {exc}"}
    confirm = admin_broadcast_steps(args.text)[-1]
    out["confirmed_at"] = time.time()  # every admin presses confirm now, together
    pressed = await asyncio.gather(
        *(d.step(p[1], confirm, last, seq)
          for d, (_, last, seq), p in zip(drivers, ready, people, strict=True)),
        return_exceptions=True,
    )  # fmt: skip
    for p, (result, _, _), done in zip(people, ready, pressed, strict=True):
        if isinstance(done, BaseException):
            result.error = f"confirm: {done}"
        else:
            result.actions += 1
            result.latencies.append(done[2])
            result.completions.append(done[3])
        out[str(p[0])] = {"admin": asdict(result)}
    probes = []
    for bot, admin, probe in people:
        if out[str(bot)]["admin"]["error"]:
            continue
        town = argparse.Namespace(probe=probe, bot=bot, first=admin, step_timeout=args.limit)
        probes.append((bot, _probe(client, Driver(client, bot, 30.0), town)))
    answers = await asyncio.gather(*(p for _, p in probes), return_exceptions=True)
    for (bot, _), answer in zip(probes, answers, strict=True):
        if isinstance(answer, BaseException):
            answer = {"latencies": [], "failures": [f"probe: {answer}"], "done": False}
        out[str(bot)]["probe"] = answer
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.towns_load", description=__doc__)
    parser.add_argument("--url", required=True, help="the emulator")
    parser.add_argument("--town", action="append", required=True, help="BOT:ADMIN:PROBE ids")
    parser.add_argument("--text", required=True, help="the announcement")
    parser.add_argument("--limit", type=float, default=300.0, help="s the probes go on at most")
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Run the towns' people."""
    client = LeanClient(args.url, 40, 60.0)
    try:
        return await towns(client, args)
    finally:
        client.close()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        print(json.dumps(asyncio.run(main(parse_args())), ensure_ascii=False), flush=True)
