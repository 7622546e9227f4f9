"""The /suggest form's steps and its draft (shared by `suggest` and `site`)."""

from __future__ import annotations

from enum import IntEnum

from bot.people.roles import Role
from handlers.kit import conversation as kit

DRAFT = "supervision_draft"


# The steps, numbered 340-349 (90-98 before this version: see `kit.renumbered`; WHERE came
# last, so a form saved before it kept its numbers).
State = IntEnum(
    "State",
    "KIND SOURCE CATEGORY DEPARTMENT DESCRIPTION PHOTOS LOCATION DEADLINE CONFIRM WHERE",
    start=340,
)

form = kit.draft_step(DRAFT, role=Role.REPRESENTATIVE, expired="supervision.expired")
