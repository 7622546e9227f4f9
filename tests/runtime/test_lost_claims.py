"""A claim taken back: a worker whose outbox row was put back (its lease ran out, or it seemed
dead) and claimed by another worker no longer records that row's outcome — sent, retry or dead
letter: the row is its new claimer's, recorded once. Both backends."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram.request import RequestData

from storage import outbox
from storage.db import Database
from tests.conftest import Address
from tests.support.fake_telegram import FakeTelegram
from tests.support.harness import Harness, User, register
from tests.support.outbox import reminder

OTHER = "other-host:42:feedbeef"
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


async def _row(db: Database, key: str) -> tuple[Any, ...]:
    row = await db.fetchone(
        "SELECT state, claimed_by, attempts, due_at FROM outbox WHERE dedupe_key = ?", (key,)
    )
    return tuple(row)


async def _take_back(address: Address, now: datetime) -> list[outbox.OutboxItem]:
    """Another worker puts the claim back (as after the lease) and claims the row itself."""
    async with Database(address) as other:
        assert await outbox.recover(other, OTHER, before=now + timedelta(hours=1)) == 1
        return await outbox.claim(other, now, claimer=OTHER)


async def test_outcomes_apply_only_while_the_row_is_still_the_claimers(
    new_database: Callable[..., Awaitable[Address]],
) -> None:
    async with Database(await new_database()) as db:
        now = NOW
        await reminder(db, 910001, "taken", now)
        await reminder(db, 910002, "put-back", now)
        mine = await outbox.claim(db, now, claimer="me")
        ids = {i.chat_id: i.id for i in mine}
        assert set(ids) == {910001, 910002}
        async with db.transaction() as conn:  # both claims put back; one claimed again
            await conn.execute(
                "UPDATE outbox SET state = 'pending', claimed_by = NULL WHERE id IN (?, ?)",
                (ids[910001], ids[910002]),
            )
        assert [i.id for i in await outbox.claim(db, now, limit=1, claimer=OTHER)] == [ids[910001]]
        taken = ids[910001]
        assert not await outbox.finish(db, taken, "dead", now, "refused", claimer="me")
        assert not await outbox.retry_at(db, taken, now + timedelta(hours=1), "x", claimer="me")
        assert await outbox.mark_sent(db, [taken, ids[910002]], now, claimer="me") == [taken]
        assert (await _row(db, "taken"))[:3] == ("sending", OTHER, 0)  # still the other's
        assert (await _row(db, "put-back"))[:3] == ("sent", "me", 1)  # it went out: recorded
        assert await outbox.mark_sent(db, [taken], now, claimer=OTHER) == []
        assert (await _row(db, "taken"))[:3] == ("sent", OTHER, 1)  # recorded once
        assert await outbox.mark_sent(db, [taken], now, claimer=OTHER) == [taken]


class TakenBack(FakeTelegram):
    """The Bot API, slow enough that, while one chat's message is sent, another worker takes
    the row back and claims it (a claimer stalled past its lease)."""

    def __init__(self, address: Address) -> None:
        super().__init__()
        self.address, self.chat, self.now = address, 0, None
        self.taken: list[outbox.OutboxItem] = []

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
        chat = int(request_data.parameters.get("chat_id", 0)) if request_data else 0
        if url.endswith("/sendMessage") and chat == self.chat and not self.taken:
            self.taken = await _take_back(self.address, self.now)
        return await super().do_request(url, method, request_data)


@pytest.mark.parametrize("fault", ["none", "flood", "refused"])
async def test_a_worker_whose_claim_was_taken_back_leaves_the_row_to_its_new_claimer(
    seeded_db: Address, fault: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake = TakenBack(seeded_db)
    bot = await Harness(seeded_db, fake=fake).start()
    try:
        user = User(910011 + ["none", "flood", "refused"].index(fault), "居民")
        await register(bot, user)
        fake.chat, fake.now = user.id, bot.clock.now()
        if fault == "flood":
            fake.faults.append(("sendMessage", 429, "Too Many Requests: retry after 7", 7))
        elif fault == "refused":
            fake.faults.append(("sendMessage", 400, "Bad Request: can't parse entities", 0))
        await reminder(bot.services.db, user.id, "stalled", fake.now)
        due_before = (await _row(bot.services.db, "stalled"))[3]
        with caplog.at_level(logging.WARNING, logger="bot.runtime.delivery"):
            sent = await bot.services.delivery.run_pass(bot.app.bot)  # type: ignore[union-attr]
        assert [i.chat_id for i in fake.taken] == [user.id]
        assert sent == (1 if fault == "none" else 0)
        # untouched: the other worker's claim, no attempt counted, its due time kept
        assert await _row(bot.services.db, "stalled") == ("sending", OTHER, 0, due_before)
        lost = [r for r in caplog.records if "no longer this worker's claim" in r.getMessage()]
        assert len(lost) == 1  # said once
    finally:
        await bot.stop()
