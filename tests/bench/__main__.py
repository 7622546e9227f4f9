"""`make bench`: the figures of issue 14, each the median (min–max) of several runs.

Rows (targets in brackets):
- report flow, limits off, flat out: Minhu ÷ echo bot updates/s [≥ 0.8] and bot CPU per
  action [≤ 1.3] (tests/bench/flowbench.py);
- report flow, Telegram's limits, 3 s pauses: Minhu's step-complete p95 [≤ 250 ms];
- broadcast to 10,000 through /broadcast at Telegram's limits, a talking resident in the
  audience: steady rate [≥ 0.97 × 30/s], 429s [0], the resident's reply p95 [≤ 1.5 s];
- outbox capacity, limits off [≥ 1,500 msg/s] (tests/bench/broadcast.py);
- bulletins (tests/bench/bulletins.py, its own targets);
- routing (属地): a located report among 500 grid polygons [≤ 5 ms] (tests/bench/routing.py);
- /board for a dispatcher with 10,000 open cases, first page p95 [≤ 150 ms] (tests/bench/board.py);
- the nearest open service points among 5,000, p95 [≤ 10 ms] (tests/bench/services.py);
- workers (issue 20): the report flow on PostgreSQL with 1, 2, 4 workers behind one receiver,
  beside SQLite with `minhu run`: updates/s and reply p95, no targets (tests/bench/workers.py);
- the command centre's screen: its board JSON with 10,000 open cases p95 [≤ 100 ms], and 200
  live pages while cases change at 10/s: delivery lag p95 [≤ 1 s], server CPU
  (tests/bench/screen.py);
- three towns broadcasting at once on PostgreSQL (3 bots, a receiver, 3 workers), N = 3/10 of
  --recipients a town: aggregate rate [≥ 0.97 × 3 × 30/s], 429s per bot [0], one town alone
  on SQLite beside it (tests/bench/towns_broadcast.py);
- the district bulletin at 10 towns × 1,000,000 complaints on PostgreSQL against the bare SQL
  aggregate [≤ 2×], peak memory, one town on SQLite beside it (tests/bench/district.py;
  --quick: 10 towns × 10,000).
- dialect (issue 20): the report's hot-path statements through our translator + asyncpg, raw
  asyncpg and SQLAlchemy 2 (text() and Core), ours ÷ raw [≤ 1.2] (tests/bench/dialect.py).

Processes: the emulator runs in its own (tests/bench/emulator.py), each bot in its own, the
simulated users in theirs (tests/bench/users.py); this one only orchestrates and samples.
A row prints "met", "not met" (its figures miss a target) or FAILED (a simulated user failed,
a bot crashed or got a 400, a broadcast stalled or a resident did not get exactly one copy).
Exit status: 1 when any row FAILED; 2 with --require-targets when a row is "not met"; else 0.
Results: on stdout and in bench-results/bench.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import sys
from pathlib import Path
from typing import Any

import httpx

from . import board, broadcast, bulletins, flowbench, procs, report, routing, screen, workers
from . import dialect as dialect_row
from . import district as district_row
from . import services as service_circle
from . import towns_broadcast as towns_row

QUICK = {
    "residents": 4,
    "rounds": 1,
    "recipients": 300,
    "strict_recipients": 100,
    "think": 0.5,
    "complaints": [2000],
}


ROWS = ("flows", "broadcast", "bulletins", "routing", "board", "services", "screen", "workers",
        "towns", "district", "dialect")  # fmt: skip
LIVE = {"flows", "broadcast", "workers", "towns"}  # the rows that need the emulator


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--quick", action="store_true", help=f"small sizes for a check of the harness: {QUICK}")
    add("--runs", type=int, default=3, help="runs per row; figures are their median (min–max)")
    add("--residents", type=int, default=50, help="simulated users at once per bot")
    add("--rounds", type=int, default=5, help="flat out: residents per lane, one after another")
    add("--step-timeout", type=float, default=10.0, help="seconds a user waits for a step")
    add("--think", type=float, default=3.0, help="mean pause (s) of the paced row's users")
    add("--limits", type=json.loads, default={}, help="extra emulator limits, JSON, paced row")
    add(
        "--echo-mode",
        choices=("text", "mixed"),
        default="text",
        help="echo users only send text (default), or mirror Minhu's text/button mix",
    )
    add("--configs", nargs="+", choices=("flat", "paced"), default=["flat", "paced"])
    add("--recipients", type=int, default=10_000, help="broadcast size (towns: 3/10 a town)")
    add(
        "--broadcast-limits",
        nargs="+",
        choices=("on", "off", "strict"),
        default=["on", "off"],
        help="Telegram's limits, none (the outbox's capacity), or 8 msg/s the bot is not told of",
    )
    add("--strict-recipients", type=int, default=2000, help="broadcast size against 8 msg/s")
    add(
        "--only",
        nargs="+",
        choices=ROWS,
        default=list(ROWS),
    )
    add("--workers", nargs="+", type=int, default=[1, 2, 4], help="workers row: worker counts")
    add(
        "--workers-limits",
        action="store_true",
        help="workers row: Telegram's limits on (emulator) and the bot's gate on",
    )
    add("--complaints", nargs="+", type=int, default=bulletins.SIZES, help="bulletin sizes")
    add("--regenerate", action="store_true", help="make the bulletin databases again")
    add("--require-targets", action="store_true", help="exit 2 when a row is not met")
    add(
        "--inject-failure",
        choices=("minhu",),
        help="one simulated Minhu user waits for a message that never comes (checks FAILED)",
    )
    add("--json", type=Path, default=procs.ROOT / "bench-results" / "bench.json", help="output")
    args = parser.parse_args(argv)
    if args.quick:
        given = {a.lstrip("-").split("=")[0].replace("-", "_") for a in argv if a.startswith("--")}
        for key, value in QUICK.items():
            if key not in given:
                setattr(args, key, value)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


async def _live(args: argparse.Namespace, emulator: procs.Emulator, work: Path) -> dict:
    """The rows that need the emulator and the bots."""
    out: dict[str, Any] = {"flows": [], "broadcast": [], "workers": []}
    async with httpx.AsyncClient(base_url=emulator.url, timeout=60) as client:
        if "flows" in args.only:
            print(f"report flow: {args.residents} residents per bot, {args.runs} runs", flush=True)
            out["flows"] = await flowbench.rows(client, emulator, args, work)
        if "broadcast" in args.only:
            print(f"broadcast: {args.runs} runs per row", flush=True)
            out["broadcast"] = await broadcast.rows(client, emulator, args, work)
        if "workers" in args.only:
            print(f"workers: {args.residents} × {args.rounds} residents, {args.runs} runs")
            out["workers"] = await workers.rows(client, emulator, args, work)
        if "towns" in args.only:
            n = towns_row.per_town(args.recipients)
            print(f"towns: 3 towns × {n:,} recipients at once, {args.runs} runs", flush=True)
            out["towns"] = await towns_row.rows(client, emulator, args, work)
    return out


def _bulletins(args: argparse.Namespace) -> dict[str, Any]:
    try:
        result = bulletins.run(args.complaints, regenerate=args.regenerate)
    except Exception as exc:  # a crashed measurement is a FAILED row, reported, not raised
        return {"state": "FAILED", "failed": [f"{type(exc).__name__}: {exc}"]}
    verdict = result.get("verdict", {})
    met = [v for k, v in verdict.items() if k.endswith("_met")]
    result["state"] = report.state([], met)
    return result


def _routing() -> dict[str, Any]:
    try:
        result = routing.run()
    except Exception as exc:  # a crashed measurement is a FAILED row, reported, not raised
        return {"state": "FAILED", "failed": [f"{type(exc).__name__}: {exc}"]}
    result["state"] = report.state([], [result["verdict"]["located_met"]])
    return result


def _board() -> dict[str, Any]:
    try:
        result = board.run()
    except Exception as exc:  # a crashed measurement is a FAILED row, reported, not raised
        return {"state": "FAILED", "failed": [f"{type(exc).__name__}: {exc}"]}
    result["state"] = report.state([], [result["verdict"]["first_page_met"]])
    return result


def _services() -> dict[str, Any]:
    try:
        result = service_circle.run()
    except Exception as exc:  # a crashed measurement is a FAILED row, reported, not raised
        return {"state": "FAILED", "failed": [f"{type(exc).__name__}: {exc}"]}
    result["state"] = report.state([], [result["verdict"]["nearest_met"]])
    return result


def _screen(args: argparse.Namespace) -> dict[str, Any]:
    try:
        options = screen.options(["--runs", str(args.runs)])
        if args.quick:
            options = screen.options(["--runs", "1", "--cases", "2000", "--pages", "40",
                                      "--seconds", "6", "--repeats", "20"])  # fmt: skip
        result = screen.run(options)
    except Exception as exc:  # a crashed measurement is a FAILED row, reported, not raised
        return {"state": "FAILED", "failed": [f"{type(exc).__name__}: {exc}"]}
    result["state"] = report.state(result["failed"], list(result["verdict"].values()))
    return result


def _district(args: argparse.Namespace) -> dict[str, Any]:
    per_town = 10_000 if args.quick else 1_000_000
    try:
        result = district_row.run(10, per_town, args.runs)
    except Exception as exc:  # a crashed measurement is a FAILED row, reported, not raised
        return {"state": "FAILED", "failed": [f"{type(exc).__name__}: {exc}"]}
    if result.get("state") != "SKIPPED":
        result["state"] = report.state([], [result["verdict"]["ratio_met"]])
    return result


def summary(result: dict[str, Any]) -> list[tuple[str, str]]:
    """(row, state) for every row of the run."""
    think = result["setup"]["think_s"]
    rows = [(report.label(r["config"], think), r["state"]) for r in result["flows"]]
    rows += [(broadcast.LABELS[r["config"]], r["state"]) for r in result["broadcast"]]
    rows += [(workers.label(r["config"]), r["state"]) for r in result.get("workers", [])]
    if result.get("towns"):
        t = result["towns"]
        state = f"SKIPPED: {t['why']}" if t["state"] == "SKIPPED" else t["state"]
        rows.append(("three towns broadcasting at once (PostgreSQL)", state))
        if t.get("baseline"):
            rows.append(("… one town alone on SQLite (baseline)", t["baseline"]["state"]))
    if "bulletins" in result:
        rows.append(("bulletins", result["bulletins"]["state"]))
    if "routing" in result:
        rows.append(("routing a located report among 500 grids", result["routing"]["state"]))
    if "board" in result:
        rows.append(("/board first page with 10,000 open cases", result["board"]["state"]))
    if "services" in result:
        rows.append(("nearest service among 5,000 points", result["services"]["state"]))
    if "screen" in result:
        rows.append(("the screen: board JSON, 200 live pages", result["screen"]["state"]))
    if "district" in result:
        d = result["district"]
        state = f"SKIPPED: {d['why']}" if d["state"] == "SKIPPED" else d["state"]
        rows.append(("district bulletin, 10 towns, vs bare SQL", state))
    if "dialect" in result:
        rows.append(dialect_row.summary(result["dialect"]))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Start the emulator, run the rows, print and save the results; the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    command = shlex.join(["python", "-m", "tests.bench", *argv])
    result: dict[str, Any] = {"command": command, "machine": report.machine()}
    m = result["machine"]
    print(f"{command}\nmachine: {m['cpu_model']}, nproc {m['nproc']}, Python {m['python']}, "
          f"load average {m['loadavg']}", flush=True)  # fmt: skip
    result |= {"flows": [], "broadcast": [], "workers": []}
    if LIVE & set(args.only):
        with procs.temp_workdir() as work:
            emulator = procs.Emulator(work)
            print(f"emulator (pid {emulator.pid}) at {emulator.url}", flush=True)
            try:
                result |= asyncio.run(_live(args, emulator, work))
            finally:
                asyncio.run(emulator.stop())
    if "bulletins" in args.only:
        result["bulletins"] = _bulletins(args)
    if "routing" in args.only:
        result["routing"] = _routing()
    if "board" in args.only:
        result["board"] = _board()
    if "services" in args.only:
        result["services"] = _services()
    if "screen" in args.only:
        result["screen"] = _screen(args)
    if "district" in args.only:
        result["district"] = _district(args)
    if "dialect" in args.only:
        result["dialect"] = dialect_row.bench(args.quick, args.runs)
    setup = {"residents": args.residents, "runs": args.runs, "echo_mode": args.echo_mode}
    setup |= {"think_s": args.think, "actions_per_user": len(flowbench.minhu_steps(0))}
    setup |= {"rounds": args.rounds, "limits": args.workers_limits}
    result["setup"] = setup
    print()
    if result["flows"]:
        print(report.render(result["flows"], setup))
    if result["broadcast"]:
        print(broadcast.render(result["broadcast"]))
    if result["workers"]:
        print(workers.render(result["workers"], setup))
    if result.get("towns"):
        print(towns_row.render(result["towns"]))
    if "bulletins" in result:
        b = result["bulletins"]
        print(bulletins.render(b) if "rows" in b else "\nbulletins: FAILED")
        print(f"bulletins: {b['state']}" + "".join(f"\n  FAILED: {f}" for f in b.get("failed", [])))
    if "routing" in result:
        r = result["routing"]
        print(routing.render(r) if "verdict" in r else "\nrouting: FAILED")
        print(f"routing: {r['state']}" + "".join(f"\n  FAILED: {f}" for f in r.get("failed", [])))
    if "board" in result:
        d = result["board"]
        print(board.render(d) if "verdict" in d else "\nboard: FAILED")
        print(f"board: {d['state']}" + "".join(f"\n  FAILED: {f}" for f in d.get("failed", [])))
    if "services" in result:
        v = result["services"]
        print(service_circle.render(v) if "verdict" in v else "\nservices: FAILED")
        print(f"services: {v['state']}" + "".join(f"\n  FAILED: {f}" for f in v.get("failed", [])))
    if "screen" in result:
        v = result["screen"]
        print(screen.render(v) if "verdict" in v else "\nscreen: FAILED")
        print(f"screen: {v['state']}" + "".join(f"\n  FAILED: {f}" for f in v.get("failed", [])))
    if "district" in result:
        v = result["district"]
        print(district_row.render(v) if "towns" in v else "\ndistrict: FAILED")
        print(f"district: {v['state']}" + "".join(f"\n  FAILED: {f}" for f in v.get("failed", [])))
    if "dialect" in result:
        print(dialect_row.printed(result["dialect"]))
    rows = summary(result)
    print(f"\nSummary ({args.runs} runs per row, median (min–max)):")
    if args.runs < 3 or args.quick:
        print("  (a check of the harness: figures need the default sizes and >= 3 runs)")
    for label, state in rows:
        print(f"  {label:<52} {state}")
    result["summary"] = dict(rows)
    report.write_json(result, args.json)
    print(f"\nwritten to {args.json}")
    states = {state for _, state in rows}
    if "FAILED" in states:
        return 1
    return 2 if args.require_targets and "not met" in states else 0


if __name__ == "__main__":
    raise SystemExit(main())
