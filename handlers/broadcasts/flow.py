"""What the /broadcast conversation's steps share (handlers.broadcasts.audience picks who gets
it, handlers.broadcasts.compose takes the words, previews and sends): states, button prefix, the
admin check, the draft in the admin's data, and the question for the words, reached both when the
audience is chosen and from the preview's edit button.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.broadcasts.rules import MAX_CAPTION, MAX_TEXT
from bot.people.roles import has_role
from bot.runtime.services import MinhuContext
from handlers.kit.common import answer, cancel_row, keyboard, language_of, say

PREFIX = "bc"  # every button of /broadcast and /broadcasts: bc:<step>[:<value>]
Step = Callable[[Update, MinhuContext, dict[str, Any]], Coroutine[Any, Any, int]]


class State(IntEnum):
    AUDIENCE = 30
    ZONE = 31
    COMMUNITY = 32
    GRID = 33
    ROLE = 34
    MEETING = 35
    TEXT = 36
    URGENCY = 37
    CONFIRM = 38


async def is_admin(update: Update, context: MinhuContext) -> bool:
    """Whether the user behind this update is an admin (checked on the server, every time)."""
    user = update.effective_user
    return user is not None and await has_role(context.services, user.id, "admin")


def _draft(context: MinhuContext) -> dict[str, Any] | None:
    draft = context.user_data.get("broadcast") if context.user_data is not None else None
    return draft if isinstance(draft, dict) else None


def with_draft(step: Step) -> Callable[[Update, MinhuContext], Coroutine[Any, Any, int]]:
    """Give a step the admin's draft; without one (an admin who never registered loses it in
    a restart: only people's data is persisted) the admin is asked to start again."""

    @functools.wraps(step)
    async def run(update: Update, context: MinhuContext) -> int:
        draft = _draft(context)
        if draft is None:
            await answer(update, context)
            await say(update, context, "broadcast.expired")
            return ConversationHandler.END
        return await step(update, context, draft)

    return run


async def ask_text(update: Update, context: MinhuContext) -> int:
    """Ask for the announcement: words, or one photo with a caption."""
    lang = await language_of(update, context)
    await say(
        update,
        context,
        "broadcast.ask_text",
        markup=keyboard([cancel_row(context, lang, PREFIX)]),
        max=MAX_TEXT,
        max_caption=MAX_CAPTION,
    )
    return State.TEXT
