"""Dispute mediation as services (no Telegram): open a case, the other side's consent, sessions
with their invitations and reminders, attendance, the outcome, the follow-up (回访).

Every change is one transaction, and whatever anyone hears of it is an outbox row of that
transaction (`bot.runtime.notices.send`): the invitations now, the reminders 24 h and 1 h
before a session (each expiring at the start), the follow-up a month after an agreement
(due then, with its buttons). Who may do what is checked here, every time:
the mediator of the case acts on it; the parties answer; the dispatch centre and admins read
everything and give a case to a mediator; nobody else learns that a case exists.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from bot.complaints.rules import Actor
from bot.complaints.service import actors_for
from bot.mediation import buttons as b
from bot.mediation import rules
from bot.mediation.rules import Bad, Moved, NotYours, Status
from bot.people.roles import admin_ids, role_names
from bot.runtime import notices
from bot.runtime.services import Services
from bot.runtime.submissions import queue_reply
from storage import complaints, dispatch, people, submissions
from storage import mediation as store
from storage.mediation import Mediation, Party, Session
from storage.models import Complaint, Role


class Draft(TypedDict, total=False):
    """/mediate's draft: the form's key, the kind, the other side, what happened."""

    id: str
    kind: str
    other_name: str | None  # None: invited by a link
    summary: str
    complaint_id: int  # opened by staff from a complaint: its reporter is the applicant


@dataclass(frozen=True)
class Opened:
    id: int
    number: str
    invite_code: str | None
    again: bool = False


@dataclass(frozen=True)
class Case:
    """A case as its readers see it."""

    m: Mediation
    parties: list[Party]
    sessions: list[Session]
    mediator_name: str
    is_mediator: bool
    side: str | None  # the reader's side, if they are a party
    candidates: list[tuple[int, str]]  # mediators the reader may give it to (overseers)

    @property
    def other(self) -> Party:
        return next(p for p in self.parties if p.side == "other")


def _now(services: Services) -> datetime:
    return services.clock.now()


async def overseers(services: Services, zone_id: int) -> list[int]:
    """Who hears what needs the dispatch centre: the zone's dispatchers, else the town's,
    else the admins (only those who can be reached)."""
    for found in (
        await dispatch.dispatchers(services.db, zone_id),
        await dispatch.dispatchers(services.db, None),
        await admin_ids(services),
    ):
        reachable = await notices.reachable(services, found)
        if reachable:
            return reachable
    return []


async def from_complaint(services: Services, staff_id: int, number: str) -> Complaint:
    """The complaint staff open a mediation from: one they hold (its grid's workers, its
    department's officers, the dispatch centre, admins), whose reporter is a registered
    resident (the applicant)."""
    found = await complaints.by_number(services.db, number.strip().upper())
    if found is None:
        raise NotYours("no_complaint")
    actors = await actors_for(services, found, staff_id)
    if not actors & {Actor.ADMIN, Actor.ASSIGNEE, Actor.DISPATCHER}:
        raise NotYours("no_complaint")
    if found.reporter_id is None or await people.get(services.db, found.reporter_id) is None:
        raise Bad("no_reporter")
    return found


async def open_case(
    services: Services, applicant_id: int, draft: Draft, *, key: str, bot_username: str = ""
) -> Opened:
    """A resident asks for mediation: the case, both sides (the applicant agrees by asking;
    the other side is asked), the mediator (the zone's with the fewest open cases, else the
    town's), all in one transaction with the answer and the notices."""
    db = services.db
    done = await submissions.find(db, key)
    if done is not None and done.kind == "mediation":
        m = await store.get(db, done.record_id)
        if m is not None and (
            m.opened_by == applicant_id
            or applicant_id in [p.person_id for p in await store.parties(db, m.id)]
        ):
            other = next(p for p in await store.parties(db, m.id) if p.side == "other")
            return Opened(m.id, m.number, other.invite_code, again=True)
    filer, staff_id, complaint = applicant_id, None, None
    if draft.get("complaint_id") is not None:  # staff open it from a complaint they hold
        c = await complaints.get(db, draft["complaint_id"])
        complaint = await from_complaint(services, filer, c.number if c else "")
        staff_id, applicant_id = filer, complaint.reporter_id or 0
    person = await people.get(db, applicant_id)
    if person is None or person.grid_id is None:
        raise NotYours("need_start")
    grid_id = complaint.grid_id if complaint is not None else person.grid_id
    kind = draft.get("kind")
    if kind not in rules.KINDS:
        raise Bad("expired")
    summary = rules.within(draft.get("summary", ""), rules.SUMMARY, "summary")
    other_name = draft.get("other_name")
    if other_name is not None:
        other_name = rules.within(other_name, rules.NAME, "name")
    elif staff_id is not None:
        raise Bad("expired")  # staff name the other side; a link is the resident's to send
    grid = await _grid(services, grid_id)
    chosen = await store.mediators(db, grid)
    mediator_id = chosen[0][0] if chosen else None
    now = _now(services)
    code = None if other_name is not None else secrets.token_urlsafe(9)
    async with db.transaction() as conn:
        if await submissions.find_in(conn, key) is not None:
            raise Moved("expired")
        case_id, number = await store.insert(
            conn,
            grid_id=grid_id,
            kind=kind,
            summary=summary,
            now=now,
            contact_due_at=services.calendar.add_working_days(now, rules.CONTACT_WORKING_DAYS),
            result_due_at=now + timedelta(days=rules.RESULT_DAYS),
            mediator_id=mediator_id,
            opened_by=staff_id,
            complaint_id=complaint.id if complaint is not None else None,
        )
        await store.insert_party(
            conn,
            case_id,
            "applicant",
            person_id=applicant_id,
            name=None,
            consent="accepted",
            consent_by=staff_id or applicant_id,  # the worker who heard them ask, or they
            consent_at=now,
        )
        await store.insert_party(
            conn, case_id, "other", person_id=None, name=other_name, invite_code=code
        )
        await submissions.record(conn, key, "mediation", case_id, now)
        if staff_id is not None:
            await notices.send(
                conn,
                services,
                await notices.reachable(services, [applicant_id]),
                template="mediation.opened_for_you",
                key=f"md:{case_id}:for",
                now=now,
                context={"number": number, "complaint": complaint.number if complaint else ""},
                buttons=[[("mediation.btn_view", b.VIEW.pack(case_id))]],
            )
        await queue_reply(
            conn,
            services,
            filer,
            key=key,
            template="mediation.opened",
            now=now,
            number=number,
            invite_code=code,
            bot=bot_username,
            mediator=mediator_id is not None,
            staff=staff_id is not None,
        )
        about = {"number": number, "kind": kind, "invited": code is not None}
        if mediator_id is not None:
            rows = [] if code else [[("mediation.btn_agreed", b.CONSENT.pack(case_id, 1))]]
            if not code:
                rows.append([("mediation.btn_refused", b.CONSENT.pack(case_id, 0))])
            rows.append([("mediation.btn_view", b.VIEW.pack(case_id))])
            await notices.send(
                conn,
                services,
                [mediator_id],
                template="mediation.new_case",
                key=f"md:{case_id}:new",
                now=now,
                context=about,
                buttons=rows,
            )
        else:
            await notices.send(
                conn,
                services,
                await overseers(services, grid),
                template="mediation.unassigned",
                key=f"md:{case_id}:unassigned",
                now=now,
                context=about,
                buttons=[[("mediation.btn_view", b.VIEW.pack(case_id))]],
            )
    services.delivery.kick_soon()
    return Opened(case_id, number, code)


async def _grid(services: Services, grid_id: int) -> int:
    """The zone of a grid."""
    from storage import geo

    g = await geo.grid(services.db, grid_id)
    assert g is not None
    return g.zone_id


async def invitation(services: Services, user_id: int, code: str) -> tuple[Mediation, Party]:
    """The case a one-time link invites to (not to its own applicant; a spent or unknown code
    is one refusal)."""
    party = await store.party_by_code(services.db, code)
    m = await store.get(services.db, party.mediation_id) if party else None
    if party is None or m is None or m.status != Status.PENDING:
        raise Moved("invite_used")
    applicant = next(p for p in await store.parties(services.db, m.id) if p.side == "applicant")
    if applicant.person_id == user_id:
        raise Bad("own_invite")
    return m, party


async def consent(
    services: Services, user_id: int, mediation_id: int | None, agree: bool, code: str | None
) -> Mediation:
    """The other side's answer: given by them through the invitation (`code`), or recorded by
    the mediator who asked them in person. Once; the applicant and the mediator hear it."""
    db = services.db
    joining: int | None = None
    if code is not None:
        m, other = await invitation(services, user_id, code)
        joining = user_id
    else:
        found = await store.get(db, mediation_id) if mediation_id else None
        if found is None or found.mediator_id != user_id:
            raise NotYours("not_found")
        m = found
        other = next(p for p in await store.parties(db, m.id) if p.side == "other")
        if other.invite_code is not None:
            raise Bad("invited")  # the invited resident answers for themselves
    now = _now(services)
    async with db.transaction() as conn:
        if not await store.set_consent(
            conn, other.id, "accepted" if agree else "declined", by=user_id, at=now,
            person_id=joining,
        ):  # fmt: skip
            raise Moved("answered")
        if agree:
            await store.set_status(conn, m.id, Status.ACTIVE, was=(Status.PENDING,))
        else:
            await store.decline(conn, m.id, now)
        told = await parties_and_mediator(services, m, exclude=user_id)
        await notices.send(
            conn,
            services,
            told,
            template="mediation.consent",
            key=f"md:{m.id}:consent",
            now=now,
            context={"number": m.number, "agree": agree},
            buttons=[[("mediation.btn_view", b.VIEW.pack(m.id))]],
        )
    services.delivery.kick_soon()
    found = await store.get(db, m.id)
    assert found is not None
    return found


async def parties_and_mediator(
    services: Services, m: Mediation, *, exclude: int | None = None
) -> list[int]:
    ids = [p.person_id for p in await store.parties(services.db, m.id) if p.person_id]
    if m.mediator_id is not None:
        ids.append(m.mediator_id)
    return await notices.reachable(services, [i for i in dict.fromkeys(ids) if i != exclude])


async def _oversees(services: Services, user_id: int, zone_id: int) -> bool:
    """Admins, the town's dispatchers and the zone's."""
    if Role.ADMIN in await role_names(services, user_id):
        return True
    town, zones = await dispatch.dispatch_zones(services.db, user_id)
    return town or zone_id in zones


async def read(services: Services, user_id: int, mediation_id: int | None) -> Case:
    """A case for someone allowed to read it; anyone else is told there is none to see."""
    db = services.db
    m = await store.get(db, mediation_id) if mediation_id else None
    if m is None:
        raise NotYours("not_found")
    parties = await store.parties(db, m.id)
    oversees = await _oversees(services, user_id, m.zone_id)
    ids = [p.person_id for p in parties]
    if not rules.may_read(user_id, oversees, parties=ids, mediator_id=m.mediator_id):
        raise NotYours("not_found")
    name = await people.granted_name(db, m.mediator_id) if m.mediator_id else None
    side = next((p.side for p in parties if p.person_id == user_id), None)
    candidates = []
    if oversees and m.status in rules.OPEN:
        found = await store.mediators(db, m.zone_id)
        candidates = [(i, n) for i, n, _ in found if i != m.mediator_id][:5]
    sessions = await store.sessions(db, m.id)
    is_mediator = m.mediator_id == user_id
    return Case(m, parties, sessions, name or "", is_mediator, side, candidates)


async def mine(services: Services, user_id: int) -> tuple[list[Mediation], list[Mediation]]:
    """(cases one is a party of, cases one mediates or oversees)."""
    db = services.db
    own = await store.of_person(db, user_id)
    roles = await role_names(services, user_id)
    work = await store.of_mediator(db, user_id)
    if rules.OVERSEERS & set(roles):
        town, zones = await dispatch.dispatch_zones(db, user_id)
        wide = town or "admin" in roles
        seen = {m.id for m in work}
        for zone in [None] if wide else sorted(zones):
            work += [m for m in await store.of_zone(db, zone) if m.id not in seen]
    return own, work


async def assign(
    services: Services, user_id: int, mediation_id: int | None, mediator_id: int
) -> Mediation:
    """The dispatch centre gives an open case to a mediator (who hears of it)."""
    case = await read(services, user_id, mediation_id)
    if not await _oversees(services, user_id, case.m.zone_id):
        raise NotYours("not_found")
    if case.m.status not in rules.OPEN:
        raise Moved("not_active")
    if mediator_id not in [i for i, _, _ in await store.mediators(services.db, case.m.zone_id)]:
        raise Bad("expired")
    now = _now(services)
    async with services.db.transaction() as conn:
        await store.set_mediator(conn, case.m.id, mediator_id)
        await notices.send(
            conn,
            services,
            [mediator_id],
            template="mediation.new_case",
            key=f"md:{case.m.id}:to{mediator_id}",
            now=now,
            context={"number": case.m.number, "kind": case.m.kind, "invited": False},
            buttons=[[("mediation.btn_view", b.VIEW.pack(case.m.id))]],
        )
    services.delivery.kick_soon()
    return case.m
