"""Command menus per role, set with setMyCommands scopes.

Menus are a convenience: a server that does not support them (or a failure) is logged and
never stops the bot. What a user may do is always checked by the handlers themselves.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application

from bot.core.render import LANGUAGES
from bot.people.roles import role_names
from bot.runtime.services import services_of
from storage import people

log = logging.getLogger(__name__)

RESIDENT_COMMANDS = (
    "report",
    "my",
    "nearby",
    "meetings",
    "reception",
    "services",
    "appointments",
    "volunteer",
    "points",
    "clock",
    "family",
    "settings",
    "link",
    "mediate",
    "mediations",
    "help",
    "mydata",
    "deleteme",
    "cancel",
)
# The resident's reply keyboard (handlers/kit/menu.py): large buttons for people who do not
# type commands. A press arrives as the button's words, so the words live here, once, for the
# keyboard and for the filters that take them; each opens the command of the same name.
KEYBOARD: tuple[tuple[str, ...], ...] = (
    ("report", "my"),
    ("nearby", "meetings"),
    ("reception", "services"),
    ("points", "settings"),
    ("help",),
)
KEYBOARD_LABELS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "report": "📝 反映问题",
        "my": "📋 我的诉求",
        "nearby": "📍 附近",
        "meetings": "🏛 议事会",
        "reception": "🗓 接待日",
        "services": "🧭 身边服务",
        "points": "🙋 志愿积分",
        "settings": "⚙️ 设置",
        "help": "❓ 帮助",
    },
    "en": {
        "report": "📝 Report a problem",
        "my": "📋 My reports",
        "nearby": "📍 Nearby",
        "meetings": "🏛 Meetings",
        "reception": "🗓 Reception days",
        "services": "🧭 Services near me",
        "points": "🙋 Volunteer points",
        "settings": "⚙️ Settings",
        "help": "❓ Help",
    },
}


def keyboard_labels(name: str) -> list[str]:
    """The words of the keyboard's button for command `name`, in every language."""
    return [labels[name] for labels in KEYBOARD_LABELS.values()]


ROLE_COMMANDS: dict[str, tuple[str, ...]] = {
    "admin": (
        "inbox",
        "case",
        "complaint",
        "stats",
        "grant",
        "revoke",
        "broadcast",
        "broadcasts",
        "newmeeting",
        "meeting",
        "checkin",
        "meetingresult",
        "assign",
        "assignments",
        "bulletin",
        "board",
        "dashboard",
        "hide",
        "proxy",
        "servicepoint",
        "newactivity",
        "activity",
        "catalogue",
        "correct",
        "redeem",
        "visits",
    ),
    "grid_worker": (
        "inbox",
        "case",
        "proxy",
        "patrol",
        "visit",
        "household",
        "visits",
        "tasks",
        "hide",
        "newactivity",
        "activity",
    ),
    "department": ("inbox", "case", "proxy", "tasks", "hide"),
    "representative": ("tasks", "suggest"),
    "dispatcher": ("board", "dashboard", "proxy", "hide", "visits"),
}


def commands_for(roles: list[str]) -> list[str]:
    """The commands a user with these roles sees, in menu order."""
    names = list(RESIDENT_COMMANDS)
    for role in roles:
        names.extend(c for c in ROLE_COMMANDS.get(role, ()) if c not in names)
    return names


def _bot_commands(
    app: Application[Any, Any, Any, Any, Any, Any], lang: str, names: list[str]
) -> list[BotCommand]:
    renderer = services_of(app).renderer
    return [BotCommand(name, renderer.render(lang, f"menu.{name}")) for name in names]


async def set_default_menus(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The resident menu for every private chat, in Chinese and English; staff menus too."""
    try:
        for lang in LANGUAGES:
            await app.bot.set_my_commands(
                _bot_commands(app, lang, list(RESIDENT_COMMANDS)),
                scope=BotCommandScopeAllPrivateChats(),
                language_code=None if lang == "zh-CN" else "en",
            )
    except TelegramError as exc:
        log.warning("could not set the default command menu (%s); continuing", exc)
        return
    services = services_of(app)
    staff = set(await people.staff_user_ids(services.db)) | set(services.settings.admin_ids)
    for user_id in sorted(staff):
        await refresh_menu(app, user_id)


async def refresh_menu(
    app: Application[Any, Any, Any, Any, Any, Any], user_id: int, *, roles_changed: bool = False
) -> None:
    """Set one user's menu from their roles and language (failures are only logged).

    People without roles keep the default menu; theirs is only deleted when their roles
    changed (a revoke), so registering costs no extra request.
    """
    services = services_of(app)
    person = await people.get(services.db, user_id)
    if person is None:
        return  # Telegram knows no chat with someone who never opened the bot
    roles = await role_names(services, user_id)
    lang = person.language
    try:
        if roles:
            await app.bot.set_my_commands(
                _bot_commands(app, lang, commands_for(roles)),
                scope=BotCommandScopeChat(user_id),
            )
        elif roles_changed:
            await app.bot.delete_my_commands(scope=BotCommandScopeChat(user_id))
    except TelegramError as exc:
        log.info("could not set the command menu of %s (%s)", user_id, exc)
