"""The resident's keyboard: large buttons under the typing field reach everything without a
typed command, in the resident's language, and pressed in the middle of a form they act like
the command, never like an answer."""

from __future__ import annotations

import json
from typing import Any

from tests.support.fake_telegram import Call
from tests.support.harness import Harness, User, register, texts


def _keyboard(calls: list[Call]) -> list[str]:
    """The labels of the last reply keyboard these calls sent (empty: none)."""
    labels: list[str] = []
    for call in calls:
        markup: Any = call.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if isinstance(markup, dict) and "keyboard" in markup:
            labels = [b["text"] for row in markup["keyboard"] for b in row]
    return labels


async def test_registration_gives_the_keyboard(bot: Harness, resident: User) -> None:
    labels = _keyboard(await register(bot, resident))
    assert labels[:2] == ["📝 反映问题", "📋 我的诉求"]
    assert {
        "🏛 议事会",
        "🗓 接待日",
        "⚙️ 设置",
        "📍 附近",
        "❓ 帮助",
        "🧭 身边服务",
        "🙋 志愿积分",
    } <= set(labels)


async def test_the_buttons_alone_reach_report_my_and_meetings(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    assert "选择问题的<b>类别</b>" in texts(await bot.send(resident, "📝 反映问题"))
    await bot.button(resident, "环境卫生")
    # Pressed in the middle of the form, a button is its command, not the description.
    said = texts(await bot.send(resident, "📋 我的诉求"))
    assert "描述" not in said and "太短" not in said
    assert "照片" in texts(await bot.send(resident, "小区东门垃圾桶满了三天没人清理"))
    assert "议事会" in texts(await bot.send(resident, "🏛 议事会"))
    assert "附近" in texts(await bot.send(resident, "📍 附近"))
    assert "怎么用" in texts(await bot.send(resident, "❓ 帮助"))


async def test_english_buttons_and_a_language_switch(bot: Harness, english_resident: User) -> None:
    labels = _keyboard(await register(bot, english_resident))
    assert "📝 Report a problem" in labels
    assert "category" in texts(await bot.send(english_resident, "📝 Report a problem"))
    await bot.send(english_resident, "/cancel")
    assert "Language: English" in texts(await bot.send(english_resident, "⚙️ Settings"))
    calls = await bot.button(english_resident, "中文")
    assert "📝 反映问题" in _keyboard(calls)


async def test_the_keyboard_comes_back_after_the_location_step(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    await bot.send(resident, "📝 反映问题")
    await bot.button(resident, "环境卫生")
    await bot.send(resident, "小区东门垃圾桶满了三天没人清理")
    asked = await bot.button(resident, "不需要照片")
    assert "📍 发送我的位置" in _keyboard(asked)  # the step's own keyboard
    assert "📝 反映问题" in _keyboard(await bot.send(resident, "跳过"))


async def test_someone_not_registered_gets_no_keyboard(bot: Harness, resident: User) -> None:
    said = await bot.send(resident, "📝 反映问题")
    assert "/start" in texts(said) and _keyboard(said) == []
