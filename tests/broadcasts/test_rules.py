"""A broadcast's rules without Telegram: how long its words may be, how long it takes, and its
buttons, each answered by a handler of the built application."""

from __future__ import annotations

import pytest
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.broadcasts import buttons
from bot.broadcasts.rules import (
    MAX_CAPTION,
    MAX_TEXT,
    AudienceKind,
    BadCaption,
    BadText,
    checked_caption,
    checked_text,
    duration_seconds,
)
from bot.core.buttons import Family
from storage import broadcasts
from tests.support.harness import Harness


def test_an_announcement_is_one_to_max_text_units_and_an_emoji_counts_two() -> None:
    assert checked_text("  停水通知  ") == "停水通知"
    with pytest.raises(BadText) as empty:
        checked_text("   ")
    assert empty.value.values == {"length": 0, "max": MAX_TEXT}
    assert checked_text("很" * MAX_TEXT) == "很" * MAX_TEXT
    with pytest.raises(BadText) as long:
        checked_text("💧" * (MAX_TEXT // 2 + 1))  # each emoji is two UTF-16 units
    assert long.value.values["length"] == MAX_TEXT + 2
    assert long.value.template == "broadcast.bad_text"


def test_a_caption_may_be_empty_but_not_over_max_caption() -> None:
    assert checked_caption("") == ""
    with pytest.raises(BadCaption) as long:
        checked_caption("图" * (MAX_CAPTION + 1))
    assert long.value.values == {
        "length": MAX_CAPTION + 1,
        "max": MAX_CAPTION,
        "max_text": MAX_TEXT,
    }


def test_sending_takes_a_second_per_thirty_messages() -> None:
    assert [duration_seconds(n) for n in (0, 1, 30, 31, 10_000)] == [0, 1, 1, 2, 334]


def test_the_audiences_are_those_storage_can_reach() -> None:
    assert tuple(AudienceKind) == broadcasts.AUDIENCES


def test_button_data_stays_as_older_versions_wrote_it() -> None:
    assert buttons.CONFIRM.pack("ab12") == "bc:ok:ab12"
    assert buttons.STOP.pack(7) == "bc:x:7"
    assert [buttons.URGENT.pack(u) for u in (False, True)] == ["bc:u:0", "bc:u:1"]
    assert buttons.URGENT.one("bc:u:1") is True
    assert buttons.KIND.pack(AudienceKind.EVERYONE) == "bc:a:everyone"
    assert buttons.CANCEL.pack() == "bc:cancel"
    assert buttons.KIND.parse("bc:a:somebody") is None  # forged


def _patterns(handlers: list[BaseHandler]) -> set[str]:
    """The callback patterns of these handlers, inside conversations too."""
    found: set[str] = set()
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            found |= _patterns(handler.entry_points + handler.fallbacks)
            found |= _patterns([h for state in handler.states.values() for h in state])
        elif isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
            found.add(str(getattr(handler.pattern, "pattern", handler.pattern)))
    return found


async def test_every_broadcast_button_is_answered_by_a_handler(bot: Harness) -> None:
    assert bot.app is not None
    registered = _patterns([h for group in bot.app.handlers.values() for h in group])
    families = [f for f in vars(buttons).values() if isinstance(f, Family)]
    assert len(families) == 12
    for family in families:
        assert any(family.pattern in p for p in registered), family.verb
