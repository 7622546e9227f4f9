"""Family links (朝夕): a volunteer gives a one-time code, a family member (a grandchild's
parent) accepts it, and the two are linked both ways; points can then be given to a linked
member, or redeemed on their behalf (`bot.points.redeem`)."""

from __future__ import annotations

from bot.points import ledger
from bot.points.rules import (
    GIFT,
    INVITE_VALID,
    Cause,
    Invalid,
    NotAllowed,
    NotFound,
    Stale,
    new_code,
    normal_code,
)
from bot.runtime import notices
from bot.runtime.services import Services
from storage import people
from storage import points as store


async def invite(services: Services, user_id: int) -> str:
    """A one-time code (valid 48 hours) for a family member to accept."""
    if await people.get(services.db, user_id) is None:
        raise NotAllowed("need_start")
    now = services.clock.now()
    async with services.db.transaction() as conn:
        while await store.code_taken(conn, code := new_code(8)):
            pass
        await store.add_invite(conn, code, user_id, now, now + INVITE_VALID)
    return code


async def accept(services: Services, user_id: int, code: str) -> int:
    """Accept a family member's code: the two are linked; the inviter's id."""
    if await people.get(services.db, user_id) is None:
        raise NotAllowed("need_start")
    now = services.clock.now()
    async with services.db.transaction() as conn:
        found = await store.take_invite(conn, normal_code(code), now)
        if found is None:
            raise NotFound("invite")
        inviter, expires, used = found
        if inviter == user_id:
            raise Invalid("own_invite")
        if used or now > expires:
            raise Stale("invite_used")
        await store.link(conn, inviter, user_id, now)
        me = await people.get(services.db, user_id)
        await notices.send(
            conn,
            services,
            [inviter],
            template="points.family_linked",
            key=f"vp:fam:{code}",
            now=now,
            context={"name": me.first_name if me else ""},
        )
    services.delivery.kick_soon()
    return inviter


async def give(services: Services, user_id: int, member_id: int, amount: int, key: str) -> int:
    """Points given to a linked family member (two rows: out and in); the balance left. A
    press with a key used already gives nothing more."""
    if not GIFT[0] <= amount <= GIFT[1]:
        raise Invalid("give_usage")
    if not await store.linked(services.db, user_id, member_id):
        raise NotAllowed("not_family")
    now = services.clock.now()
    async with services.db.transaction() as conn:
        have = await store.balance_in(conn, user_id)
        if not await store.add_entry(conn, member_id, amount, Cause.GIFT_IN, now=now, ref=key):
            return have
        left = await ledger.debit(conn, user_id, amount, Cause.GIFT_OUT, now=now, ref=key)
        giver = await people.get(services.db, user_id)
        await notices.send(
            conn,
            services,
            [member_id],
            template="points.gift_received",
            key=f"vp:gift:{key}",
            now=now,
            context={"points": amount, "name": giver.first_name if giver else ""},
        )
    services.delivery.kick_soon()
    return left
