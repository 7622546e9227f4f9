"""The delivery engine over a real SQLite file: outcomes, retries, expiry, blocked people."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.request import RequestData

from storage import outbox, people
from tests.support.fake_telegram import FakeTelegram
from tests.support.harness import Harness, User, register
from tests.support.outbox import reminder

RESIDENTS = [User(700001 + i, f"居民{i}") for i in range(4)]


async def _enqueue(
    bot: Harness,
    user: User,
    key: str,
    *,
    due_in: float = 0,
    expires_in: float | None = None,
    text: str = "明天上午九点议事会",
) -> None:
    await reminder(
        bot.services.db,
        user.id,
        key,
        bot.clock.now(),
        due_in=due_in,
        expires_in=expires_in,
        text=text,
    )


async def _states(bot: Harness) -> dict[str, str]:
    rows = await bot.services.db.fetchall("SELECT dedupe_key, state FROM outbox")
    return {r[0]: r[1] for r in rows}


async def test_due_rows_are_sent_once_and_later_ones_wait(bot: Harness) -> None:
    for user in RESIDENTS[:2]:
        await register(bot, user)
    await _enqueue(bot, RESIDENTS[0], "now")
    await _enqueue(bot, RESIDENTS[1], "later", due_in=3600)
    since = len(bot.fake.calls)
    assert await bot.services.delivery.run_pass(bot.app.bot) == 1  # type: ignore[union-attr]
    assert await bot.services.delivery.run_pass(bot.app.bot) == 0  # type: ignore[union-attr]
    assert "明天上午九点议事会" in bot.fake.texts(RESIDENTS[0].id, since)[0]
    assert await _states(bot) == {"now": "sent", "later": "pending"}
    bot.clock.advance(timedelta(hours=1))
    assert await bot.services.delivery.run_pass(bot.app.bot) == 1  # type: ignore[union-attr]


async def test_the_same_notice_is_never_queued_twice(bot: Harness) -> None:
    await register(bot, RESIDENTS[0])
    await _enqueue(bot, RESIDENTS[0], "meeting:1:24h")
    await _enqueue(bot, RESIDENTS[0], "meeting:1:24h")
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM outbox") == 1


async def test_a_notice_whose_moment_passed_is_dropped_not_sent_late(bot: Harness) -> None:
    await register(bot, RESIDENTS[0])
    await _enqueue(bot, RESIDENTS[0], "meeting-in-1h", expires_in=60)
    bot.clock.advance(timedelta(minutes=5))  # the bot was down past the meeting's start
    since = len(bot.fake.calls)
    await bot.services.delivery.run_pass(bot.app.bot)  # type: ignore[union-attr]
    assert bot.fake.sent_to(RESIDENTS[0].id, since) == []
    assert await _states(bot) == {"meeting-in-1h": "dropped"}


async def test_people_who_blocked_the_bot_are_marked_and_skipped(bot: Harness) -> None:
    user = RESIDENTS[0]
    await register(bot, user)
    bot.fake.blocked.add(user.id)
    await _enqueue(bot, user, "first")
    await bot.services.delivery.run_pass(bot.app.bot)  # type: ignore[union-attr]
    person = await people.get(bot.services.db, user.id)
    assert person is not None and person.blocked_at is not None
    since = len(bot.fake.calls)
    await _enqueue(bot, user, "second")
    await bot.services.delivery.run_pass(bot.app.bot)  # type: ignore[union-attr]
    assert bot.fake.sent_to(user.id, since) == []  # not even tried
    assert await _states(bot) == {"first": "failed", "second": "failed"}


async def test_a_refused_message_becomes_a_dead_letter_with_its_reason(bot: Harness) -> None:
    await register(bot, RESIDENTS[0])
    bot.fake.faults.append(("sendMessage", 400, "Bad Request: can't parse entities", 0))
    await _enqueue(bot, RESIDENTS[0], "bad")
    await bot.services.delivery.run_pass(bot.app.bot)  # type: ignore[union-attr]
    row = await bot.services.db.fetchone("SELECT state, last_error FROM outbox")
    assert tuple(row) == ("dead", "Can't parse entities")


async def test_flood_control_puts_the_notice_back_for_retry_after(bot: Harness) -> None:
    await register(bot, RESIDENTS[0])
    bot.fake.faults.append(("sendMessage", 429, "Too Many Requests: retry after 7", 7))
    await _enqueue(bot, RESIDENTS[0], "flood")
    assert await bot.services.delivery.run_pass(bot.app.bot) == 0  # type: ignore[union-attr]
    row = await bot.services.db.fetchone("SELECT state, attempts, due_at FROM outbox")
    assert row["state"] == "pending" and row["attempts"] == 1
    bot.clock.advance(timedelta(seconds=6))
    assert await bot.services.delivery.run_pass(bot.app.bot) == 0  # type: ignore[union-attr]
    bot.clock.advance(timedelta(seconds=1))
    assert await bot.services.delivery.run_pass(bot.app.bot) == 1  # type: ignore[union-attr]


async def test_a_timeout_is_retried_with_backoff(bot: Harness) -> None:
    await register(bot, RESIDENTS[0])
    bot.fake.faults.append(("sendMessage", 0, "", 0))
    await _enqueue(bot, RESIDENTS[0], "slow")
    assert await bot.services.delivery.run_pass(bot.app.bot) == 0  # type: ignore[union-attr]
    bot.clock.advance(timedelta(seconds=2))
    assert await bot.services.delivery.run_pass(bot.app.bot) == 1  # type: ignore[union-attr]
    assert await _states(bot) == {"slow": "sent"}


async def test_rows_left_sending_by_a_crash_are_sent_after_restart(bot: Harness) -> None:
    await register(bot, RESIDENTS[0])
    await _enqueue(bot, RESIDENTS[0], "in-flight")
    claimed = await outbox.claim(bot.services.db, bot.clock.now())  # then the process dies
    assert [i.chat_id for i in claimed] == [RESIDENTS[0].id]
    await bot.restart()  # start-up puts 'sending' rows back (on PostgreSQL: the claimer's
    assert await _states(bot) == {"in-flight": "pending"}  # lock is free, it died; at once)
    await bot.services.delivery.run_pass(bot.app.bot)  # type: ignore[union-attr]
    assert await _states(bot) == {"in-flight": "sent"}


async def test_personal_notices_go_before_bulk(bot: Harness) -> None:
    for user in RESIDENTS:
        await register(bot, user)
    now = bot.clock.now()
    async with bot.services.db.transaction() as conn:
        for user in RESIDENTS:
            await outbox.enqueue(
                conn,
                chat_id=user.id,
                kind="broadcast",
                template="notices.reminder",
                context={"language": "zh-CN", "text": "公告"},
                due_at=now,
                dedupe_key=f"bulk:{user.id}",
                now=now,
                lane=outbox.LANE_BULK,
            )
    await _enqueue(bot, RESIDENTS[0], "personal")
    items = await outbox.claim(bot.services.db, now, limit=2)
    assert [i.kind for i in items] == ["reminder", "broadcast"]


class LockingTelegram(FakeTelegram):
    """The fake Bot API, and another program that takes the database's write lock while the
    bot sends its message to one chat (as a backup or a second writer would)."""

    def __init__(self, database: Path) -> None:
        super().__init__()
        self.database, self.lock_on_chat = database, 0
        self.other: sqlite3.Connection | None = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        answer = await super().do_request(url, method, request_data)
        chat = int(request_data.parameters.get("chat_id", 0)) if request_data else 0
        if url.endswith("/sendMessage") and chat == self.lock_on_chat and self.other is None:
            self.other = sqlite3.connect(self.database, isolation_level=None)
            self.other.execute("BEGIN IMMEDIATE")
        return answer

    def release(self) -> None:
        """The other program commits and lets go of the database."""
        assert self.other is not None
        self.other.execute("ROLLBACK")
        self.other.close()


class Logged(logging.Handler):
    """An event set when the delivery engine logs a line containing `words`."""

    def __init__(self, words: str) -> None:
        super().__init__()
        self.words, self.seen = words, asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.words in record.getMessage():
            self.seen.set()


async def _enqueue_bulk(bot: Harness, users: list[User]) -> None:
    now = bot.clock.now()
    async with bot.services.db.transaction() as conn:
        await outbox.enqueue_many(
            conn,
            [(u.id, {"language": "zh-CN", "text": "公告"}, f"bulk:{u.id}") for u in users],
            kind="broadcast",
            template="notices.reminder",
            due_at=now,
            now=now,
        )


@pytest.mark.sqlite_only("another program holds SQLite's write lock (PostgreSQL has row locks)")
async def test_sends_are_recorded_although_the_database_was_locked_when_they_were_written(
    seeded_db: Path,
) -> None:
    fake = LockingTelegram(seeded_db)
    bot = await Harness(seeded_db, fake=fake).start()
    logged = Logged("retrying")
    logging.getLogger("bot.runtime.delivery").addHandler(logged)
    try:
        for user in RESIDENTS:
            await register(bot, user)
        await _enqueue(bot, RESIDENTS[0], "personal")
        fake.lock_on_chat = RESIDENTS[0].id  # the lock comes as this notice goes out
        await _enqueue_bulk(bot, RESIDENTS[1:])
        await bot.services.db.writer.execute("PRAGMA busy_timeout = 0")  # "locked" at once
        delivery = bot.services.delivery
        running = asyncio.create_task(delivery.run_pass(bot.app.bot))  # type: ignore[union-attr]
        retrying = asyncio.create_task(logged.seen.wait())
        await asyncio.wait({running, retrying}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        assert retrying.done() and not running.done(), "the pass ended with sends unrecorded"
        fake.release()
        assert await running == 4
        assert await _states(bot) == {"personal": "sent"} | {
            f"bulk:{u.id}": "sent" for u in RESIDENTS[1:]
        }
    finally:
        logging.getLogger("bot.runtime.delivery").removeHandler(logged)
        await bot.stop()


@pytest.mark.sqlite_only("stops the bot from a SQLite function called by a temporary trigger")
async def test_a_shutdown_in_the_middle_of_recording_sends_loses_none_of_them(bot: Harness) -> None:
    for user in RESIDENTS:
        await register(bot, user)
    await _enqueue_bulk(bot, RESIDENTS)
    delivery, loop = bot.services.delivery, asyncio.get_running_loop()
    since = len(bot.fake.calls)
    running = asyncio.create_task(delivery.run_pass(bot.app.bot))  # type: ignore[union-attr]

    def the_bot_is_stopped() -> None:
        """Runs inside the UPDATE that records the sends: the application stops right then."""
        loop.call_soon_threadsafe(running.cancel)

    writer = bot.services.db.writer
    await writer.create_function("the_bot_is_stopped", 0, the_bot_is_stopped)
    await writer.execute(
        "CREATE TEMP TRIGGER recording AFTER UPDATE OF state ON main.outbox"
        " WHEN NEW.state = 'sent' BEGIN SELECT the_bot_is_stopped(); END"
    )
    with pytest.raises(asyncio.CancelledError):
        await running
    await delivery.run_pass(bot.app.bot)  # type: ignore[union-attr]  # after the restart
    assert [len(bot.fake.sent_to(u.id, since)) for u in RESIDENTS] == [1] * len(RESIDENTS)
    assert await _states(bot) == {f"bulk:{u.id}": "sent" for u in RESIDENTS}
