"""Steps shared by the 代办 tests: staff file a report for a resident with /proxy."""

from __future__ import annotations

from tests.support.complaints import PROBLEM, place
from tests.support.fake_telegram import Call
from tests.support.harness import Harness, User


async def until_category(bot: Harness, staff: User, name: str, phone: str | None) -> list[Call]:
    """/proxy, the resident's name, their phone (or none) and their consent; the calls of the
    consent (the categories are asked)."""
    await bot.send(staff, "/proxy")
    await bot.send(staff, name)
    if phone is None:
        await bot.button(staff, "没有电话")
    else:
        await bot.send(staff, phone)
    return await bot.button(staff, "居民已口头同意")


async def until_summary(
    bot: Harness,
    staff: User,
    name: str,
    phone: str | None,
    *,
    text: str = PROBLEM,
    category: str = "环境卫生",
    address: str = "上强社区3幢楼下",
) -> list[Call]:
    """Every step up to the summary; the calls of the last one (the summary)."""
    await until_category(bot, staff, name, phone)
    await bot.button(staff, category)
    await bot.send(staff, text)
    await bot.button(staff, "不需要照片")
    return await place(bot, staff, address)


async def file_for(bot: Harness, staff: User, name: str, phone: str | None) -> list[Call]:
    """Every step, then 确认提交; the calls of that press."""
    await until_summary(bot, staff, name, phone)
    return await bot.button(staff, "确认提交")
