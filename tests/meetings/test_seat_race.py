"""Two residents booking the last seat of a meeting at the same moment, on two workers (two
Database objects, as two processes): one gets it, the other is told it is full; the meeting
is never overbooked. On PostgreSQL their transactions are held side by side after each read
the seats (tests/support/races.py)."""

from __future__ import annotations

import asyncio
import dataclasses

from bot.core.refusals import Refusal as Refused
from bot.meetings import service
from storage import meeting_bookings as bookings
from storage.db import Database
from tests.conftest import Address
from tests.support.harness import Harness
from tests.support.meetings import LI, WANG, meeting, town
from tests.support.races import meet

SEATS = "FROM meeting_bookings WHERE meeting_id = ? AND status = 'booked'"


async def test_two_workers_booking_the_last_seat_never_overbook(
    bot: Harness, seeded_db: Address
) -> None:
    await town(bot, WANG, LI)
    m = await meeting(bot, capacity=1)
    async with Database(seeded_db) as other:
        second = dataclasses.replace(bot.services, db=other)  # another worker's services
        meeting_point = meet([bot.services.db, other], SEATS)

        async def book(services: object, user_id: int) -> str:
            try:
                done = await service.book(services, m.id, user_id, waitlist=False)  # type: ignore[arg-type]
            except Refused as exc:
                return exc.reason
            return str(done.booking.status)

        results = await asyncio.gather(book(bot.services, WANG.id), book(second, LI.id))
    assert sorted(results) == ["booked", "full"]
    assert await bookings.seats_now(bot.services.db, m.id) == (1, 0)  # never two in one seat
    if bot.services.db.backend == "postgres":
        assert meeting_point.lock_waits == 1  # the second waited for the first one's lock
