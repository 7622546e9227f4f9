"""The "workers" rows of `make bench` (issue 20): the report flow of tests/bench/flowbench.py
(same simulated users, same driver) on PostgreSQL with 1, 2 and 4 `minhu worker` processes
behind one `minhu receive`, beside the same flow on SQLite with `minhu run` (one process),
flat out, Telegram's limits off (the bot's own gate off too): what the deployment handles.
With `--workers-limits` every row runs with the limits on instead (the emulator's flood
control and the bot's gate, shared by the workers through the database): its config is
"<n>:limits", its label says "limits on".

Every run gets a fresh database: a SQLite file, or a PostgreSQL database created on the server
of MINHU_TEST_POSTGRES_URL (default the local socket) and dropped after the run; both get
`minhu seed-demo`. With no server the PostgreSQL rows print SKIPPED with the reason.

A row is FAILED when, in any run, a simulated user got no complete reply in time (lost), a
reply came twice (a chat's bot messages with the same text twice in a row), the emulator
answered any 400 or 429, an update was left unhandled or handled twice, a report was filed
other than once, or a process could not start or did not stop cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.support.databases import admin, server_missing, url_of

from . import procs, report
from .flows import minhu_steps
from .stats import fmt, spread

TOKEN = "7100003:bench-workers-token"
BOT_ID = 7100003
FIRST_USER = 5_000_000
USERS_PER_RUN = 100_000
SECRET = "bench-workers-secret"
FIGURES = (
    "updates_per_s",
    "first_p50_ms",
    "first_p95_ms",
    "step_p95_ms",
    "cpu_ms_per_action",
    "machine_busy_pct",
)


LIMITS = ":limits"  # a config's suffix: Telegram's limits on, the bot's gate on


def _base(config: str) -> str:
    return config.removesuffix(LIMITS)


def label(config: str) -> str:
    """The row's name: "sqlite" or the number of workers (and "limits on")."""
    limits = ", limits on" if config.endswith(LIMITS) else ""
    if _base(config) == "sqlite":
        return f"workers: SQLite, minhu run (one process){limits}"
    n = int(_base(config))
    return f"workers: PostgreSQL, {n} worker{'s' if n > 1 else ''} + receiver{limits}"


