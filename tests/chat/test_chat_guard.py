"""Personal matters stay in the private chat: a group gets one brief pointer, nothing more."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.runtime.menus import RESIDENT_COMMANDS, ROLE_COMMANDS
from storage import people
from tests.conftest import ADMIN_ID
from tests.support.chat import GROUP_ID, post_in_channel, press_in_group, send_in_group
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.privacy import report

EVERY_MENU_COMMAND = sorted(
    {"start", *RESIDENT_COMMANDS, *(c for names in ROLE_COMMANDS.values() for c in names)}
)
ADMIN = User(ADMIN_ID, "镇办老陈")


async def _admin_with_a_complaint(bot: Harness) -> str:
    """A registered admin who filed a complaint with a flat number in it; its number."""
    await register(bot, ADMIN)
    await report(bot, ADMIN, "环境卫生", "3幢402室楼上漏水，天花板发霉", submit=True, where="跳过")
    number = await bot.services.db.fetchval("SELECT number FROM complaints")
    assert number
    return str(number)


def _only_the_pointer(bot: Harness, calls: list, chat_id: int) -> dict:
    """The calls are exactly one brief message in the group, with a button to the bot."""
    sent = [c for c in calls if c.method.startswith(("send", "edit"))]
    assert [(c.method, int(c.params["chat_id"])) for c in sent] == [("sendMessage", chat_id)]
    markup = sent[0].params["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    assert markup["inline_keyboard"][0][0]["url"] == "https://t.me/minhu_test_bot"
    return sent[0].params


async def test_every_menu_command_in_a_group_only_points_to_the_private_chat(
    bot: Harness,
) -> None:
    number = await _admin_with_a_complaint(bot)
    pointer = bot.services.renderer.render("zh-CN", "chat.go_private")
    for index, command in enumerate(EVERY_MENU_COMMAND):
        group = GROUP_ID - index  # a group each, so the once-per-window rule does not hide one
        before = await table_counts(bot)
        calls = await send_in_group(bot, ADMIN, f"/{command}", chat_id=group)
        params = _only_the_pointer(bot, calls, group)
        assert params["text"] == pointer, command
        shown = texts(calls)
        for secret in (number, "402", ADMIN.first_name, "上强"):
            assert secret not in shown, (command, secret)
        assert await table_counts(bot) == before, command
    assert not [c for c in bot.fake.calls if c.method == "sendDocument"]


async def test_a_command_for_this_bot_by_name_also_points_away_and_others_are_ignored(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    _only_the_pointer(bot, await send_in_group(bot, resident, "/mydata@minhu_test_bot"), GROUP_ID)
    other = User(100020, "李大爷")
    assert await send_in_group(bot, other, "/mydata@some_other_bot") == []
    assert await send_in_group(bot, other, "今天下午三点停水，大家注意") == []


async def test_a_busy_group_gets_one_answer_per_person_and_never_a_flood(
    bot: Harness, resident: User
) -> None:
    _only_the_pointer(bot, await send_in_group(bot, resident, "/report"), GROUP_ID)
    assert await send_in_group(bot, resident, "/my") == []  # once per person in a while
    answered = 1
    for n in range(30):  # 30 more people ask within the same minute
        calls = await send_in_group(bot, User(300000 + n, f"居民{n}"), "/start")
        answered += len(calls)
    assert answered == 10  # far below Telegram's 20 messages a minute in a group
    bot.clock.advance(timedelta(minutes=11))
    _only_the_pointer(bot, await send_in_group(bot, resident, "/my"), GROUP_ID)


async def test_a_deletion_button_pressed_in_a_group_erases_nobody(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    stranger = User(100010, "陌生人")
    await register(bot, stranger)
    before = await table_counts(bot)
    for presser in (resident, stranger):
        calls = await press_in_group(bot, presser, "dm:yes")
        assert [c.method for c in calls] == ["answerCallbackQuery"]
        assert "私聊" in calls[0].params["text"]
    assert await people.get(bot.services.db, resident.id) is not None
    assert await people.get(bot.services.db, stranger.id) is not None
    assert await table_counts(bot) == before


async def test_a_command_posted_in_a_channel_is_not_answered(bot: Harness) -> None:
    assert await post_in_channel(bot, "/report") == []
    assert await post_in_channel(bot, "本周晾晒已发布") == []


async def test_a_group_that_does_not_let_the_bot_write_is_no_crash(
    bot: Harness, resident: User
) -> None:
    refusal = "Bad Request: not enough rights to send text messages to the chat"
    bot.fake.faults.append(("sendMessage", 400, refusal, 0))
    calls = await send_in_group(bot, resident, "/report")  # the harness fails on any crash
    assert [c.method for c in calls] == ["sendMessage"]
    bot.fake.faults.append(("answerCallbackQuery", 400, "Bad Request: query is too old", 0))
    assert [c.method for c in await press_in_group(bot, resident, "dm:yes")] == [
        "answerCallbackQuery"
    ]
