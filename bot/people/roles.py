"""Who may do what: roles come from grants in the database and from configuration."""

from __future__ import annotations

from bot.runtime.services import Services
from storage import people
from storage.models import Role

__all__ = ["Role", "admin_ids", "has_role", "role_names"]


async def role_names(services: Services, user_id: int) -> list[str]:
    """Every role a user holds (admins also come from MINHU_ADMIN_IDS)."""
    names = {g.role for g in await people.roles(services.db, user_id)}
    if user_id in services.settings.admin_ids:
        names.add(Role.ADMIN)
    return sorted(names)


async def has_role(services: Services, user_id: int, role: Role | str) -> bool:
    """Whether a user holds a role."""
    return role in await role_names(services, user_id)


async def admin_ids(services: Services) -> list[int]:
    """Every admin: configured ones and granted ones."""
    granted = await people.admin_user_ids(services.db)
    return sorted(set(services.settings.admin_ids) | set(granted))