async def _query(database: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of one read-only query on a run's database, either backend."""
    if not database.startswith("postgresql://"):
        with sqlite3.connect(database) as conn:
            return list(conn.execute(sql).fetchall())
    import asyncpg

    conn = await asyncpg.connect(database)
    try:
        return [tuple(r) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


def _busy() -> tuple[float, float]:
    """The machine's (busy, total) CPU jiffies so far, from /proc/stat."""
    fields = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


async def _wait_log(proc: procs.BotProcess, marker: str, limit: float = 90.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if marker in proc.log_tail(10_000):
            return
        if proc.proc.poll() is not None:
            raise RuntimeError(f"{proc.name} exited early: {proc.log_tail(3)}")
        await asyncio.sleep(0.05)
    raise RuntimeError(f"{proc.name} did not start in {limit:.0f} s: {proc.log_tail(3)}")


class WorkersBench:
    """The runs of every configuration against one emulator process."""

    def __init__(
        self, client: httpx.AsyncClient, emulator: procs.Emulator, args: argparse.Namespace
    ) -> None:
        self.client, self.emulator, self.args = client, emulator, args
        self.next_user = FIRST_USER

    async def setup(self) -> None:
        """Declare the bot to the emulator."""
        body = {"token": TOKEN, "first_name": "Minhu"}
        (await self.client.post("/api/bots", json=body)).raise_for_status()

    def _env(self, database: str, port: int | None = None, limits: bool = False) -> dict[str, str]:
        env = procs._env({"TELEGRAM_BOT_TOKEN": TOKEN, "MINHU_DATABASE": database})
        rate = "on" if limits else "off"
        env |= {"MINHU_TELEGRAM_API_URL": self.emulator.api_base, "MINHU_RATE_LIMIT": rate}
        if port is not None:
            env["MINHU_WEBHOOK_URL"] = f"http://127.0.0.1:{port}/hook/bench"
            env["MINHU_WEBHOOK_PORT"] = str(port)
            env["MINHU_WEBHOOK_SECRET"] = SECRET
        return env

    async def _database(self, config: str, index: int, work: Path) -> str:
        """A fresh database with the demo town: a file, or a new PostgreSQL database."""
        if _base(config) == "sqlite":
            database = str(work / f"workers-sqlite-{index}.db")
        else:
            name = f"minhu_bench_{uuid.uuid4().hex[:12]}"
            await admin(f"CREATE DATABASE {name}")
            database = url_of(name)
        seed = await asyncio.create_subprocess_exec(
            str(procs.BIN / "minhu"), "seed-demo", env=self._env(database), cwd=work,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await seed.communicate()
        if seed.returncode != 0:
            raise RuntimeError(f"seed-demo failed: {err.decode().strip()[-300:]}")
        return database

    async def _start(self, config: str, database: str, work: Path) -> list[procs.BotProcess]:
        """`minhu run`, or N `minhu worker` then `minhu receive`; once they serve."""
        limits = config.endswith(LIMITS)
        if _base(config) == "sqlite":
            env = self._env(database, limits=limits)
            minhu = procs.BotProcess("minhu", [str(procs.BIN / "minhu"), "run"], env, work)
            await procs.wait_polling(self.client, minhu, BOT_ID)
            return [minhu]
        port = procs.free_port()
        env = self._env(database, port, limits)
        started = [
            procs.BotProcess(f"worker{n}", [str(procs.BIN / "minhu"), "worker"], env, work)
            for n in range(1, int(_base(config)) + 1)
        ]
        for worker in started:
            await _wait_log(worker, "started")
        receiver = procs.BotProcess("receiver", [str(procs.BIN / "minhu"), "receive"], env, work)
        started.append(receiver)
        await _wait_log(receiver, "receiver listening")
        return started

    async def run(self, config: str, index: int, work: Path) -> dict[str, Any]:
        """One run of one configuration: its figures, or {"error": …}."""
        args = self.args
        (await self.client.post("/api/reset")).raise_for_status()
        limits = {"flood_control": config.endswith(LIMITS)}
        resp = await self.client.patch("/api/config", json=limits)
        resp.raise_for_status()
        first, self.next_user = self.next_user, self.next_user + USERS_PER_RUN
        figures: dict[str, Any] = {}
        running: list[procs.BotProcess] = []
        database = ""
        try:
            database = await self._database(config, index, work)
            running = await self._start(config, database, work)
            argv = ["flow", "--url", self.emulator.url, "--bot", str(BOT_ID), "--kind", "minhu"]
            argv += ["--first", str(first), "--count", str(args.residents)]
            argv += ["--rounds", str(args.rounds), "--step-timeout", str(args.step_timeout)]
            argv += ["--emulator-pid", str(self.emulator.pid)]
            limit = args.rounds * (len(minhu_steps(0)) + 1) * (args.step_timeout + 1) + 120
            cpu0 = [procs.cpu_seconds(p.pid) or 0.0 for p in running]
            busy0 = _busy()
            users = await procs.users(argv, limit)
            busy1 = _busy()
            await asyncio.sleep(1.0)  # the trailing calls and saves
            cpu1 = [procs.cpu_seconds(p.pid) or 0.0 for p in running]
            cpu = sum(cpu1) - sum(cpu0)
            counted = await procs.counters(self.client, BOT_ID)
            figures = report.run_figures(users, procs.counter_diff(counted, {}, 0))
            actions = figures["actions"]
            figures["cpu_ms_per_action"] = round(1000 * cpu / actions, 3) if actions else None
            figures["machine_busy_pct"] = round(
                100 * (busy1[0] - busy0[0]) / max(1.0, busy1[1] - busy0[1]), 1
            )
            figures["loadavg"] = report.machine()["loadavg"]
            figures["problems"] = await self._check(config, database, users)
        except RuntimeError as exc:
            figures["error"] = str(exc).splitlines()[0]
        finally:
            for proc in reversed(running):  # the receiver first: nothing new comes in
                code = await proc.stop()
                if code not in (0, -2) and "error" not in figures:
                    figures["error"] = f"{proc.name} exited with {code}: {proc.log_tail(3)}"
            figures["log_errors"] = [e for p in running for e in p.log_errors()][:5]
            if _base(config) != "sqlite":
                await self.client.post(f"/bot{TOKEN}/deleteWebhook")
                if database:
                    name = urlsplit(database).path.lstrip("/")
                    await admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        return figures

    async def _check(self, config: str, database: str, users: dict[str, Any]) -> list[str]:
        """What went wrong beyond a user's failure: twice-sent replies, updates left or done
        twice, a resident's report stored twice or a shown ticket not stored (a user whose
        step timed out may still have filed: late, not lost; the user's failure counts)."""
        problems: list[str] = []
        filed = sum(1 for u in users["users"] if not u["error"])
        twice = 0
        for user in users["users"]:
            params = {"after_seq": 0, "bot": BOT_ID}
            resp = await self.client.get(f"/api/chats/{user['user_id']}/messages", params=params)
            texts = [m.get("text") for m in resp.json()["messages"] if m.get("from_bot")]
            twice += sum(1 for a, b in itertools.pairwise(texts) if a and a == b)
        if twice:
            problems.append(f"{twice} replies sent twice in a row")
        sql = "SELECT COUNT(*), COUNT(DISTINCT reporter_id) FROM complaints"
        complaints, reporters = (await _query(database, sql))[0]
        if complaints != reporters:
            problems.append(f"{complaints} reports stored by {reporters} residents")
        tickets = {t for u in users["users"] if not u["error"] for t in u["tickets"]}
        if len(tickets) != filed or reporters < filed:
            problems.append(f"{len(tickets)} tickets shown, {reporters} stored, {filed} filed")
        if _base(config) != "sqlite":
            sql = "SELECT COUNT(*) FILTER (WHERE done_at IS NULL), "
            sql += "COUNT(*) FILTER (WHERE attempts > 1) FROM inbound_updates"
            deadline = time.monotonic() + 30  # late updates of timed-out users finish
            while True:
                left, again = (await _query(database, sql))[0]
                if not left or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            if left:
                problems.append(f"{left} updates left unhandled")
            if again:
                problems.append(f"{again} updates handled more than once")
        return problems


def verdict(config: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One configuration over its runs: each figure as a spread; FAILED on anything wrong."""
    done = [r for r in runs if "error" not in r]
    row: dict[str, Any] = {"config": config, "runs": len(runs)}
    row |= {f: spread([r.get(f) for r in done]) for f in FIGURES}
    failed = [f"run {i + 1}: {r['error']}" for i, r in enumerate(runs) if "error" in r]
    for i, r in enumerate(done):
        failed += [f"run {i + 1}: {f}" for f in r["failures"][:3]]
        failed += [f"run {i + 1}: {p}" for p in r["problems"]]
        for code in ("400", "429"):
            if r["status"][code]:
                failed.append(f"run {i + 1}: {r['status'][code]} × {code} from the emulator")
    row["failed"] = failed
    row["log_errors"] = [e for r in runs for e in r.get("log_errors", [])][:5]
    row["loadavg"] = [r["loadavg"] for r in done]
    row["state"] = "FAILED" if failed else "measured"
    row["each_run"] = runs
    return row


def _line(config: str, index: int, f: dict[str, Any]) -> str:
    if "error" in f:
        return f"  {label(config)} run {index + 1} FAILED: {f['error']}"
    return (
        f"  {label(config)} run {index + 1}: {f['actions']} actions, {f['updates_per_s']}/s, "
        f"reply p95 {f['first_p95_ms']:.0f} ms, cpu {f['cpu_ms_per_action']} ms/action, "
        f"machine {f['machine_busy_pct']} % busy, load {f['loadavg']}, "
        f"{len(f['failures'])} failed users, problems {f['problems'] or 'none'}"
    )


async def rows(
    client: httpx.AsyncClient, emulator: procs.Emulator, args: argparse.Namespace, work: Path
) -> list[dict[str, Any]]:
    """The SQLite row, then each worker count; PostgreSQL rows SKIPPED without a server."""
    bench = WorkersBench(client, emulator, args)
    await bench.setup()
    missing = await server_missing()
    out = []
    try:
        suffix = LIMITS if getattr(args, "workers_limits", False) else ""
        for config in [f"{c}{suffix}" for c in ["sqlite", *map(str, args.workers)]]:
            if _base(config) != "sqlite" and missing:
                out.append({"config": config, "state": "SKIPPED", "failed": [], "why": missing})
                print(f"  {label(config)}: SKIPPED ({missing})", flush=True)
                continue
            runs = []
            for index in range(args.runs):
                figures = await bench.run(config, index, work)
                print(_line(config, index, figures), flush=True)
                runs.append(figures)
            out.append(verdict(config, runs))
    finally:
        await client.patch("/api/config", json={"flood_control": True})
    return out


def render(rows: list[dict[str, Any]], setup: dict[str, Any]) -> str:
    """The rows as a table, with the ratio of each to the SQLite one-process row."""
    out = [
        f"Workers: the report flow flat out, limits {'on' if setup.get('limits') else 'off'}, "
        f"{setup['residents']} residents at once, "
        f"{setup['rounds']} in turn per lane, {setup['runs']} runs per row; "
        "reply = update -> first bot message; cpu = the bot's processes (receiver + workers), "
        "PostgreSQL's not counted; "
        "machine = all cores busy over the run",
        f"  {'':<46}{'updates/s':<24}{'× SQLite':<10}{'reply p95 ms':<20}{'cpu ms/action':<20}"
        f"{'machine busy %':<16}state",
    ]
    base = next((r for r in rows if _base(r["config"]) == "sqlite" and "updates_per_s" in r), None)
    for row in rows:
        if row["state"] == "SKIPPED":
            out.append(f"  {label(row['config']):<46}SKIPPED: {row['why']}")
            continue
        ratio = "-"
        if base and row["updates_per_s"]["median"] and base["updates_per_s"]["median"]:
            ratio = f"{row['updates_per_s']['median'] / base['updates_per_s']['median']:.2f}"
        out.append(
            f"  {label(row['config']):<46}{fmt(row['updates_per_s'], 1):<24}{ratio:<10}"
            f"{fmt(row['first_p95_ms'], 0):<20}{fmt(row['cpu_ms_per_action'], 2):<20}"
            f"{fmt(row['machine_busy_pct'], 0):<16}{row['state']}"
        )
        out += [f"    FAILED: {f}" for f in row["failed"][:10]]
        out += [f"    log: {e}" for e in row["log_errors"]]
    loads = [x for r in rows for x in r.get("loadavg", [])]
    if loads:
        out.append(f"  load average after each run: {'; '.join(loads)}")
    return "\n".join(out)
