"""/dashboard: a staff member's one-time link to the command centre's screen; for admins,
`/dashboard kiosk NAME` (a wall screen's link), `/dashboard kiosks` and
`/dashboard revoke NUMBER`. Who may, and how much they see, is `bot.dashboard.access`."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.dashboard import access
from bot.dashboard.access import Refused
from bot.runtime.services import MinhuContext
from handlers.kit.common import say
from handlers.kit.refusals import refuse
from storage import geo


async def _zone_names(context: MinhuContext, zones: tuple[int, ...] | None) -> str:
    if zones is None:
        return ""
    return "、".join(z.name for z in await geo.zones(context.services.db) if z.id in zones)


async def open_screen(update: Update, context: MinhuContext) -> None:
    """/dashboard [kiosk NAME | kiosks | revoke NUMBER]."""
    user = update.effective_user
    assert user is not None
    services = context.services
    db, settings, now = services.db, services.settings, services.clock.now()
    if settings.web_port is None and not settings.web_url:
        await say(update, context, "dashboard.off")
        return
    args = context.args or []
    try:
        if not args:
            url = await access.issue_link(db, settings, user.id, now)
            zones = await access.staff_zones(db, settings, user.id)
            await say(
                update,
                context,
                "dashboard.link",
                url=url,
                minutes=int(access.LINK_LIFE.total_seconds() // 60),
                hours=int(access.SESSION_LIFE.total_seconds() // 3600),
                zones=await _zone_names(context, zones),
            )
        elif args[0] == "kiosk":
            label = " ".join(args[1:]).strip()
            kiosk_id, url = await access.issue_kiosk(db, settings, user.id, label, now)
            zones = await access.staff_zones(db, settings, user.id)
            await say(
                update,
                context,
                "dashboard.kiosk_made",
                id=kiosk_id,
                url=url,
                label=label[:60],
                zones=await _zone_names(context, zones),
            )
        elif args[0] == "kiosks":
            found = await access.kiosks(db, settings, user.id)
            await say(update, context, "dashboard.kiosks", kiosks=found)
        elif args[0] == "revoke" and len(args) == 2 and args[1].lstrip("#").isdigit():
            kiosk_id = int(args[1].lstrip("#"))
            done = await access.revoke_kiosk(db, settings, user.id, kiosk_id, now)
            await say(
                update,
                context,
                "dashboard.revoked" if done else "dashboard.not_revoked",
                id=kiosk_id,
            )
        else:
            await say(update, context, "dashboard.usage")
    except Refused as refused:
        await refuse(update, context, refused)


def handlers() -> list[BaseHandler]:
    """/dashboard."""
    return [CommandHandler("dashboard", open_screen)]
