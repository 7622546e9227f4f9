"""Who hears about a volunteer activity, and when: every message is an outbox row written in
the caller's transaction, keyed "va:<activity>:…" so a retry tells nobody twice.

Keys: announcement va:A:new:U, reminders va:A:rem:sS:MINUTES:U (dropped when the place is
cancelled), promotion from the waiting list va:A:promo:sS:U, points credited va:A:pts:sS:U,
the organiser asked to confirm attendance at the end va:A:due:U (dropped once confirmed), the
activity called off va:A:off:U (every pending row of the activity dropped first).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.points.buttons import CONFIRM, VIEW
from bot.points.rules import REMINDERS
from bot.runtime import notices
from bot.runtime.services import Services
from storage import activities as store
from storage import geo, outbox
from storage.activities import Activity, Signup
from storage.meetings import drop_pending


def key(activity_id: int, *parts: object) -> str:
    """A dedupe key of this activity."""
    return ":".join(["va", str(activity_id), *(str(p) for p in parts)])


async def context_of(services: Services, a: Activity) -> dict[str, Any]:
    """What every activity template may show (JSON-friendly: it is stored with the row)."""
    zone = await geo.zone(services.db, a.zone_id)
    community = await geo.community(services.db, a.community_id) if a.community_id else None
    return {
        "activity_id": a.id,
        "title": a.title,
        "task": a.task,
        "place": a.place,
        "campaign": a.campaign,
        "audience": " · ".join(x.name for x in (zone, community) if x is not None),
        "starts_at": a.starts_at.isoformat(),
        "ends_at": a.ends_at.isoformat(),
        "duration": a.duration_minutes,
        "places": a.places,
        "per_hour": a.points_per_hour,
    }


def view_button(activity_id: int) -> notices.Buttons:
    """The button of a notice that opens the activity's card."""
    return [[("points.btn_view", VIEW.pack(activity_id))]]


async def announce(
    conn: aiosqlite.Connection, services: Services, a: Activity, now: datetime
) -> None:
    """The new activity to its audience (bulk lane; not after it starts)."""
    await notices.send(
        conn,
        services,
        await store.audience(services.db, a),
        template="points.announcement",
        key=key(a.id, "new"),
        now=now,
        context=await context_of(services, a),
        buttons=view_button(a.id),
        lane=outbox.LANE_BULK,
        expires_at=a.starts_at,
    )


async def remind(
    conn: aiosqlite.Connection, services: Services, a: Activity, s: Signup, now: datetime
) -> None:
    """The reminders of one place still ahead (24 h and 1 h before; none after the start)."""
    ctx = await context_of(services, a) | {"code": s.code}
    for before in REMINDERS:
        due = a.starts_at - before
        if due <= now:
            continue
        minutes = int(before.total_seconds() // 60)
        await notices.send(
            conn,
            services,
            [s.person_id],
            template="points.reminder",
            key=key(a.id, "rem", f"s{s.id}", minutes),
            now=now,
            context=ctx | {"minutes": minutes},
            due_at=due,
            expires_at=a.starts_at,
        )


async def unremind(conn: aiosqlite.Connection, a: Activity, s: Signup) -> None:
    """A cancelled place's reminders are dropped."""
    await drop_pending(conn, key(a.id, "rem", f"s{s.id}") + ":", "place cancelled")


async def promoted(
    conn: aiosqlite.Connection, services: Services, a: Activity, s: Signup, now: datetime
) -> None:
    """The first on the waiting list got a place: told at once, reminded later."""
    await notices.send(
        conn,
        services,
        [s.person_id],
        template="points.promoted",
        key=key(a.id, "promo", f"s{s.id}"),
        now=now,
        context=await context_of(services, a) | {"code": s.code},
        buttons=view_button(a.id),
    )
    await remind(conn, services, a, s, now)


async def credited(
    conn: aiosqlite.Connection,
    services: Services,
    a: Activity,
    s: Signup,
    points: int,
    balance: int,
    now: datetime,
) -> None:
    """A volunteer hears the hours confirmed and the points credited."""
    await notices.send(
        conn,
        services,
        [s.person_id],
        template="points.credited",
        key=key(a.id, "pts", f"s{s.id}"),
        now=now,
        context=await context_of(services, a)
        | {"minutes": s.minutes, "points": points, "balance": balance},
    )


async def ask_to_confirm(
    conn: aiosqlite.Connection, services: Services, a: Activity, now: datetime
) -> None:
    """At the end, the organiser is asked to confirm attendance (with the button)."""
    await notices.send(
        conn,
        services,
        [a.created_by],
        template="points.confirm_due",
        key=key(a.id, "due"),
        now=now,
        context=await context_of(services, a),
        buttons=[[("points.btn_confirm", CONFIRM.pack(a.id))]],
        due_at=a.ends_at,
    )


async def confirmed(conn: aiosqlite.Connection, a: Activity) -> None:
    """Attendance is confirmed: the organiser's pending request goes."""
    await drop_pending(conn, key(a.id, "due") + ":", "confirmed")


async def called_off(
    conn: aiosqlite.Connection,
    services: Services,
    a: Activity,
    people: list[int],
    now: datetime,
) -> None:
    """The activity is called off: whatever of it was still to be sent (announcements,
    reminders, promotions, the request to confirm) is dropped, and everyone who had a place or
    was waiting is told at once."""
    for part in ("new", "rem", "promo", "due"):
        await drop_pending(conn, key(a.id, part) + ":", "activity cancelled")
    await notices.send(
        conn,
        services,
        people,
        template="points.called_off",
        key=key(a.id, "off"),
        now=now,
        context=await context_of(services, a),
    )
