"""The redemption catalogue and vouchers: admins add items (points, stock, who may redeem,
who checks the vouchers); a resident redeems for themself or a linked family member — one
unit of stock and the points are reserved in ONE transaction, with the pressed card's key, so
two presses at once reserve once — and gets a voucher code; the provider checks it with
/redeem CODE, once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import aiosqlite

from bot.people.roles import Role, has_role
from bot.points import ledger
from bot.points.rules import (
    ITEM_POINTS,
    STOCK,
    TITLE,
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
from storage import geo, people
from storage import points as store
from storage.points import Item, Redemption


@dataclass(frozen=True)
class Redeemed:
    redemption: Redemption
    balance: int
    again: bool  # this press found the redemption an earlier press made


def card_key() -> str:
    """The key an item's card carries to its redeem buttons."""
    return secrets.token_hex(6)


async def require_admin(services: Services, user_id: int) -> None:
    """Checked on the server for every catalogue change and correction."""
    if not await has_role(services, user_id, Role.ADMIN):
        raise NotAllowed("not_admin")


async def add_item(
    services: Services,
    admin_id: int,
    *,
    title: str,
    points: int,
    stock: int,
    zone_code: str | None,
    provider_id: int | None,
) -> int:
    """A catalogue item; its id."""
    await require_admin(services, admin_id)
    if not TITLE[0] <= len(title) <= TITLE[1]:
        raise Invalid("length", field="title", min=TITLE[0], max=TITLE[1])
    if not ITEM_POINTS[0] <= points <= ITEM_POINTS[1] or not STOCK[0] <= stock <= STOCK[1]:
        raise Invalid("catalogue_usage")
    zone_id = None
    if zone_code is not None:
        found = await geo.find_by_code(services.db, zone_code.upper())
        if found is None or found[0] != "zone":
            raise NotFound("audience", code=zone_code)
        zone_id = found[1]
    if provider_id is not None and await people.get(services.db, provider_id) is None:
        raise NotFound("person")  # a mistyped id: nobody could ever take its vouchers
    async with services.db.transaction() as conn:
        return await store.add_item(
            conn,
            title=title,
            points=points,
            stock=stock,
            zone_id=zone_id,
            provider_id=provider_id,
            by=admin_id,
            now=services.clock.now(),
        )


async def zone_of(services: Services, person_id: int) -> int | None:
    """The zone a person lives in (None before they chose a grid)."""
    person = await people.get(services.db, person_id)
    grid = await geo.grid(services.db, person.grid_id) if person and person.grid_id else None
    return grid.zone_id if grid else None


async def may_have(services: Services, item: Item, beneficiary_id: int) -> bool:
    """Whether an item is for this person (anyone, or residents of its zone)."""
    return item.zone_id is None or item.zone_id == await zone_of(services, beneficiary_id)


async def _fresh_code(conn: aiosqlite.Connection) -> str:
    while await store.code_taken(conn, code := new_code(8)):
        pass
    return code


async def redeem(
    services: Services, user_id: int, item_id: int, beneficiary_id: int, key: str
) -> Redeemed:
    """Points and one unit of stock reserved together, a voucher given; a press with a key
    used already gives back that voucher and reserves nothing."""
    db, now = services.db, services.clock.now()
    if beneficiary_id != user_id and not await store.linked(db, user_id, beneficiary_id):
        raise NotAllowed("not_family")
    async with db.transaction() as conn:
        done = await store.redemption_by_key(conn, key)
        if done is not None:
            if done.person_id != user_id:
                raise NotFound("not_found")
            return Redeemed(done, await store.balance_in(conn, user_id), again=True)
        item = await store.item_in(conn, item_id)
        if item is None or not item.active:
            raise NotFound("not_found")
        if not await may_have(services, item, beneficiary_id):
            raise NotAllowed("not_for_you")
        if not await store.take_stock(conn, item.id):
            raise Stale("out_of_stock")
        code = await _fresh_code(conn)
        redemption_id = await store.add_redemption(
            conn,
            key=key,
            item_id=item.id,
            person_id=user_id,
            beneficiary_id=beneficiary_id,
            points=item.points,
            code=code,
            now=now,
        )
        left = await ledger.debit(
            conn,
            user_id,
            item.points,
            Cause.REDEEM,
            now=now,
            ref=str(redemption_id),
            note=item.title,
        )
        made = await store.redemption_by_key(conn, key)
        assert made is not None
        if beneficiary_id != user_id:
            giver = await people.get(db, user_id)
            await notices.send(
                conn,
                services,
                [beneficiary_id],
                template="points.voucher_for_you",
                key=f"vp:v{redemption_id}",
                now=now,
                context={
                    "title": item.title,
                    "code": code,
                    "giver": giver.first_name if giver else "",
                },
            )
    services.delivery.kick_soon()
    return Redeemed(made, left, again=False)


async def check_voucher(services: Services, user_id: int, code: str) -> Redemption:
    """The provider (or an admin) takes a voucher: valid once."""
    now = services.clock.now()
    async with services.db.transaction() as conn:
        found = await store.redemption_by_code(conn, normal_code(code))
        if found is None:
            raise NotFound("voucher")
        if found.provider_id != user_id and not await has_role(services, user_id, Role.ADMIN):
            raise NotAllowed("not_provider")
        if not await store.use_voucher(conn, found.code, user_id, now):
            raise Stale("voucher_used", used_at=found.used_at.isoformat() if found.used_at else "")
    return found


async def correct(services: Services, admin_id: int, person_id: int, amount: int, note: str) -> int:
    """An admin's correction (+ or −) as a new ledger row; the balance after it."""
    await require_admin(services, admin_id)
    if amount == 0 or not note.strip():
        raise Invalid("correct_usage")
    if await people.get(services.db, person_id) is None:
        raise NotFound("person")
    async with services.db.transaction() as conn:
        return await ledger.correct(
            conn,
            person_id,
            amount,
            now=services.clock.now(),
            note=note.strip()[:200],
            by_id=admin_id,
        )
