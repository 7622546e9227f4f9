"""No edit that changes nothing: a button pressed twice before the first press's edit arrived
(the app still showing the old message) runs its handler twice, and the second run must not
send Telegram the same edit again (a 400, "message is not modified")."""

from __future__ import annotations

import copy

from bot.runtime.shown import Shown
from tests.support.harness import Harness, User, register

EDITS = ("editMessageText", "editMessageCaption", "editMessageReplyMarkup")


def test_an_edit_to_what_is_shown_is_known_unchanged() -> None:
    shown = Shown(size=2)
    assert not shown.unchanged((1, 1), text="a", markup="")  # never edited: not known
    shown.record((1, 1), text="a", markup="k")
    assert shown.unchanged((1, 1), text="a", markup="k")
    assert shown.unchanged((1, 1), text=None, markup="k")  # the buttons alone, the same
    assert not shown.unchanged((1, 1), text="b", markup="k")
    assert not shown.unchanged((1, 1), text="a", markup="")
    shown.record((1, 1), text=None, markup="")  # buttons taken away, the text stays
    assert shown.unchanged((1, 1), text="a", markup="")
    shown.record((1, 2), text="x", markup="")
    shown.record((1, 3), text="y", markup="")
    assert not shown.unchanged((1, 1), text="a", markup="")  # the oldest is forgotten


async def test_a_double_press_edits_once(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    await bot.send(resident, "今天的议事会几点开始呀")
    offer = bot.last_keyboard_message(resident.id)
    seen = copy.deepcopy(bot.fake.messages[(resident.id, offer)])
    no = next(d for label, d in bot.buttons(resident.id).items() if "不用了" in label)
    first = await bot.press(resident, no, offer, seen=seen)
    assert [c.method for c in first if c.method in EDITS] == ["editMessageText"]
    second = await bot.press(resident, no, offer, seen=seen)  # the same old message
    assert [c.method for c in second if c.method in EDITS] == []
    assert [c.method for c in second if c.method == "answerCallbackQuery"]  # still answered


async def test_a_double_press_on_a_category_makes_no_second_edit(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    await bot.send(resident, "/report")
    prompt = bot.last_keyboard_message(resident.id)
    seen = copy.deepcopy(bot.fake.messages[(resident.id, prompt)])
    category = next(d for label, d in bot.buttons(resident.id).items() if "环境卫生" in label)
    await bot.press(resident, category, prompt, seen=seen)
    second = await bot.press(resident, category, prompt, seen=seen)
    assert [c.method for c in second if c.method in EDITS] == []
