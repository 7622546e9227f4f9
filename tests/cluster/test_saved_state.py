"""The persistence's round of writes in one statement on PostgreSQL (a worker saves after every
update): states kept and ended, user data saved (only for people who consented) and dropped."""

from __future__ import annotations

from datetime import UTC, datetime

from storage import conversations, people
from storage.conversations import Writes
from storage.db import Database
from tests.support import databases

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


async def test_a_round_of_writes_is_saved_in_one_statement() -> None:
    url = await databases.fresh_postgres("seeded")
    try:
        async with Database(url) as db:
            grid_id = int(await db.fetchval("SELECT MIN(id) FROM grids"))
            for user_id in (801, 802):
                await people.register(db, user_id, "甲", "zh-CN", grid_id, NOW)
            await conversations.save(
                db,
                Writes(
                    states={("report", (801, 801)): 3, ("visit", (802, 802)): {"step": 1}},
                    user_data={801: {"draft": "路灯"}, 802: {"n": 1}, 803: {"no": "consent"}},
                ),
            )
            assert await conversations.states(db, "report") == {(801, 801): 3}
            assert await conversations.user_data(db) == {801: {"draft": "路灯"}, 802: {"n": 1}}
            # the next round: one state moves on, one ends; one person's data goes, one changes
            await conversations.save(
                db,
                Writes(
                    states={("report", (801, 801)): 4, ("visit", (802, 802)): None},
                    user_data={801: {}, 802: {"n": 2}},
                ),
            )
            assert await conversations.states(db, "report") == {(801, 801): 4}
            assert await conversations.states(db, "visit") == {}
            assert await conversations.user_data(db) == {802: {"n": 2}}
            await conversations.save(db, Writes())  # nothing to write: nothing changes
            assert await conversations.user_data(db) == {802: {"n": 2}}
    finally:
        await databases.drop(url)
