"""People in the chat: /start, /settings, /mydata, /deleteme, /grant, /revoke."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.people import admin, onboarding, privacy, settings

COMMANDS = ("start", "settings", "mydata", "deleteme", "grant", "revoke")


def handlers() -> list[BaseHandler]:
    """This capability's handlers, in the order they are registered."""
    return [
        *onboarding.handlers(),
        *settings.handlers(),
        *privacy.handlers(),
        *admin.handlers(),
    ]
