"""/help, and the answers of last resort: unknown commands, stale buttons, stray messages."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.people.roles import role_names
from bot.runtime.menus import commands_for
from bot.runtime.services import MinhuContext
from handlers.kit import menu
from handlers.kit.common import answer, current_person, language_of, say, say_with_keyboard, t


async def help_command(update: Update, context: MinhuContext) -> None:
    """List the commands of the user's roles."""
    user = update.effective_user
    assert user is not None
    roles = await role_names(context.services, user.id)
    person = await current_person(update, context)
    lang = await language_of(update, context)
    commands = [(name, t(context, lang, f"menu.{name}")) for name in commands_for(roles)]
    await say_with_keyboard(
        update,
        context,
        "help.commands",
        await menu.home(update, context),
        commands=commands,
        roles=roles,
        registered=person is not None,
    )


async def cancel_nothing(update: Update, context: MinhuContext) -> None:
    """/cancel when nothing is going on."""
    await say(update, context, "common.nothing_to_cancel")


async def unknown_command(update: Update, context: MinhuContext) -> None:
    """A command we do not have."""
    await say(update, context, "common.unknown_command")


async def stale_button(update: Update, context: MinhuContext) -> None:
    """A button from an old message, or crafted data: answer and change nothing."""
    await answer(update, context, "common.stale_button")


async def stray_message(update: Update, context: MinhuContext) -> None:
    """Text or media outside any conversation."""
    person = await current_person(update, context)
    await say(update, context, "common.stray_message", registered=person is not None)


def handlers() -> list[BaseHandler]:
    """/help and /cancel."""
    return [*menu.command("help", help_command), CommandHandler("cancel", cancel_nothing)]


def last_resort() -> list[BaseHandler]:
    """Registered last: whatever no other handler took."""
    return [
        MessageHandler(filters.COMMAND, unknown_command),
        CallbackQueryHandler(stale_button),
        MessageHandler(filters.ChatType.PRIVATE, stray_message),
    ]
