"""An edited message is never read: a polite word in a private chat, the step unchanged."""

from __future__ import annotations

from tests.conftest import ADMIN_ID
from tests.support.chat import GROUP_ID, edit_location, edit_message, send_in_group
from tests.support.complaints import newcomer_chooses
from tests.support.fake_telegram import Call
from tests.support.harness import Harness, User, register, table_counts, texts

ADMIN = User(ADMIN_ID, "镇办老陈")


async def _edit(bot: Harness, user: User, text: str) -> list[Call]:
    before = await table_counts(bot)
    calls = await edit_message(bot, user, text)
    sent = [c for c in calls if c.method.startswith(("send", "edit"))]
    assert len(sent) == 1 and "编辑过的消息不会被读取" in texts(sent)
    assert await table_counts(bot) == before
    return calls


async def test_editing_the_description_of_a_report_is_answered_and_the_step_stays(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    await bot.send(resident, "/report")
    await _edit(bot, resident, "/report")  # an edit at the button step
    await bot.button(resident, "环境卫生")
    await _edit(bot, resident, "楼道灯坏了，晚上看不见台阶")
    # Still at the description step: the same words sent anew go through.
    assert "照片" in texts(await bot.send(resident, "楼道灯坏了，晚上看不见台阶"))


async def test_editing_during_a_broadcast_and_a_new_meeting_changes_nothing(bot: Harness) -> None:
    await register(bot, ADMIN)
    await bot.send(ADMIN, "/broadcast")
    await bot.button(ADMIN, "全体居民")
    await _edit(bot, ADMIN, "明天上午停水")
    assert "第 3 步" in texts(await bot.send(ADMIN, "明天上午八点到十二点停水，请提前储水"))
    await bot.send(ADMIN, "/cancel")

    await bot.send(ADMIN, "/newmeeting")
    await _edit(bot, ADMIN, "东门停车难议事会")
    assert "第 2 步" in texts(await bot.send(ADMIN, "东门停车难议事会"))


async def test_editing_before_consent_is_answered_the_same_way(
    bot: Harness, resident: User
) -> None:
    await bot.send(resident, "/start")
    await _edit(bot, resident, "同意")
    assert "片区" in texts(await bot.button(resident, "✅"))


async def test_an_edit_in_a_group_gets_no_answer(bot: Harness, resident: User) -> None:
    await send_in_group(bot, resident, "大家好")
    assert await edit_message(bot, resident, "/mydata", chat_id=GROUP_ID) == []


async def test_a_live_location_moving_on_the_map_is_not_answered_at_every_step(
    bot: Harness, resident: User
) -> None:
    """Telegram reports each move of a shared live location as an edited message."""
    await newcomer_chooses(bot, resident)
    before = await table_counts(bot)
    for step in range(20):  # a resident walking to the place, sharing where they are
        calls = await edit_location(bot, resident, 30.70 + step / 1000, 120.05)
        assert [c for c in calls if c.method.startswith(("send", "edit"))] == []
    assert await table_counts(bot) == before
    assert "照片" in texts(await bot.send(resident, "楼道灯坏了，晚上看不见台阶"))
