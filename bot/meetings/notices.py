"""Who hears about a deliberation meeting, and when: every message is an outbox row written in
the caller's transaction, with a dedupe key that starts with "mt:<meeting id>:" so a meeting's
pending rows can be dropped together (`storage.meetings.drop_pending`).

Keys: announcement mt:M:new:U, reminders mt:M:rem:bB:vR:MINUTES, results missing
mt:M:late:vR:DAYS:U, fill thresholds mt:M:fill:PCT:U, promotion mt:M:promo:bB, changes
mt:M:changed:vR:U, cancellation mt:M:cancelled:U, result mt:M:result:U, assignment
mt:M:asg:A:U; a decision's public follow-up (`bot.meetings.followup`) mt:M:dasg:A:U,
mt:M:prog:A:E:U and mt:M:done:A:U. R is the meeting's revision (bumped by every edit), so a
moved meeting's reminders are new rows and the old ones stay dropped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.meetings.buttons import VIEW
from bot.meetings.rules import RESULT_REMINDERS, BookingStatus, crossed, reminders_due
from bot.runtime import notices
from bot.runtime.notices import send as send
from bot.runtime.services import Services
from storage import geo, outbox, people
from storage import meeting_bookings as bookings
from storage import meetings as store
from storage.meeting_bookings import Booking
from storage.meetings import Meeting

Buttons = list[list[tuple[str, str]]]


def key(meeting_id: int, *parts: object) -> str:
    """A dedupe key of this meeting."""
    return ":".join(["mt", str(meeting_id), *(str(p) for p in parts)])


def prefix(meeting_id: int, *parts: object) -> str:
    """The start of every key of this meeting (and part), for dropping pending rows."""
    return key(meeting_id, *parts) + ":"


async def context_of(services: Services, m: Meeting) -> dict[str, Any]:
    """What every meeting template may show (JSON-friendly: it is stored with the row)."""
    zone = await geo.zone(services.db, m.zone_id)
    community = await geo.community(services.db, m.community_id) if m.community_id else None
    audience = " · ".join(x.name for x in (zone, community) if x is not None)
    return {
        "meeting_id": m.id,
        "title": m.title,
        "topic": m.topic,
        "place": m.place,
        "audience": audience,
        "starts_at": m.starts_at.isoformat(),
        "ends_at": m.ends_at.isoformat(),
        "registration_until": m.registration_until.isoformat(),
        "capacity": m.capacity,
    }


async def with_languages(services: Services, user_ids: list[int]) -> list[tuple[int, str]]:
    """(id, language) of those who opened the bot, in order, each once."""
    return [
        (u, await notices.language(services, u))
        for u in await notices.reachable(services, user_ids)
    ]


async def admins(services: Services, m: Meeting) -> list[tuple[int, str]]:
    """The meeting's creator, the zone's and town-wide admins, and the configured ones."""
    ids = [m.created_by, *await people.admins_of_zone(services.db, m.zone_id)]
    return await with_languages(services, ids + sorted(services.settings.admin_ids))


def view_button(meeting_id: int) -> Buttons:
    """The button of a notice that opens the meeting's card."""
    return [[("meetings.btn_view", VIEW.pack(meeting_id))]]


async def announce(
    conn: aiosqlite.Connection, services: Services, m: Meeting, now: datetime
) -> None:
    """The new meeting to its audience (bulk lane; not after registration closes)."""
    await send(
        conn,
        services,
        await store.audience(services.db, m, include_muted=False),
        template="meetings.announcement",
        key=key(m.id, "new"),
        now=now,
        context=await context_of(services, m),
        buttons=view_button(m.id),
        lane=outbox.LANE_BULK,
        expires_at=m.registration_until,
    )


async def remind(
    conn: aiosqlite.Connection, services: Services, m: Meeting, b: Booking, now: datetime
) -> list[int]:
    """The reminders of one seat still ahead (none is sent after the start); returns them,
    in minutes before the start, so a confirmation promises exactly these."""
    if b.person_id is None or b.status != BookingStatus.BOOKED:
        return []
    recipient = await with_languages(services, [b.person_id])
    if not recipient:
        return []
    ctx = await context_of(services, m) | {"code": b.code}
    queued = []
    for minutes, due, expires in reminders_due(m.starts_at, now):
        queued.append(minutes)
        ctx["minutes"] = minutes
        await send(
            conn,
            services,
            recipient,
            template="meetings.reminder",
            key=key(m.id, "rem", f"b{b.id}", f"v{m.revision}", minutes),
            now=now,
            context=ctx,
            due_at=due,
            expires_at=expires,
        )
    return queued


async def remind_all(
    conn: aiosqlite.Connection, services: Services, m: Meeting, now: datetime
) -> None:
    """After an edit: drop every pending reminder and queue the new ones of each seat;
    the admins' result reminders follow the new end too."""
    await store.drop_pending(conn, prefix(m.id, "rem"), "meeting changed")
    await store.drop_pending(conn, prefix(m.id, "late"), "meeting changed")
    for booking_id in await bookings.booked_ids(conn, m.id):
        b = await bookings.booking_in(conn, booking_id)
        if b is not None:
            await remind(conn, services, m, b, now)
    await result_reminders(conn, services, m, now)


async def result_reminders(
    conn: aiosqlite.Connection, services: Services, m: Meeting, now: datetime
) -> None:
    """Admins are reminded 3 and 7 days after the end while no result is recorded (the
    rows are dropped when the result is recorded or the meeting cancelled)."""
    ctx = await context_of(services, m)
    for after in RESULT_REMINDERS:
        days = after.days
        await send(
            conn,
            services,
            await admins(services, m),
            template="meetings.result_missing",
            key=key(m.id, "late", f"v{m.revision}", days),
            now=now,
            context=ctx | {"days": days},
            due_at=m.ends_at + after,
        )


async def fill(
    conn: aiosqlite.Connection,
    services: Services,
    m: Meeting,
    before: int,
    after: int,
    now: datetime,
) -> None:
    """Admins hear when a meeting is 50 %, 80 % and 100 % full — each once. When one booking
    passes two thresholds (a small meeting), only the higher is told; the lower one's row
    is written already expired, so its key is taken and it is never sent later."""
    passed = crossed(before, after, m.capacity)
    for percent in passed:
        await send(
            conn,
            services,
            await admins(services, m),
            template="meetings.filling",
            key=key(m.id, "fill", percent),
            now=now,
            context=await context_of(services, m) | {"percent": percent, "booked": after},
            expires_at=None if percent == passed[-1] else now,
        )


async def to_registrants(
    conn: aiosqlite.Connection,
    services: Services,
    m: Meeting,
    *,
    template: str,
    key: str,
    now: datetime,
    context: dict[str, Any],
    buttons: Buttons | None = None,
) -> list[int]:
    """Everyone booked or waiting; returns who was written to."""
    recipients = await with_languages(services, await bookings.registrants(conn, m.id))
    await send(
        conn,
        services,
        recipients,
        template=template,
        key=key,
        now=now,
        context=context,
        buttons=buttons,
    )
    return [user_id for user_id, _ in recipients]
