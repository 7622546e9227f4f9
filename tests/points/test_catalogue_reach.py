"""Every item of the catalogue can be reached: a resident with points enough redeems the 25th
item (not only the 20 cheapest), and the admins' /catalogue lists the items of a zone too, not
only the town-wide ones. An item whose voucher checker is no registered person is refused."""

from __future__ import annotations

from tests.conftest import ADMIN_ID
from tests.support.harness import Harness, User, register, table_counts, texts

ADMIN = User(ADMIN_ID, "老陈")
RESIDENT = User(270001, "王阿姨")


async def test_the_dearest_item_and_a_zones_item_are_there(bot: Harness) -> None:
    for user in (ADMIN, RESIDENT):
        await register(bot, user)
    for n in range(24):
        await bot.send(ADMIN, f"/catalogue add {n + 1} 5 - - 小礼品{n:02d}")
    listed = texts(await bot.send(ADMIN, "/catalogue add 500 2 SQ - 亲子研学一日游"))
    assert "亲子研学一日游" in listed and "小礼品00" in listed
    await bot.send(ADMIN, f"/correct {RESIDENT.id} 600 上月活动补记")
    before = await table_counts(bot)
    assert "没有这个用户" in texts(await bot.send(ADMIN, "/catalogue add 30 1 - 999999 书法课"))
    assert await table_counts(bot) == before  # a provider nobody is: nothing added

    shown = texts(await bot.send(RESIDENT, "/points"))
    assert "亲子研学一日游" in shown
    assert "兑换成功" not in texts(await bot.button(RESIDENT, "亲子研学一日游"))
    assert "兑换成功" in texts(await bot.button(RESIDENT, "为我自己兑换"))
