"""/visits (grid workers, dispatchers, admins): home-visit coverage this month, per grid they
may see — households, visits and the share of time on cadence; no household's name."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.runtime.services import MinhuContext
from bot.visits import service as visits
from handlers.kit.common import say


async def show(update: Update, context: MinhuContext) -> None:
    """The coverage lines, or "not allowed" for anyone else."""
    assert update.effective_user is not None
    rows = await visits.coverage_view(context.services, update.effective_user.id)
    if rows is None:
        await say(update, context, "common.not_allowed")
        return
    if not rows:
        await say(update, context, "visits.none")
        return
    await say(update, context, "visits.coverage", rows=rows)


def handlers() -> list[BaseHandler]:
    return [CommandHandler("visits", show)]
