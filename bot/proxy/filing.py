"""Filing for someone (代办) and linking it later, as services (no Telegram).

A proxy report is an ordinary /report draft with a `proxy` part (`rules.ProxyDraft`), filed
by `bot.complaints.intake.submit`: the staff member is the complaint's reporter — they hear
each step and relay it — and `record` writes the proxy row in the complaint's own transaction.
When the resident shares their own Telegram contact, `link` hands them every case filed for
that number: the complaint's reporter becomes them, and the staff member who filed it is told
(an outbox row in the same transaction), so the relay stops where the resident takes over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.people.roles import role_names
from bot.proxy import rules
from bot.proxy.rules import ProxyDraft
from bot.runtime import notices
from bot.runtime.services import Services
from bot.visits import rules as visit_rules
from storage import outbox, people
from storage import proxy as store
from storage import visits as visit_store
from storage.codec import from_iso


@dataclass(frozen=True)
class LinkResult:
    numbers: list[str]  # the cases that joined the person's /my now
    registered: bool = True
    households: int = 0  # households on the home-visit register linked to them now


async def may_file(services: Services, user_id: int) -> bool:
    """Whether this person may file for a resident (checked on the server, every time)."""
    return rules.may_file(await role_names(services, user_id))


async def may_submit(services: Services, user_id: int, proxy: ProxyDraft) -> bool:
    """Whether this proxy draft may be filed: its filer still holds a staff role, and the
    resident's consent was recorded by them."""
    consented = proxy.get("consent_by") == user_id and bool(proxy.get("consent_at"))
    return consented and bool(proxy.get("name")) and await may_file(services, user_id)


async def record(
    conn: aiosqlite.Connection, complaint_id: int, proxy: ProxyDraft, filed_by: int, now: datetime
) -> None:
    """The proxy row of a complaint just inserted, in its transaction."""
    consent_at = proxy.get("consent_at")
    consent_by = proxy.get("consent_by")
    assert consent_at is not None and consent_by is not None  # `check` ran
    await store.insert(
        conn,
        complaint_id,
        name=proxy["name"],
        phone=proxy.get("phone"),
        consent_by=consent_by,
        consent_at=from_iso(consent_at),
        filed_by=filed_by,
        now=now,
    )


async def link(
    services: Services, user_id: int, contact_user_id: int | None, phone: str
) -> LinkResult:
    """A person shared a contact: when it is their own (its user id is theirs) and they
    registered, every case filed for its phone number and not linked yet joins their /my, and
    the staff who filed each are told; nothing for someone else's contact or a number with no
    case. Refuses another person's contact (`rules.ProxyRefused`, reason `not_own`)."""
    if contact_user_id != user_id:
        raise rules.ProxyRefused("not_own")
    if await people.get(services.db, user_id) is None:
        return LinkResult([], registered=False)
    number = rules.phone_of(phone)
    if number is None:
        return LinkResult([])
    now = services.clock.now()
    async with services.db.transaction() as conn:
        linked = await store.link_in(conn, number, user_id, now)
        # A household on the home-visit register with this number is theirs too (/mydata);
        # they are told once (the key names the households linked).
        households = await visit_store.link_phone(conn, number, user_id)
        if households:
            await _tell_households(conn, services, user_id, households, now)
        for case in linked:
            if case.filed_by == user_id:
                continue
            await outbox.enqueue(
                conn,
                chat_id=case.filed_by,
                kind="proxy.linked",
                template="proxy.linked",
                context={
                    "language": await notices.language(services, case.filed_by),
                    "number": case.number,
                },
                due_at=now,
                dedupe_key=f"px:{case.complaint_id}:linked",
                now=now,
            )
    return LinkResult([case.number for case in linked], households=len(households))


async def _tell_households(
    conn: aiosqlite.Connection,
    services: Services,
    user_id: int,
    households: list[tuple[int, str, int]],
    now: datetime,
) -> None:
    """One notice: their household(s) on the home-visit register (网格走亲) are linked to them
    — the kind and cadence only; what the worker recorded is in their /mydata."""
    language = await notices.language(services, user_id)
    kinds = services.settings.visit_kinds
    await notices.send(
        conn,
        services,
        [(user_id, language)],
        template="visits.linked",
        key="hl:" + "-".join(str(h[0]) for h in households),
        now=now,
        context={
            "households": [
                {"kind": visit_rules.label_of(kinds, kind, language), "cadence": cadence}
                for _, kind, cadence in households
            ]
        },
    )
