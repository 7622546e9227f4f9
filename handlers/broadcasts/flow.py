"""What the /broadcast conversation's steps share (handlers.broadcasts.audience picks who gets
it, handlers.broadcasts.compose takes the words, previews and sends): its states, its draft in
the admin's data and the step decorator that gives it, the admin check, and the question for
the words, reached both when the audience is chosen and from the preview's edit button.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, TypedDict

from telegram import Update

from bot.broadcasts.buttons import CANCEL
from bot.broadcasts.rules import MAX_CAPTION, MAX_TEXT
from bot.people.roles import Role
from bot.runtime.services import MinhuContext
from handlers.kit.conversation import ask, draft_step, holds_role

SLOT = "broadcast"  # the draft's key in the admin's data


# The steps of /broadcast, 500–549 (numbered from 30 before issue 13: `renumbered` moves a
# conversation saved under an old number to its new one).
State = IntEnum(
    "State", "AUDIENCE ZONE COMMUNITY GRID ROLE MEETING TEXT URGENCY CONFIRM", start=500
)


class Draft(TypedDict, total=False):
    """An announcement being written (JSON in the admin's persisted data)."""

    kind: str  # the audience kind being picked with the zone picker (zone, community, grid)
    audience: list[Any]  # [kind, ref, label] once chosen
    text: str
    photo: str | None  # a photo's file id; its caption is `text`
    urgent: bool
    preview: str  # the latest summary's submission key: only its button sends


# Every step after the first: the admin's role checked again, the draft given (an admin who
# never registered loses it in a restart — only people's data is persisted — and is asked to
# start again), a refusal answered.
step = draft_step(SLOT, role=Role.ADMIN, expired="broadcast.expired")


async def is_admin(update: Update, context: MinhuContext) -> bool:
    """Whether the user behind this update is an admin (checked on the server, every time)."""
    return await holds_role(update, context, Role.ADMIN)


async def ask_text(update: Update, context: MinhuContext) -> int:
    """Ask for the announcement: words, or one photo with a caption."""
    await ask(
        update, context, "broadcast.ask_text", [], CANCEL, max=MAX_TEXT, max_caption=MAX_CAPTION
    )
    return State.TEXT
