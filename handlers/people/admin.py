"""Admin commands in the chat: /grant and /revoke (every call checks the role on the server;
`bot.people.service` holds the rules, shared with `minhu grant`)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.core.refusals import Refusal
from bot.people import service
from bot.runtime.menus import refresh_menu
from bot.runtime.services import MinhuContext
from handlers.kit.common import say
from handlers.kit.conversation import refuse
from storage.models import ROLES, Role

TOWN_WIDE = ("", "-", "*")  # a dispatcher's or mediator's place in /grant: the whole town
ZONED = (Role.DISPATCHER, Role.MEDIATOR)  # roles granted for a zone (or the town)


def _role_and_user(args: list[str]) -> tuple[Role, int] | None:
    """ROLE USER_ID at the start of the arguments, or None."""
    if len(args) < 2 or args[0] not in ROLES or not args[1].isdigit():
        return None
    return Role(args[0]), int(args[1])


async def grant(update: Update, context: MinhuContext) -> None:
    """/grant ROLE USER_ID [GRID_DEPARTMENT_OR_ZONE_CODE] [NAME] (a dispatcher: a zone or -)."""
    args = context.args or []
    services = context.services
    user = update.effective_user
    try:
        await service.require_admin(services, user.id if user else None)
        assert user is not None
        found = _role_and_user(args)
        if found is None:
            await say(update, context, "admin.grant_usage", roles=ROLES)
            return
        role, user_id = found
        code = args[2] if len(args) > 2 else ""
        added = await service.grant(
            services.db,
            user_id,
            role,
            services.clock.now(),
            grid_code=code if role == Role.GRID_WORKER else None,
            department_code=code if role == Role.DEPARTMENT else None,
            zone_code=code if role in ZONED and code not in TOWN_WIDE else None,
            name=" ".join(args[3:]),
            granted_by=f"telegram:{user.id}",
        )
    except Refusal as refused:
        await refuse(update, context, refused)
        return
    await refresh_menu(context.application, user_id, roles_changed=True)
    await say(update, context, "admin.granted", role=role, user_id=user_id, added=added)


async def revoke(update: Update, context: MinhuContext) -> None:
    """/revoke ROLE USER_ID."""
    args = context.args or []
    user = update.effective_user
    try:
        await service.require_admin(context.services, user.id if user else None)
    except Refusal as refused:
        await refuse(update, context, refused)
        return
    found = _role_and_user(args)
    if found is None or len(args) != 2:
        await say(update, context, "admin.revoke_usage", roles=ROLES)
        return
    role, user_id = found
    removed = await service.revoke(context.services.db, user_id, role)
    await refresh_menu(context.application, user_id, roles_changed=True)
    await say(update, context, "admin.revoked", role=role, user_id=args[1], removed=removed)


def handlers() -> list[BaseHandler]:
    """/grant and /revoke."""
    return [CommandHandler("grant", grant), CommandHandler("revoke", revoke)]
