"""A bare python-telegram-bot echo bot: the baseline of `make bench`.

Run as ``python -m tests.bench.echo_bot --token T --base-url URL [--rate-limit] [--buttons]``.
Text messages are echoed; with ``--buttons`` each echo carries an inline button, and a press
is answered and the message edited (one ``answerCallbackQuery`` plus one ``editMessageText``).
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

BUTTON_DATA = "echo:again"


def _markup(context: ContextTypes.DEFAULT_TYPE) -> InlineKeyboardMarkup | None:
    if not context.bot_data.get("buttons"):
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton("again", callback_data=BUTTON_DATA)]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the same text."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    await context.bot.send_message(message.chat_id, message.text, reply_markup=_markup(context))


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the button press and edit the pressed message."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    old = query.message.text if query.message and hasattr(query.message, "text") else ""
    await query.edit_message_text(f"{old or ''} +", reply_markup=_markup(context))


def build(
    token: str, base_url: str, *, rate_limit: bool, buttons: bool
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The echo application (concurrent updates, optional AIORateLimiter)."""
    builder = Application.builder().token(token).base_url(base_url).concurrent_updates(True)
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))
    app = builder.build()
    app.bot_data["buttons"] = buttons
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    return app


def main() -> None:
    """Parse arguments and poll until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--token", required=True)
    parser.add_argument("--base-url", required=True, help="Bot API base, e.g. http://h:p/bot")
    parser.add_argument("--rate-limit", action="store_true", help="use PTB's AIORateLimiter")
    parser.add_argument("--buttons", action="store_true", help="attach an inline button")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    app = build(args.token, args.base_url, rate_limit=args.rate_limit, buttons=args.buttons)
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
