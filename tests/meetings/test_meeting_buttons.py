"""Every button of meetings is declared once (`bot.meetings.buttons`) and answered: each family's
pattern is registered by a handler of the meetings package, a press none of them takes gets a
short answer, and a step of a conversation has a number of its own in 200-299."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import pytest
from telegram.ext import CallbackQueryHandler, ConversationHandler

from bot.core.buttons import Family
from bot.meetings import buttons
from handlers import meetings
from handlers.meetings import create_form, manage, resident, result_flow
from tests.support.harness import Harness
from tests.support.meetings import ADMIN, WANG, town


def _patterns(handlers: list[Any]) -> set[str]:
    found: set[str] = set()
    for h in handlers:
        if isinstance(h, ConversationHandler):
            inner = [*h.entry_points, *h.fallbacks, *(x for s in h.states.values() for x in s)]
            found |= _patterns(inner)
        elif isinstance(h, CallbackQueryHandler) and h.pattern is not None:
            found.add(getattr(h.pattern, "pattern", h.pattern))
    return found


@pytest.mark.filterwarnings("ignore:.*per_message.*:telegram.warnings.PTBUserWarning")  # as bot.app
def test_every_meeting_button_is_answered_by_a_handler() -> None:
    declared = [f for f in vars(buttons).values() if isinstance(f, Family)]
    assert {f.prefix for f in declared} == {"mt", "me", "mn", "mr"}
    registered = _patterns(meetings.handlers())
    assert [f"{f.prefix}:{f.verb}" for f in declared if f.pattern not in registered] == []


def test_buttons_already_in_chats_keep_their_data() -> None:
    assert buttons.VIEW.pack(12) == "mt:v:12" and buttons.ICS.pack(7) == "mt:ics:7"
    assert buttons.PUBLISH.parse("mn:ok") == (None,)  # the first forms' button, without a key
    assert buttons.LEAVE_YES.parse("mt:xy:x") is None  # reaches the handler, which refuses


def test_each_step_has_a_number_of_its_own() -> None:
    states: list[type[IntEnum]] = [
        resident.State,
        create_form.State,
        manage.State,
        result_flow.State,
    ]
    numbers = [s.value for enum in states for s in enum]
    assert len(numbers) == len(set(numbers)) and all(200 <= n <= 299 for n in numbers)


async def test_a_forged_or_finished_meetings_button_gets_a_short_answer(bot: Harness) -> None:
    await town(bot, WANG)
    since = len(bot.fake.calls)
    await bot.press(WANG, "mt:v:x")  # no meeting id: forged
    await bot.press(ADMIN, "mr:done")  # a step of a /meetingresult that is not open
    assert bot.fake.answers(since) == [
        "这个按钮无效，请重新选择。",
        "这个按钮已过期，请重新发送命令。",
    ]
