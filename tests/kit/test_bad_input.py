"""Bad input gets a polite answer in the user's language and changes nothing."""

from __future__ import annotations

import pytest

from tests.support.complaints import describe, newcomer_chooses, report
from tests.support.harness import Harness, User, register, table_counts, texts


@pytest.fixture
async def mid_report(bot: Harness, resident: User) -> Harness:
    """A registered resident at the description step of /report."""
    await newcomer_chooses(bot, resident)
    return bot


async def _unchanged(bot: Harness, before: dict[str, int]) -> None:
    await bot.app.update_persistence()  # type: ignore[union-attr]
    assert await table_counts(bot) == before


async def test_an_over_long_description_is_refused(mid_report: Harness, resident: User) -> None:
    bot = mid_report
    before = await table_counts(bot)
    reply = texts(await bot.send(resident, "很" * 2001))
    assert "太长" in reply and "2001" in reply
    await _unchanged(bot, before)
    # Still at the same step: a proper description goes through.
    assert "照片" in texts(await bot.send(resident, "楼道灯坏了，晚上看不见台阶"))


async def test_an_empty_description_is_refused(mid_report: Harness, resident: User) -> None:
    bot = mid_report
    before = await table_counts(bot)
    assert "太短" in texts(await bot.send(resident, "   "))
    assert "太短" in texts(await bot.send(resident, "灯坏"))
    await _unchanged(bot, before)


async def test_a_sticker_or_voice_instead_of_text(mid_report: Harness, resident: User) -> None:
    bot = mid_report
    before = await table_counts(bot)
    assert "文字" in texts(await bot.send_sticker(resident))
    await _unchanged(bot, before)
    # A voice note is kept (staff can play it); a few words are still asked for, or the
    # button "the voice note says it".
    assert "写几个字" in texts(await bot.send_voice(resident))
    assert "就用语音说明" in str(bot.buttons(resident.id))


async def test_text_where_a_button_is_expected(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    await bot.send(resident, "/report")
    before = await table_counts(bot)
    assert "按钮" in texts(await bot.send(resident, "垃圾"))
    await _unchanged(bot, before)


async def test_a_sixth_photo_is_refused(mid_report: Harness, resident: User) -> None:
    bot = mid_report
    await bot.send(resident, "垃圾桶满了很多天没人管")
    for n in range(5):
        await bot.send_photo(resident, f"p{n}")
    assert "最多" in texts(await bot.send_photo(resident, "p6"))
    await bot.button(resident, "照片发完了")
    await bot.send(resident, "跳过")
    await bot.button(resident, "我的网格")  # no place given: asked where
    await bot.button(resident, "实名")
    await bot.button(resident, "确认提交")
    count = await bot.services.db.fetchval("SELECT COUNT(*) FROM complaint_photos")
    assert count == 5


async def test_an_unknown_command(bot: Harness, resident: User) -> None:
    before = await table_counts(bot)
    assert "没有这个命令" in texts(await bot.send(resident, "/frobnicate"))
    await _unchanged(bot, before)


async def test_an_unknown_command_in_english(bot: Harness, english_resident: User) -> None:
    assert "no such command" in texts(await bot.send(english_resident, "/frobnicate"))


async def test_a_button_from_an_old_message(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    await describe(bot, resident, "垃圾桶满了很多天没人管")
    await bot.button(resident, "不需要照片")
    await bot.send(resident, "跳过")
    await bot.button(resident, "我的网格")  # no place given: asked where
    await bot.button(resident, "实名")
    confirm_message = bot.last_keyboard_message(resident.id)
    [confirm] = [d for label, d in bot.buttons(resident.id).items() if "确认提交" in label]
    await bot.button(resident, "确认提交")
    before = await table_counts(bot)
    since = len(bot.fake.calls)
    await bot.press(resident, confirm, message_id=confirm_message)  # pressed again
    assert "已提交过，编号 MH-2026-000001" in "".join(bot.fake.answers(since))
    await _unchanged(bot, before)


@pytest.mark.parametrize("forged", ["rp:cat:999", "rp:cat:abc", "rp:cat:-1", "rp:cat:"])
async def test_forged_category_buttons(bot: Harness, resident: User, forged: str) -> None:
    await register(bot, resident)
    await bot.send(resident, "/report")
    before = await table_counts(bot)
    since = len(bot.fake.calls)
    await bot.press(resident, forged)
    assert "无效" in "".join(bot.fake.answers(since))
    await _unchanged(bot, before)
    assert "描述" in texts(await bot.button(resident, "环境卫生"))  # the real button still works


async def test_a_forged_grid_button_during_onboarding(bot: Harness, resident: User) -> None:
    await bot.send(resident, "/start")
    await bot.button(resident, "✅")
    await bot.button(resident, "上强")
    await bot.button(resident, "上强社区")
    before = await table_counts(bot)
    since = len(bot.fake.calls)
    await bot.press(resident, "ob:g:424242")
    assert "无效" in "".join(bot.fake.answers(since))
    await _unchanged(bot, before)


async def test_a_forged_history_button_for_someone_elses_complaint(
    bot: Harness, resident: User
) -> None:
    other = User(100009, "李大伯")
    await register(bot, other)
    await report(bot, other, text="我家门口的下水道堵了", address="跳过", anonymous=True)
    complaint_id = await bot.services.db.fetchval("SELECT id FROM complaints")
    await register(bot, resident)
    since = len(bot.fake.calls)
    await bot.press(resident, f"my:{complaint_id}")
    assert "无效" in "".join(bot.fake.answers(since))
    assert "下水道" not in "".join(bot.fake.texts(resident.id, since))


async def test_a_resident_cannot_grant_roles(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    before = await table_counts(bot)
    reply = texts(await bot.send(resident, f"/grant admin {resident.id}"))
    assert "没有权限" in reply
    await _unchanged(bot, before)


async def test_a_forged_deletion_button_from_a_stranger(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    stranger = User(100010, "陌生人")
    before = await table_counts(bot)
    since = len(bot.fake.calls)
    await bot.press(stranger, "dm:yes", message_id=1)
    assert "无效" in "".join(bot.fake.answers(since))
    await _unchanged(bot, before)


@pytest.mark.parametrize("command", ["/report", "/my", "/mydata", "/deleteme", "/settings"])
async def test_commands_before_consent_ask_for_start(
    bot: Harness, resident: User, command: str
) -> None:
    before = await table_counts(bot)
    assert "/start" in texts(await bot.send(resident, command))
    await _unchanged(bot, before)
