"""The mediator's work on an active case, as services (no Telegram): sessions with their
invitations and reminders (24 h and 1 h before, each expiring at the start), attendance, the
outcome, and the parties' answers to the follow-up (回访) a month after an agreement. Every
change is one transaction with the outbox rows of whoever hears of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.mediation import buttons as b
from bot.mediation import rules
from bot.mediation.rules import Bad, Moved, NotYours, Status
from bot.mediation.service import Case, parties_and_mediator, read
from bot.runtime import notices
from bot.runtime.services import Services
from storage import mediation as store
from storage.mediation import Mediation, Session


async def _as_mediator(services: Services, user_id: int, mediation_id: int | None) -> Case:
    case = await read(services, user_id, mediation_id)
    if not case.is_mediator:
        raise NotYours("not_mediator")
    return case


async def schedule(
    services: Services,
    user_id: int,
    mediation_id: int | None,
    *,
    starts_at: datetime,
    place: str,
    helpers: str,
) -> Session:
    """The mediator schedules a session of an active case: both parties invited now and
    reminded 24 h and 1 h before (those still ahead), each reminder expiring at the start."""
    case = await _as_mediator(services, user_id, mediation_id)
    if case.m.status != Status.ACTIVE:
        raise Moved("not_active")
    now = services.clock.now()
    if starts_at <= now:
        raise Bad("past")
    place = rules.within(place, rules.PLACE, "place")
    helpers = rules.within(helpers, rules.HELPERS, "helpers")
    m = case.m
    async with services.db.transaction() as conn:
        session_id = await store.insert_session(
            conn, m.id, starts_at=starts_at, place=place, helpers=helpers, now=now
        )
        told = await parties_and_mediator(services, m, exclude=user_id)
        about = {"number": m.number, "starts_at": starts_at.isoformat(), "place": place}
        about["helpers"] = helpers
        await notices.send(
            conn,
            services,
            told,
            template="mediation.session",
            key=f"md:{m.id}:s{session_id}",
            now=now,
            context=about,
        )
        for before in rules.REMINDERS:
            due = starts_at - before
            if due <= now:
                continue
            await _remind(conn, services, [*told, user_id], m, session_id, due, starts_at, about)
    services.delivery.kick_soon()
    found = await store.session(services.db, session_id)
    assert found is not None
    return found


async def _remind(
    conn: aiosqlite.Connection,
    services: Services,
    who: list[int],
    m: Mediation,
    session_id: int,
    due: datetime,
    starts_at: datetime,
    about: dict[str, Any],
) -> None:
    hours = round((starts_at - due).total_seconds() / 3600)
    await notices.send(
        conn,
        services,
        who,
        template="mediation.reminder",
        key=f"md:{m.id}:s{session_id}:r{hours}",
        now=services.clock.now(),
        context=about | {"hours": hours},
        due_at=due,
        expires_at=starts_at,
    )


async def attended(
    services: Services, user_id: int, session_id: int | None, side: str, came: bool
) -> Session:
    """The mediator records whether one side came to a session."""
    s = await store.session(services.db, session_id) if session_id else None
    if s is None:
        raise NotYours("not_found")
    await _as_mediator(services, user_id, s.mediation_id)
    async with services.db.transaction() as conn:
        await store.set_attendance(conn, s.id, side, came)
    found = await store.session(services.db, s.id)
    assert found is not None
    return found


async def close(
    services: Services,
    user_id: int,
    mediation_id: int | None,
    outcome: str,
    *,
    terms: str | None = None,
    photo: str | None = None,
    referral: str | None = None,
    reason: str | None = None,
) -> Mediation:
    """The outcome: 调解成功 / 部分达成 with the terms (and a photo of the signed agreement),
    or 调解不成 with where it is referred and why. The parties hear it; an agreement is followed
    up a month later (an outbox row to each party, due then, with its buttons)."""
    case = await _as_mediator(services, user_id, mediation_id)
    if case.m.status != Status.ACTIVE:
        raise Moved("not_active")
    if outcome in (Status.SUCCEEDED, Status.PARTIAL):
        terms = rules.within(terms or "", rules.TERMS, "terms")
        referral = reason = None
    elif outcome == Status.FAILED:
        if referral not in rules.REFERRALS:
            raise Bad("expired")
        reason = rules.within(reason or "", rules.REASON, "reason")
        terms = photo = None
    else:
        raise Bad("expired")
    m, now = case.m, services.clock.now()
    followup = now + rules.FOLLOWUP if outcome in rules.AGREED else None
    async with services.db.transaction() as conn:
        if not await store.close(
            conn, m.id, outcome, now=now, terms=terms, terms_photo=photo, referral=referral,
            reason=reason, followup_at=followup,
        ):  # fmt: skip
            raise Moved("not_active")
        about = {"number": m.number, "outcome": outcome, "terms": terms}
        about |= {"referral": referral, "reason": reason}
        parties = [p.person_id for p in case.parties if p.person_id]
        reachable = await notices.reachable(services, parties)
        await notices.send(
            conn,
            services,
            reachable,
            template="mediation.closed",
            key=f"md:{m.id}:closed",
            now=now,
            context=about,
        )
        if followup is not None:
            rows = [
                [("mediation.btn_kept", b.KEPT.pack(m.id, 1))],
                [("mediation.btn_broken", b.KEPT.pack(m.id, 0))],
            ]
            await notices.send(
                conn,
                services,
                reachable,
                template="mediation.followup",
                key=f"md:{m.id}:followup",
                now=now,
                context={"number": m.number, "terms": terms},
                buttons=rows,
                due_at=followup,
            )
    services.delivery.kick_soon()
    found = await store.get(services.db, m.id)
    assert found is not None
    return found


async def answer_followup(
    services: Services, user_id: int, mediation_id: int | None, kept: bool
) -> Mediation:
    """A party says whether the agreement is kept (once); the mediator hears it, and a broken
    one counts as a relapse."""
    case = await read(services, user_id, mediation_id)
    party = next((p for p in case.parties if p.person_id == user_id), None)
    if party is None or case.m.status not in rules.AGREED:
        raise NotYours("not_found")
    now = services.clock.now()
    if case.m.followup_at is None or case.m.followup_at > now:
        raise Moved("too_early")
    async with services.db.transaction() as conn:
        if not await store.answer_followup(conn, party.id, kept, now):
            raise Moved("answered")
        if case.m.mediator_id is not None:
            await notices.send(
                conn,
                services,
                await notices.reachable(services, [case.m.mediator_id]),
                template="mediation.followup_answered",
                key=f"md:{case.m.id}:kept:{party.side}",
                now=now,
                context={"number": case.m.number, "kept": kept, "side": party.side},
            )
    services.delivery.kick_soon()
    return case.m
