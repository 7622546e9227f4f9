"""Typed questions about a service are a service search (a real complaint still gets the offer
to file it); admins hide and show a point and edit its hours and phone in one line; nobody
else can."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.services import only, point

MONDAY_10 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
ADMIN = User(900001, "老陈")


async def test_a_question_finds_services_and_a_complaint_is_still_offered(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(MONDAY_10)
    await register(bot, resident)
    shown = texts(await bot.send(resident, "附近有没有健康小屋"))
    assert "体检/量血压" in shown and "上强社区健康小屋" in shown and "要把这条" not in shown
    assert "按位置找最近的" in bot.buttons(resident.id).__str__()
    # 📍 from the answer: the location step, then the nearest.
    await bot.button(resident, "按位置找")
    found = texts(await bot.send_location(resident, 30.5889, 119.9313))
    assert "离您最近的体检/量血压" in found
    # A point named in the question comes first.
    named = texts(await bot.send(resident, "阳山社区健康小屋几点开门"))
    assert named.index("阳山社区健康小屋") < named.index("上强社区健康小屋")
    # A problem is a problem.
    offered = texts(await bot.send(resident, "路灯坏了"))
    assert "要把这条作为问题反映吗" in offered
    offered = texts(await bot.send(resident, "驿站门口的路灯坏了"))
    assert "要把这条作为问题反映吗" in offered


async def test_admins_hide_show_and_edit_a_point_and_others_cannot(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(MONDAY_10)
    await register(bot, resident)
    await register(bot, ADMIN)
    await only(bot.services.db, point("P1", "测试健康小屋", 0, 100))
    assert "管理员" in texts(await bot.send(ADMIN, "/servicepoint"))
    assert "居民可见" in texts(await bot.send(ADMIN, "/servicepoint P1"))
    before = await table_counts(bot)
    assert "没有权限" in texts(await bot.send(resident, "/servicepoint P1 phone 110"))
    point_id = await bot.services.db.fetchval("SELECT id FROM service_points WHERE code = 'P1'")
    refused = await bot.press(resident, f"sc:h:{point_id}:0")
    assert "只有管理员" in str([c.params for c in refused])
    assert await table_counts(bot) == before
    calls = await bot.button(ADMIN, "隐藏")
    assert "已隐藏" in texts(calls)
    again = await bot.press(ADMIN, f"sc:h:{point_id}:0")  # a second press: no edit, a toast
    assert [c.method for c in again] == ["answerCallbackQuery"]
    await bot.send(resident, "/services")
    await bot.button(resident, "附近全部服务")
    assert "测试健康小屋" not in texts(await bot.send(resident, "🏠 我家附近"))
    await bot.press(ADMIN, f"sc:h:{point_id}:1")
    assert "已保存" in texts(await bot.send(ADMIN, "/servicepoint P1 hours 周一至周五 9:00-11:00"))
    assert "0572-7654321" in texts(await bot.send(ADMIN, "/servicepoint P1 phone 0572-7654321"))
    assert "看不懂营业时间" in texts(await bot.send(ADMIN, "/servicepoint P1 hours 随时"))
    assert "看不懂电话" in texts(await bot.send(ADMIN, "/servicepoint P1 phone 请打电话"))
    assert "没有编号" in texts(await bot.send(ADMIN, "/servicepoint NOPE phone 110"))
    card = texts(await bot.send(resident, "测试健康小屋几点开门"))
    assert "测试健康小屋" in card and "营业中，到 11:00" in card


async def test_a_resident_cannot_edit_a_point(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    before = await table_counts(bot)
    assert "没有权限" in texts(await bot.send(resident, "/servicepoint SP-TOWN-01 phone 110"))
    assert await table_counts(bot) == before
