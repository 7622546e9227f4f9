"""Who in charge can be reached: the units (grids, departments, categories) whose complaints
would reach nobody, warned about at start-up and in /stats (the rule: `storage.reach`)."""

from __future__ import annotations

import logging

from bot.people.roles import admin_ids
from bot.runtime.services import Services
from storage import reach

log = logging.getLogger(__name__)

SHOWN = 15  # names of each kind listed; the rest are counted


async def unreachable(services: Services) -> reach.Unreachable:
    """The units with nobody reachable, and whether any admin is."""
    return await reach.unreachable(services.db, await admin_ids(services))


async def log_at_start(services: Services) -> reach.Unreachable:
    """One warning naming the units whose complaints would reach nobody in charge."""
    found = await unreachable(services)
    if not found.admins:
        log.warning("no admin has opened the bot: complaints nobody else can take reach nobody")
    for kind, names in (
        ("grids", found.grids),
        ("departments", found.departments),
        ("categories", found.categories),
    ):
        if names:
            more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
            log.warning(
                "%s with nobody reachable (no staff with the role has opened the bot): %s%s",
                kind,
                ", ".join(names[:SHOWN]),
                more,
            )
    return found
