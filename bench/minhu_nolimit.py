"""`minhu run` without python-telegram-bot's AIORateLimiter (benchmark only).

`minhu run` always installs AIORateLimiter, which holds every chat request to 30/s on the
bot's side; with the emulator's limits off this variant measures what the handlers,
storage and update processing can do on their own. Same environment as `minhu run`.
"""

from __future__ import annotations

from telegram import Update

from bot.app import build_application
from bot.config import load_settings
from bot.logs import setup_logging


def main() -> None:
    """Build Minhu exactly like `minhu run`, minus the rate limiter, and poll."""
    settings = load_settings()
    setup_logging(settings.token)
    app = build_application(settings, rate_limit=False)
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
