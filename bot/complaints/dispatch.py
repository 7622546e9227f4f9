"""The dispatch centre (指挥中心): who rules on a zone's cases that nobody else can take.

A seam shared by the dispatch centre and the escalation ladder: both ask `dispatchers_for`.
Until the dispatcher role exists, the town's admins rule.
"""

from __future__ import annotations

from bot.people.roles import admin_ids
from bot.runtime.services import Services


async def dispatchers_for(services: Services, zone_id: int | None) -> list[int]:
    """Who rules on a case of `zone_id` (None: town-wide): user ids, sorted."""
    return await admin_ids(services)
