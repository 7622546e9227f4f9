"""What the meetings' handlers share: the meeting a command names, plain button labels, and a
message about one meeting (its title, time, place and audience, with buttons)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from telegram import Update

from bot.meetings.notices import context_of
from bot.runtime.services import MinhuContext
from handlers.kit.common import Row, keyboard, parse_int, say, t
from storage.meetings import Meeting


def typed_meeting(context: MinhuContext) -> int | None:
    """The meeting number typed after a command (/meeting 12, /meeting #12), if any."""
    args = context.args or []
    return parse_int(args[0].lstrip("#")) if args else None


def plain(context: MinhuContext, lang: str, key: str, **values: Any) -> str:
    """A button label from a template: buttons show plain text, so the HTML escaping that
    protects messages is undone (a title with "&" reads "&", not "&amp;")."""
    return html.unescape(t(context, lang, key, **values))


async def say_about(
    update: Update,
    context: MinhuContext,
    key: str,
    m: Meeting,
    rows: Sequence[Row] = (),
    *,
    edit: bool = False,
    **values: Any,
) -> None:
    """Template `key` about meeting `m` (`bot.meetings.notices.context_of`, and `values`),
    with the buttons of `rows` if any."""
    markup = keyboard(rows) if rows else None
    about = await context_of(context.services, m)
    await say(update, context, key, edit=edit, markup=markup, **about, **values)
