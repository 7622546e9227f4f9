"""Messages quoting what people typed fit Telegram end to end: a real /report and /broadcast
over the fake Bot API (which refuses what Telegram refuses), with emoji at every limit."""

from __future__ import annotations

from bot.core.render import CAPTION_LIMIT, MESSAGE_LIMIT
from tests.conftest import ADMIN_ID
from tests.core.test_message_limits import assert_fits
from tests.support.complaints import describe, place
from tests.support.fake_telegram import Call
from tests.support.harness import Harness, User, register, texts
from tests.support.representatives import grant

# The harness: a real /report over the fake Bot API, which refuses what Telegram refuses.

WORKER = User(200001, "张网格")


def _all_fit(calls: list[Call]) -> None:
    for call in calls:
        for field, limit in (("text", MESSAGE_LIMIT), ("caption", CAPTION_LIMIT)):
            if call.params.get(field) is not None:
                assert_fits(str(call.params[field]), limit)


async def test_a_resident_who_types_1994_emoji_files_the_complaint_and_staff_can_read_it(
    bot: Harness, resident: User
) -> None:
    db = bot.services.db
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await register(bot, resident)
    description = "🚒" * 1994  # 1,994 characters, 3,988 UTF-16 units
    await describe(bot, resident, description)
    await bot.button(resident, "不需要照片")
    await place(bot, resident, "<上强&3幢>" * 25)  # 200 characters that need escaping
    await bot.button(resident, "实名")
    summary = bot.fake.sent_to(resident.id)[-1]
    assert "…" in str(summary.params["text"]) and "请确认" in str(summary.params["text"])

    assert "MH-2026-000001" in texts(await bot.button(resident, "确认提交"))
    stored = await db.fetchval("SELECT description FROM complaints WHERE number = 'MH-2026-000001'")
    assert stored == description  # the whole text is kept; only messages quote it shortened

    assert await bot.services.delivery.run_pass(bot.app.bot) == 1  # type: ignore[union-attr]
    assert "MH-2026-000001" in texts(bot.fake.sent_to(WORKER.id))
    await bot.send(WORKER, "/complaint MH-2026-000001")
    await bot.send(resident, "/my")
    assert "办理经过" in texts(await bot.button(resident, "MH-2026-000001"))
    _all_fit(bot.fake.calls)


async def test_an_emoji_announcement_is_measured_as_telegram_measures_it(bot: Harness) -> None:
    admin = User(ADMIN_ID, "镇办老陈")
    await register(bot, admin, zone="梅峰", community="梅峰村")
    await register(bot, User(100011, "王阿姨"))
    await bot.send(admin, "/broadcast")
    await bot.button(admin, "全体居民")
    # 2,045 emoji: a message Telegram accepts from a person, but 4,090 units and the header
    # would not fit one message to 10,000 residents; refused with the count that matters.
    reply = texts(await bot.send(admin, "📢" * 2045))
    assert "太长" in reply and "4090" in reply
    poster = bot._user_message(admin, photo=[_PHOTO], caption="📢" * 600)  # 1,200 units
    assert "太长" in texts(await bot._process(poster))
    await bot.send(admin, "📢" * 1750)  # 3,500 units: the most an announcement may have
    await bot.button(admin, "普通公告")
    await bot.button(admin, "确认发送")
    assert await bot.services.delivery.run_pass(bot.app.bot) >= 1  # type: ignore[union-attr]
    _all_fit(bot.fake.calls)


_PHOTO = {"file_id": "poster", "file_unique_id": "poster-u", "width": 1280, "height": 960}
