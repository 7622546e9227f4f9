"""The one error handler: log, tell the user something went wrong, re-raise in tests.

An update whose handler had already committed its action (`bot.runtime.commits`) is never called a
failure: the user is told it is saved, with its number.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError

from bot.core.render import pick_language
from bot.runtime.services import MinhuContext
from storage import people

log = logging.getLogger(__name__)


class HandlerCrashed(RuntimeError):
    """Raised in tests when a handler failed, so a broken handler cannot pass."""


async def _blocked(update: object, context: MinhuContext, error: Forbidden) -> None:
    """The user blocked the bot (or it may not write there): mark them; nothing to send."""
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is not None and chat.type == chat.PRIVATE:
        await people.mark_blocked(context.services.db, chat.id, context.services.clock.now())
        log.info("%s blocked the bot (%s); nothing more is sent to them", chat.id, error.message)
    else:
        log.info("chat %s refused a message (%s)", chat.id if chat else "?", error.message)


async def note_start(update: Update, context: MinhuContext) -> None:
    """The first handler group, for every update: where its writes start counting, so that an
    error after one of them is not called a failure (`bot.runtime.commits`)."""
    context.services.commits.begin(update.update_id)


async def on_error(update: object, context: MinhuContext) -> None:
    """Log the failure and give the user an answer."""
    error = context.error
    if isinstance(error, Forbidden):
        await _blocked(update, context, error)
        return
    log.error("error while handling an update", exc_info=error)
    services = context.services
    if isinstance(update, Update) and update.effective_chat is not None:
        user = update.effective_user
        person = await people.get(services.db, user.id) if user else None
        lang = person.language if person else pick_language(user.language_code if user else None)
        record = services.commits.of(update.update_id)
        text = (
            services.renderer.render(lang, "common.error_after_commit", record=record or "")
            if services.commits.saved(update.update_id)
            else services.renderer.render(lang, "common.error")
        )
        try:
            await context.bot.send_message(
                update.effective_chat.id, text, parse_mode=ParseMode.HTML
            )
        except TelegramError:
            log.warning("could not tell the user about the error")
    if services.raise_errors:
        services.crashes.append(error)
        raise HandlerCrashed("a handler failed; see the log above") from error
