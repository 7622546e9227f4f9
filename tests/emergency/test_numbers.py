"""A resident who writes that something is on fire gets 110 / 119 / 120 / 122 first — in any
message, in the middle of a /report, in a caption — once per message; then the bot goes on."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from tests.support.chat import GROUP_ID, send_in_group
from tests.support.complaints import describe
from tests.support.fake_telegram import Call
from tests.support.harness import Harness, User, register, table_counts, texts

NUMBERS = "119"
_ids = itertools.count(70000)


def _numbers_sent(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method == "sendMessage" and NUMBERS in str(c.params["text"])]


async def _edit(bot: Harness, user: User, message_id: int, text: str) -> list[Call]:
    edited: dict[str, Any] = {
        "message_id": message_id,
        "date": int(bot.clock.now().timestamp()) - 60,
        "edit_date": int(bot.clock.now().timestamp()),
        "chat": {"id": user.id, "type": "private"},
        "from": user.as_dict(),
        "text": text,
    }
    return await bot._process({"edited_message": edited})


async def _send(bot: Harness, user: User, text: str) -> tuple[int, list[Call]]:
    message_id = next(_ids)
    message = {
        "message_id": message_id,
        "date": int(bot.clock.now().timestamp()),
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "from": user.as_dict(),
        "text": text,
    }
    return message_id, await bot._process({"message": message})


async def test_a_long_message_naming_a_fire_gets_the_numbers_first_then_the_usual_answer(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    long_text = "隔壁单元的老人一个人住，" * 20 + "刚才闻到很大的煤气味，楼道里好像冒烟了"
    calls = await bot.send(resident, long_text)
    sent = [c for c in calls if c.method == "sendMessage"]
    assert len(sent) >= 2, "the numbers, then the ordinary answer"
    first = str(sent[0].params["text"])
    for number in ("110", "119", "120", "122"):
        assert number in first
    assert "马上打电话" in first
    assert sent[0].params["reply_parameters"]["message_id"] > 0
    assert len(_numbers_sent(calls)) == 1
    assert "要把这条作为问题反映吗" in texts(sent[1:])  # then the offer to file it


async def test_during_a_report_the_numbers_come_and_the_description_is_still_taken(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    calls = await describe(bot, resident, "小区变电箱旁边电线老化，昨天有人触电了，很危险")
    assert len(_numbers_sent(calls)) == 1
    assert str(calls[0].params["text"]).count("120") == 1
    assert "照片" in texts(calls)  # the report goes on to its next step


async def test_a_caption_naming_danger_is_answered(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    calls = await bot.send_photo(resident, "p1", caption="河边有小孩溺水了")
    assert len(_numbers_sent(calls)) == 1


async def test_an_english_resident_reads_them_in_english(
    bot: Harness, english_resident: User
) -> None:
    calls = await bot.send(english_resident, "救命，我家着火了")
    assert "call now" in texts(_numbers_sent(calls))


async def test_an_edit_is_answered_only_when_it_newly_names_danger(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    message_id, calls = await _send(bot, resident, "楼下着火了")
    assert len(_numbers_sent(calls)) == 1
    # The same message edited, still naming the fire: not again.
    assert _numbers_sent(await _edit(bot, resident, message_id, "楼下着火了，火很大")) == []
    # A message with no danger word, then edited to add one: answered, once.
    quiet_id, calls = await _send(bot, resident, "楼下有人")
    assert _numbers_sent(calls) == []
    assert len(_numbers_sent(await _edit(bot, resident, quiet_id, "楼下有人打架"))) == 1
    assert _numbers_sent(await _edit(bot, resident, quiet_id, "楼下有人打架，有人受伤")) == []


async def test_stickers_and_voice_notes_are_not_read_as_danger(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    before = await table_counts(bot)
    assert _numbers_sent(await bot.send_sticker(resident)) == []
    assert _numbers_sent(await bot.send_voice(resident)) == []
    assert _numbers_sent(await bot.send(resident, "3号楼楼道灯坏了好几天了")) == []
    after = await table_counts(bot)
    # Only the offer to file the voice note and the words is kept (the resident's saved data).
    assert after.pop("ptb_user_data") == before.pop("ptb_user_data") + 1
    assert after == before


async def test_in_a_group_only_the_numbers_are_sent(bot: Harness, resident: User) -> None:
    calls = await send_in_group(bot, resident, "东门那边车祸了")
    sent = [c for c in calls if c.method == "sendMessage"]
    assert len(sent) == 1 and sent[0].params["chat_id"] == GROUP_ID
    assert "122" in str(sent[0].params["text"]) and resident.first_name not in texts(sent)
    assert await send_in_group(bot, resident, "今天天气不错") == []
    # The same group talking about it again soon: not under every message.
    assert await send_in_group(bot, resident, "车祸那边警察来了吗") == []
    bot.clock.advance(timedelta(minutes=11))
    assert len(_numbers_sent(await send_in_group(bot, resident, "又一起车祸"))) == 1


async def test_a_forwarded_message_naming_danger_is_answered_too(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    forwarded = {
        "message_id": next(_ids),
        "date": int(bot.clock.now().timestamp()),
        "chat": {"id": resident.id, "type": "private"},
        "from": resident.as_dict(),
        "text": "女儿发来的：小区门口有人落水了",
        "forward_origin": {"type": "hidden_user", "date": 0, "sender_user_name": "女儿"},
    }
    calls = await bot._process({"message": forwarded})
    assert len(_numbers_sent(calls)) == 1
