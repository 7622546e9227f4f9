"""The delivery engine against the emulator with Telegram's flood limits on: nothing lost,
nothing sent twice, zero 429s, replies overtake broadcasts, blocked people skipped."""

from __future__ import annotations

import os
import re
import resource
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from bot.emulator import Emulator
from tests.e2e.test_resident_journey import register
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, new_user
from tests.support.e2e_delivery import (
    add_people,
    bot_message_counts,
    broadcast,
    broadcast_status,
    outbox_states,
    reminders,
    wait_until,
)


def finished(database: Path | str) -> bool:
    states = outbox_states(database)
    return not states.get("pending") and not states.get("sending")


def test_sigkill_at_several_points_of_a_2000_recipient_broadcast(
    minhu: BotProcess, client: httpx.Client
) -> None:
    assert minhu.stop() == 0
    ids = add_people(client, minhu.database, 1_000_000, 2000)
    broadcast_id, total = broadcast(minhu.database, "今晚8点起东区停水，请提前储水。")
    assert total == 2000
    in_flight = 0  # rows claimed but not recorded at a kill: the only ones that may come twice
    minhu.start()
    for deliveries in (300, 900, 1500):
        wait_until(
            lambda: sum(bot_message_counts(client).values()) >= deliveries,  # noqa: B023
            client,
            120,
            f"{deliveries} deliveries",
        )
        minhu.kill()
        in_flight += outbox_states(minhu.database).get("sending", 0)
        minhu.start()
    wait_until(lambda: finished(minhu.database), client, 240, "the broadcast to finish")
    counts = bot_message_counts(client)
    missing = [uid for uid in ids if counts.get(uid, 0) == 0]
    duplicates = sum(counts.get(uid, 0) - 1 for uid in ids if counts.get(uid, 0) > 1)
    assert missing == []
    assert duplicates <= in_flight, (duplicates, in_flight)
    assert outbox_states(minhu.database) == {"sent": 2000}  # no row left 'sending'
    wait_until(
        lambda: broadcast_status(minhu.database, broadcast_id) == "done",
        client,
        30,
        "the admin's progress to say the broadcast is done",
    )
    # Zero 429s: checked for the whole session by the emulator fixture.


