"""Honour (光荣榜): volunteer hours and the top volunteers per community for a month; only
those who agreed are named, the others are counted."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.runtime.services import Services
from storage import points as store
from storage.points import Honour


async def set_named(services: Services, user_id: int, named: bool) -> bool:
    """A volunteer's choice to be named; False when it was their choice already."""
    if await store.is_named(services.db, user_id) == named:
        return False
    await store.set_named(services.db, user_id, named, services.clock.now())
    return True


def last_month(local_now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the month before `local_now` (a local time)."""
    end = local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (end - timedelta(days=1)).replace(day=1), end


async def roll(services: Services) -> tuple[datetime, list[Honour]]:
    """Last month's honour roll: its first day and one row per community."""
    start, end = last_month(services.clock.now().astimezone(services.settings.tz))
    return start, await store.honour(services.db, start, end)
