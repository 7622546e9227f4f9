"""Who hears about a reception day (接待日) besides the representative and the residents who
booked: outbox rows written in the transaction of the change that causes them.

- A session published is announced to the residents who follow its zone (every zone's
  followers for the town's station), unless they blocked the bot or muted announcements:
  key rcp:S:new:U, a bulk row that expires when the session starts, with a button to book.
- A booking turned into a suggestion (意见建议) makes the resident who booked a supporter of
  the case (it is in their /my, they hear each step and answer after each 办结, as anyone who
  said "me too") and tells them its number: key rcp:S:bB:case:U, so it is said once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.complaints.buttons import HISTORY
from bot.reception import buttons
from bot.runtime import notices
from bot.runtime.services import Services
from storage import bulletins, lifecycle, outbox
from storage import reception as store


def context_of(s: store.Session) -> dict[str, Any]:
    """What every reception notice shows."""
    return {
        "session": s.id,
        "station": s.station_name,
        "address": s.station_address,
        "starts_at": s.starts_at.isoformat(),
        "slots": s.slots,
    }


async def announce(
    conn: aiosqlite.Connection, services: Services, s: store.Session, now: datetime
) -> int:
    """The new session to its zone's followers (not the representative); how many."""
    followers = [
        (user_id, lang)
        for user_id, lang in await bulletins.followers_of(services.db, s.zone_id)
        if user_id != s.representative_id
    ]
    await notices.send(
        conn,
        services,
        followers,
        template="reception.announced",
        key=f"rcp:{s.id}:new",
        now=now,
        context=context_of(s),
        buttons=[[("reception.btn_book_announced", buttons.BOOK.pack(s.id))]],
        lane=outbox.LANE_BULK,
        expires_at=s.starts_at,
    )
    return len(followers)


async def became_case(
    conn: aiosqlite.Connection,
    services: Services,
    booking: store.Booking,
    *,
    complaint_id: int,
    number: str,
    department: str,
    resolve_due: datetime,
    now: datetime,
) -> bool:
    """The resident who booked follows the case their topic became, and is told its number;
    False when nobody can be told (erased, or blocked the bot)."""
    if booking.person_id is None:
        return False
    await lifecycle.support_in(conn, complaint_id, booking.person_id, now)
    if not await notices.reachable(services, [booking.person_id]):
        return False
    await notices.send(
        conn,
        services,
        [booking.person_id],
        template="reception.became_case",
        key=f"rcp:{booking.session_id}:b{booking.id}:case",
        now=now,
        context={
            "topic": booking.topic,
            "number": number,
            "department": department,
            "resolve_due": resolve_due.isoformat(),
        },
        buttons=[[("reception.btn_follow_case", HISTORY.pack(complaint_id))]],
    )
    return True
