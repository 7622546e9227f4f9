"""What the /meetingresult conversation's steps share (handlers.meetings.result records the
result, handlers.meetings.result_assign hands its decisions on): states, button prefix, the task."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.people.roles import has_role
from bot.runtime.services import MinhuContext
from handlers.kit.common import answer, say, t

PREFIX = "mr"
RESULT = "meeting_result"  # user_data: {"id", "summary", "decisions", "attendance", ...}
Task = dict[str, Any]
Callback = Callable[[Update, MinhuContext], Coroutine[Any, Any, int | None]]


class State(IntEnum):
    SUMMARY = 80
    DECISIONS = 81
    ATTENDANCE = 82
    CONFIRM = 83
    ASSIGN_LIST = 84
    ASSIGN_KIND = 85
    ASSIGN_TARGET = 86
    ASSIGN_DUE = 87


def task_of(context: MinhuContext) -> dict[str, Any] | None:
    """The meeting whose result is being recorded, and what was typed so far."""
    found = context.user_data.get(RESULT) if context.user_data is not None else None
    return found if isinstance(found, dict) else None


def last_value(update: Update) -> str:
    """The part of the pressed button's data after the last colon."""
    assert update.callback_query is not None
    return (update.callback_query.data or "").rsplit(":", 1)[-1]


def row(context: MinhuContext, lang: str, key: str, data: str) -> list[tuple[str, str]]:
    """One button of this conversation."""
    return [(t(context, lang, key), f"{PREFIX}:{data}")]


async def expired(update: Update, context: MinhuContext) -> int:
    """The task is gone (a restart for an admin who never registered): start again."""
    await answer(update, context)
    await say(update, context, "meetings.draft_expired")
    return ConversationHandler.END


def step(fn: Callable[[Update, MinhuContext, Task], Coroutine[Any, Any, int | None]]) -> Callback:
    """A step of the conversation: the admin role is checked again on the server (it may
    have been revoked meanwhile), and the task is handed over (without one, start again)."""

    @functools.wraps(fn)
    async def run(update: Update, context: MinhuContext) -> int | None:
        user = update.effective_user
        if user is None or not await has_role(context.services, user.id, "admin"):
            if context.user_data is not None:
                context.user_data.pop(RESULT, None)
            await answer(update, context)
            await say(update, context, "common.not_allowed")
            return ConversationHandler.END
        task = task_of(context)
        if task is None:
            return await expired(update, context)
        return await fn(update, context, task)

    return run
