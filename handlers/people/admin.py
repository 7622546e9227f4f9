"""Admin commands in the chat: /grant and /revoke (every call checks the role on the server)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.people.roles import has_role
from bot.runtime.menus import refresh_menu
from bot.runtime.services import MinhuContext
from handlers.kit.common import say
from storage import geo, people
from storage.models import ROLES


async def _require_admin(update: Update, context: MinhuContext) -> bool:
    user = update.effective_user
    if user is None or not await has_role(context.services, user.id, "admin"):
        await say(update, context, "common.not_allowed")
        return False
    return True


async def grant(update: Update, context: MinhuContext) -> None:
    """/grant ROLE USER_ID [GRID_OR_DEPARTMENT_CODE] [NAME]."""
    if not await _require_admin(update, context):
        return
    args = context.args or []
    services = context.services
    if len(args) < 2 or args[0] not in ROLES or not args[1].isdigit():
        await say(update, context, "admin.grant_usage", roles=ROLES)
        return
    role, user_id = args[0], int(args[1])
    code = args[2] if len(args) > 2 else ""
    name = " ".join(args[3:])[:64]
    grid_id = department_id = None
    if role == "grid_worker":
        grid_id = await geo.grid_id_by_code(services.db, code)
    if role == "department":
        department_id = await geo.department_id_by_code(services.db, code)
    if (role == "grid_worker" and grid_id is None) or (
        role == "department" and department_id is None
    ):
        await say(update, context, "admin.unknown_code", code=code, role=role)
        return
    assert update.effective_user is not None
    added = await people.grant(
        services.db,
        user_id,
        role,
        services.clock.now(),
        grid_id=grid_id,
        department_id=department_id,
        display_name=name,
        granted_by=f"telegram:{update.effective_user.id}",
    )
    await refresh_menu(context.application, user_id, roles_changed=True)
    await say(update, context, "admin.granted", role=role, user_id=user_id, added=added)


async def revoke(update: Update, context: MinhuContext) -> None:
    """/revoke ROLE USER_ID."""
    if not await _require_admin(update, context):
        return
    args = context.args or []
    if len(args) != 2 or args[0] not in ROLES or not args[1].isdigit():
        await say(update, context, "admin.revoke_usage", roles=ROLES)
        return
    removed = await people.revoke(context.services.db, int(args[1]), args[0])
    await refresh_menu(context.application, int(args[1]), roles_changed=True)
    await say(update, context, "admin.revoked", role=args[0], user_id=args[1], removed=removed)


def handlers() -> list[BaseHandler]:
    """/grant and /revoke."""
    return [CommandHandler("grant", grant), CommandHandler("revoke", revoke)]
