"""The dialect row's statements as SQLAlchemy Core constructs ("carrying the dialect"): each
built on every call from the statement's parameters, as a storage function written with Core
would, PostgreSQL's forms (ON CONFLICT, FOR UPDATE SKIP LOCKED) from the postgresql dialect's
constructs. The tables are reflected from the database once at start; a port would declare
them in Python instead (the row's census counts what that is). Each builder answers
(construct, parameters): parameters for an executemany's rows, None when the values are in
the construct."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import MetaData, exists, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

TABLES = (
    "people",
    "ptb_conversations",
    "submissions",
    "counters",
    "complaints",
    "complaint_photos",
    "complaint_events",
    "outbox",
    "inbound_updates",
    "chat_leases",
)
Built = tuple[Any, dict[str, Any] | None]


async def builders(engine: AsyncEngine) -> dict[str, Callable[..., Built]]:
    """Key → a function of the statement's parameters answering (construct, parameters)."""
    meta = MetaData()
    async with engine.connect() as conn:
        await conn.run_sync(lambda sync: meta.reflect(sync, only=list(TABLES)))
    people, conv, subs, counters, comp, photos, events, out, inbound, leases = (
        meta.tables[name] for name in TABLES
    )

    def people_get(uid: int) -> Built:
        return select(people).where(people.c.id == uid), None

    def conversations_of(like: str, exact: str) -> Built:
        c = conv.c
        return select(c.name, c.key, c.state).where(or_(c.key.like(like), c.key == exact)), None

    def lock(space: int, key: str) -> Built:
        return select(func.pg_advisory_xact_lock(space, func.hashtext(key))), None

    def find(key: str) -> Built:
        return select(subs.c.kind, subs.c.record_id).where(subs.c.key == key), None

    def counter_upsert(name: str, first: int) -> Built:
        made = pg_insert(counters).values(name=name, value=first)
        return made.on_conflict_do_update(
            index_elements=[counters.c.name], set_={"value": counters.c.value + 1}
        ), None

    def counter_read(name: str) -> Built:
        return select(counters.c.value).where(counters.c.name == name), None

    def complaint_insert(*v: Any) -> Built:
        names = (
            "number",
            "kind",
            "category_id",
            "grid_id",
            "reporter_id",
            "anonymous",
            "description",
            "address",
            "latitude",
            "longitude",
            "department_id",
            "parent_id",
            "created_at",
            "updated_at",
        )
        values = dict(zip(names, v, strict=True)) | {"status": "submitted"}
        return insert(comp).values(**values).returning(comp.c.id), None

    def photo(complaint_id: int, file_id: str, unique_id: str, position: int) -> Built:
        return insert(photos), {
            "complaint_id": complaint_id,
            "file_id": file_id,
            "file_unique_id": unique_id,
            "position": position,
        }

    def event(complaint_id: int, at: str, actor: int) -> Built:
        return insert(events).values(
            complaint_id=complaint_id,
            at=at,
            actor_id=actor,
            kind="submitted",
            to_status="submitted",
        ), None

    def record(key: str, kind: str, record_id: int, at: str) -> Built:
        return insert(subs).values(key=key, kind=kind, record_id=record_id, created_at=at), None

    def enqueue(*v: Any) -> Built:
        names = (
            "chat_id",
            "lane",
            "kind",
            "template",
            "context",
            "due_at",
            "expires_at",
            "dedupe_key",
            "broadcast_id",
            "created_at",
        )
        return pg_insert(out).values(
            **dict(zip(names, v, strict=True))
        ).on_conflict_do_nothing(), None

    def save(name: str, key: str, state: str) -> Built:
        made = pg_insert(conv)
        upsert = made.on_conflict_do_update(
            index_elements=[conv.c.name, conv.c.key], set_={"state": made.excluded.state}
        )
        return upsert, {"name": name, "key": key, "state": state}

    def claim_key(claimer: str, at: str, dedupe_key: str, now: str) -> Built:
        c = out.c
        return update(out).where(
            c.dedupe_key == dedupe_key, c.state == "pending", c.due_at <= now
        ).values(state="sending", claimed_by=claimer, claimed_at=at).returning(
            c.id, c.chat_id, c.lane, c.kind, c.template, c.context, c.attempts
        ), None

    def finish(state: str, error: str | None, _: str, at: str, item_id: int) -> Built:
        sent_at = at if state == "sent" else out.c.sent_at
        return update(out).where(out.c.id == item_id).values(
            state=state, attempts=out.c.attempts + 1, last_error=error, sent_at=sent_at
        ), None

    def store(update_id: int, chat_key: str, body: str, at: str) -> Built:
        return pg_insert(inbound).values(
            update_id=update_id, chat_key=chat_key, body=body, received_at=at
        ).on_conflict_do_nothing(), None

    def lease_insert(chat_key: str) -> Built:
        return pg_insert(leases).values(chat_key=chat_key).on_conflict_do_nothing(), None

    def claim(worker: str, until: float, now: float, _: str, limit: int) -> Built:
        lease, waiting = leases.alias("l"), inbound.alias("u")
        has_updates = exists().where(
            waiting.c.chat_key == lease.c.chat_key, waiting.c.done_at.is_(None)
        )
        pick = (
            select(lease.c.chat_key)
            .where(or_(lease.c.lease_until < now, lease.c.worker == worker), has_updates)
            .order_by(lease.c.chat_key)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return update(leases).where(leases.c.chat_key.in_(pick)).values(
            worker=worker, lease_until=until
        ).returning(leases.c.chat_key), None

    def renew(until: float, chat_key: str, worker: str, now: float) -> Built:
        c = leases.c
        return update(leases).where(
            c.chat_key == chat_key, c.worker == worker, c.lease_until >= now
        ).values(lease_until=until), None

    def take(chat_key: str) -> Built:
        oldest = inbound.alias("n")
        first = (
            select(oldest.c.update_id)
            .where(oldest.c.chat_key == chat_key, oldest.c.done_at.is_(None))
            .order_by(oldest.c.update_id)
            .limit(1)
            .scalar_subquery()
        )
        c = inbound.c
        return update(inbound).where(c.update_id == first).values(
            attempts=c.attempts + 1
        ).returning(c.update_id, c.body, c.attempts), None

    def done(at: str, update_id: int, chat_key: str, worker: str) -> Built:
        held = exists().where(leases.c.chat_key == chat_key, leases.c.worker == worker)
        c = inbound.c
        return update(inbound).where(c.update_id == update_id, c.done_at.is_(None), held).values(
            done_at=at, body=""
        ), None

    return {
        "people.get": people_get,
        "conversations_of": conversations_of,
        "submission.lock": lock,
        "submission.find": find,
        "counter.upsert": counter_upsert,
        "counter.read": counter_read,
        "complaint.insert": complaint_insert,
        "photos.insert": photo,
        "event.insert": event,
        "submission.record": record,
        "outbox.enqueue": enqueue,
        "state.save": save,
        "outbox.claim_key": claim_key,
        "outbox.finish": finish,
        "update.store": store,
        "lease.insert": lease_insert,
        "chat.claim": claim,
        "lease.renew": renew,
        "update.next": take,
        "update.done": done,
    }
