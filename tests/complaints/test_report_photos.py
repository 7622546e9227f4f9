"""Defects the review of issue 12 found in /report's photo steps: words or photos that were
silently lost."""

from __future__ import annotations

from tests.support.complaints import describe, newcomer_chooses, place
from tests.support.harness import Harness, User, register, texts


async def test_words_sent_as_the_caption_of_a_later_photo_are_not_silently_lost(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    await describe(bot, resident, "小区东门垃圾桶满了三天")
    added = "另外西门的垃圾桶也坏了，盖子掉了"
    answer = texts(await bot.send_photo(resident, "photo-A", caption=added))
    await bot.button(resident, "照片发完了")
    await place(bot, resident, "上强社区3幢楼下")
    summary = texts(await bot.button(resident, "实名"))
    # Either the words join the description, or the resident is told they were not kept.
    assert added in summary or "文字" in answer


async def test_a_photo_whose_caption_is_too_short_is_kept_or_said_to_be_dropped(
    bot: Harness, resident: User
) -> None:
    await newcomer_chooses(bot, resident)
    answer = texts(await bot.send_photo(resident, "photo-A", caption="脏"))
    assert "太短" in answer
    assert "照片" in answer  # kept ("已收到第 1 张照片"), or the resident is asked to resend it
