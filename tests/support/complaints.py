"""Steps shared by the complaints' tests: a resident files a report the way people do."""

from __future__ import annotations

from tests.support.fake_telegram import Call
from tests.support.harness import Harness, User, register

PROBLEM = "小区东门垃圾桶满了三天没人清理，气味很大"


async def report(
    bot: Harness,
    user: User,
    category: str = "环境卫生",
    text: str = PROBLEM,
    *,
    address: str = "上强社区3幢楼下",
    anonymous: bool = False,
) -> list[Call]:
    """/report with no photo and a typed address ("跳过": none; one that names no grid's place
    is then placed in the home grid), named unless `anonymous`, then 确认提交; the calls of
    that press."""
    await describe(bot, user, text, category)
    await bot.button(user, "不需要照片")
    await place(bot, user, address)
    await bot.button(user, "匿名" if anonymous else "实名")
    return await bot.button(user, "确认提交")


async def place(bot: Harness, user: User, address: str) -> list[Call]:
    """Type the address (or 跳过); when it names no grid's place the bot asks which grid, and
    the resident answers: their own. The calls of the last step."""
    calls = await bot.send(user, address)
    if any("我的网格" in label for label in bot.buttons(user.id)):
        calls = await bot.button(user, "我的网格")
    return calls


async def describe(
    bot: Harness, user: User, text: str = PROBLEM, category: str = "环境卫生"
) -> list[Call]:
    """/report, a category and the description typed; the calls of the description."""
    await choose(bot, user, category)
    return await bot.send(user, text)


async def choose(bot: Harness, user: User, category: str = "环境卫生") -> list[Call]:
    """/report and a category pressed; the calls of that press (the description is asked)."""
    await bot.send(user, "/report")
    return await bot.button(user, category)


async def newcomer_chooses(bot: Harness, user: User, category: str = "环境卫生") -> list[Call]:
    """A newcomer registers (/start), then sends /report and presses a category."""
    await register(bot, user)
    return await choose(bot, user, category)


async def last_id(bot: Harness) -> int:
    """The id of the complaint filed last."""
    return int(await bot.services.db.fetchval("SELECT MAX(id) FROM complaints"))
