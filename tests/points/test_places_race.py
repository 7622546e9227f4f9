"""Two residents taking the last place of a volunteer activity at the same moment, on two
workers (two Database objects, as two processes): one gets it, the other waits in line; the
activity never has more volunteers than places. On PostgreSQL the two transactions are held
side by side after each counted the places (tests/support/races.py)."""

from __future__ import annotations

import asyncio
import dataclasses

from bot.points import activities
from storage import activities as store
from storage.db import Database
from tests.conftest import Address
from tests.support.harness import Harness, User
from tests.support.points import published
from tests.support.races import meet

WANG = User(100031, "王阿姨")
LI = User(100032, "李大伯")
PLACES = "FROM volunteer_signups WHERE activity_id = ? AND status = 'booked'"


async def test_two_workers_taking_the_last_place_never_overfill(
    bot: Harness, seeded_db: Address
) -> None:
    activity_id = await published(bot, WANG, LI, places=1)
    async with Database(seeded_db) as other:
        second = dataclasses.replace(bot.services, db=other)  # another worker's services
        meeting = meet([bot.services.db, other], PLACES)
        placed = await asyncio.gather(
            activities.sign_up(bot.services, activity_id, WANG.id),
            activities.sign_up(second, activity_id, LI.id),
        )
    assert sorted(str(p.signup.status) for p in placed) == ["booked", "waitlisted"]
    async with bot.services.db.transaction() as conn:
        assert await store.booked_count(conn, activity_id) == 1
    if bot.services.db.backend == "postgres":
        assert meeting.lock_waits == 1
