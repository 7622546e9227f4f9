"""A broadcast's rules: how long its words may be, how fast it goes out, and its statuses.

Refusals (`bot.core.refusals`): the words of an announcement that do not fit are `Invalid` —
`BadText` (empty, or longer than one message can carry) and `BadCaption` (a photo's caption
too long for one photo message); each names the template block that words it.
"""

from __future__ import annotations

import math
from enum import StrEnum

from bot.core.refusals import Invalid
from bot.core.render import telegram_units

MAX_TEXT = 3500  # the announcement header keeps the message under Telegram's 4,096
MAX_CAPTION = 900  # header and caption stay under Telegram's 1,024 for one photo message
RATE = 30  # messages a second: Telegram's overall limit, which the flood gate keeps to


class Status(StrEnum):
    """A broadcast's status (broadcasts.status)."""

    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class AudienceKind(StrEnum):
    """Who receives a broadcast (broadcasts.audience_kind)."""

    EVERYONE = "everyone"
    ZONE = "zone"
    COMMUNITY = "community"
    GRID = "grid"
    ROLE = "role"
    MEETING = "meeting"


GEO = (AudienceKind.ZONE, AudienceKind.COMMUNITY, AudienceKind.GRID)  # chosen with the zone picker


class BadText(Invalid):
    """Typed words that are empty or too long for one message."""

    template = "broadcast.bad_text"


class BadCaption(Invalid):
    """A photo's caption too long for one photo message."""

    template = "broadcast.bad_caption"


def checked_text(text: str) -> str:
    """The announcement typed, stripped; BadText unless it is 1..MAX_TEXT units long (it is
    relayed whole, so Telegram's UTF-16 units count)."""
    body = text.strip()
    if not 1 <= telegram_units(body) <= MAX_TEXT:
        raise BadText("text", length=telegram_units(body), max=MAX_TEXT)
    return body


def checked_caption(caption: str) -> str:
    """A photo's caption, stripped; BadCaption if it is over MAX_CAPTION units."""
    body = caption.strip()
    if telegram_units(body) > MAX_CAPTION:
        raise BadCaption("caption", length=telegram_units(body), max=MAX_CAPTION, max_text=MAX_TEXT)
    return body


def duration_seconds(messages: int) -> int:
    """How long sending this many messages takes at Telegram's overall rate."""
    return math.ceil(messages / RATE)