@pytest.mark.sqlite_only("another program holds SQLite's write lock (PostgreSQL has row locks)")
def test_a_broadcast_goes_on_while_another_program_holds_the_database(
    minhu: BotProcess, client: httpx.Client
) -> None:
    """A backup or a second writer holds the write lock longer than SQLite waits (5 s):
    every resident still gets exactly one message and every row ends 'sent'."""
    ids = add_people(client, minhu.database, 1_050_000, 600)
    broadcast_id, _ = broadcast(minhu.database, "社区公告：明天上午检修电梯。")
    wait_until(
        lambda: sum(bot_message_counts(client).get(uid, 0) for uid in ids) >= 100,
        client,
        60,
        "the broadcast to start",
    )
    other = sqlite3.connect(minhu.database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        wait_until(
            lambda: "database is locked" in minhu.log_path.read_text(),
            client,
            60,
            "the bot to meet the lock",
        )
    finally:
        other.execute("ROLLBACK")
        other.close()
    wait_until(
        lambda: (
            finished(minhu.database) and broadcast_status(minhu.database, broadcast_id) == "done"
        ),
        client,
        120,
        "the broadcast to finish",
    )
    counts = bot_message_counts(client)
    assert [counts.get(uid, 0) for uid in ids] == [1] * 600
    assert outbox_states(minhu.database) == {"sent": 600}


def test_reminders_due_while_the_bot_was_down(minhu: BotProcess, client: httpx.Client) -> None:
    assert minhu.stop() == 0
    ids = add_people(client, minhu.database, 1_100_000, 100)
    reminders(minhu.database, ids[:80], due_ago=600, expires_in=3600, tag="on-time")
    reminders(minhu.database, ids[80:], due_ago=7200, expires_in=-60, tag="too-late")
    minhu.start()
    wait_until(lambda: finished(minhu.database), client, 60, "the reminders")
    counts = bot_message_counts(client)
    assert [counts.get(uid, 0) for uid in ids[:80]] == [1] * 80
    assert [counts.get(uid, 0) for uid in ids[80:]] == [0] * 20
    assert outbox_states(minhu.database) == {"sent": 80, "dropped": 20}
    assert "its moment has passed" in minhu.log_path.read_text()


def test_a_residents_reply_overtakes_a_running_broadcast(
    minhu: BotProcess, client: httpx.Client
) -> None:
    resident = new_user(client, "钱阿姨")
    register(resident)
    add_people(client, minhu.database, 1_200_000, 450)
    broadcast(minhu.database, "社区公告：周六上午义诊。")  # picked up by the next sweep
    wait_until(
        lambda: outbox_states(minhu.database).get("sent", 0) >= 30,
        client,
        60,
        "the broadcast to start",
    )
    resident.say("/help")
    resident.expect("帮助")
    pending = outbox_states(minhu.database).get("pending", 0)
    assert pending > 300, f"the reply waited behind the broadcast ({pending} left)"


def test_people_who_blocked_the_bot_are_marked_and_skipped(
    minhu: BotProcess, client: httpx.Client
) -> None:
    ids = add_people(client, minhu.database, 1_300_000, 20)
    for uid in ids[:5]:
        client.post(f"/api/users/{uid}/block").raise_for_status()
    broadcast(minhu.database, "第一次公告")
    wait_until(
        lambda: finished(minhu.database) and outbox_states(minhu.database),
        client,
        60,
        "the first broadcast",
    )
    with raw_connection(minhu.database) as db:
        blocked = [
            r[0]
            for r in db.execute("SELECT id FROM people WHERE blocked_at IS NOT NULL ORDER BY id")
        ]
    assert blocked == ids[:5]
    forbidden_before = client.get("/api/counters").json()
    broadcast(minhu.database, "第二次公告")
    wait_until(lambda: finished(minhu.database), client, 60, "the second broadcast")
    forbidden_after = client.get("/api/counters").json()
    assert _status(forbidden_after, "403") == _status(forbidden_before, "403")
    counts = bot_message_counts(client)
    assert [counts.get(uid, 0) for uid in ids] == [0] * 5 + [2] * 15


def _status(counters: dict, code: str) -> int:  # type: ignore[type-arg]
    return sum(int(bot["status"].get(code, 0)) for bot in counters["bots"].values())


def test_a_server_stricter_than_telegram_costs_a_handful_of_429s_and_loses_nothing(
    tmp_path: Path, e2e_database: Path | str
) -> None:
    """A server allowing 8 msg/s, not Telegram's 30: the bot learns the limit (it used to get
    about 2.7 × 429 per message), every reminder arrives once."""
    from bot.emulator import EmulatorConfig, run_emulator_in_thread
    from tests.support.e2e import TOKEN

    strict = EmulatorConfig(port=0, overall_rate=8.0, overall_burst=8)
    with run_emulator_in_thread(strict) as emu, httpx.Client(base_url=emu.url) as client:
        client.post("/api/bots", json={"token": TOKEN}).raise_for_status()
        bot = BotProcess(emu.bot_api_base, e2e_database, tmp_path / "bot.log")
        bot.seed()
        ids = add_people(client, bot.database, 1_400_000, 400)
        reminders(bot.database, ids, due_ago=1, expires_in=3600, tag="strict")
        bot.start()
        try:
            wait_until(lambda: finished(bot.database), client, 180, "the reminders")
        finally:
            assert bot.stop() == 0
        counts = bot_message_counts(client)
        assert [counts.get(uid, 0) for uid in ids] == [1] * 400
        refused = _status(client.get("/api/counters").json(), "429")
        assert 1 <= refused <= 5, refused  # the server did push back, a handful of times
        assert "flood control: pausing all sends for 1 s" in bot.log_path.read_text()


def test_an_unwritable_database_at_start_is_one_clear_line(
    emulator: Emulator, tmp_path: Path
) -> None:
    """Full disk, read-only file, or a lock another program holds: one line saying what and
    which file, exit status 1, no traceback (and no restart loop inside the process). About
    the SQLite file itself (its size, mode and lock): no `db_backend`, so SQLite only."""
    bot = BotProcess(emulator.bot_api_base, tmp_path / "town.db", tmp_path / "bot.log")
    bot.seed()
    with closing(sqlite3.connect(bot.database)) as db, db:  # a crash left a notice in flight
        db.execute(
            "INSERT INTO outbox (chat_id, kind, template, context, due_at, dedupe_key, state,"
            " created_at) VALUES (1, 'reminder', 'notices.reminder', '{}', '2026-01-01',"
            " 'in-flight', 'sending', '2026-01-01')"
        )
    run = [sys.executable, "-m", "bot", "run"]

    def full_disk() -> None:  # no file may grow past 4 KB, as on a full disk (root included)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    cases: list[tuple[str, subprocess.CompletedProcess[str]]] = []
    cases.append(
        ("database or disk is full|disk I/O error", _run(run, bot.env(), preexec=full_disk))
    )
    other = sqlite3.connect(bot.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a backup, or a second copy of the bot
    try:
        cases.append(("database is locked", _run(run, bot.env())))
    finally:
        other.execute("ROLLBACK")
        other.close()
    if os.geteuid() != 0:  # root writes through file modes
        bot.database.chmod(0o444)
        tmp_path.chmod(0o555)
        try:
            cases.append(("readonly", _run(run, bot.env())))
        finally:
            tmp_path.chmod(0o755)
            bot.database.chmod(0o644)
    for reason, done in cases:
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith(f"minhu: cannot use the database {bot.database}: ")
        assert re.search(reason, lines[0]), lines[0]


def _run(
    argv: list[str], env: dict[str, str], preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    """The bot as a real process, its stderr kept."""
    return subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=60, preexec_fn=preexec
    )
