"""A resident shares a location and gets the nearest open service points, nearest first by
walking distance (checked against known coordinates), closed ones after with when they open;
without a location, those of their home grid and zone; a card with its pin."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services import search
from tests.support.chat import send_in_group
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.services import HERE, only, point

MONDAY_10 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


async def _town(bot: Harness) -> None:
    await only(
        bot.services.db,
        point("P-FAR", "远处健康小屋", 900, 0),  # 900 m → 1,170 m walking
        point("P-NEAR", "近处健康小屋", 0, 200),  # 260 m walking
        point("P-MID", "中间健康小屋", -400, -300),  # 500 m → 650 m walking
        point("P-SHUT", "下午才开的健康小屋", 50, 0, hours="每天 14:00-18:00"),  # 65 m, closed
        point("P-POST", "快递驿站", 10, 10, kind="station"),  # another need
        point("P-ELSE", "外镇健康小屋", 0, 3000, grid=None),  # 3.9 km walking
    )


async def test_the_nearest_open_ones_come_first_in_order_with_their_distances(bot: Harness) -> None:
    bot.clock.set(MONDAY_10)
    await _town(bot)
    found = await search.nearest(bot.services, *HERE, "checkup", count=5)
    assert [(f.point.code, f.metres, f.state.open) for f in found] == [
        ("P-NEAR", 260, True),
        ("P-MID", 650, True),
        ("P-FAR", 1170, True),
        ("P-ELSE", 3900, True),
        ("P-SHUT", 65, False),  # nearer, but closed: after the open ones
    ]
    assert [f.minutes for f in found] == [4, 9, 15, 49, 1]
    assert [f.in_circle for f in found] == [True, True, True, False, True]
    shut = found[-1].state
    assert shut.opens_at == datetime(2026, 3, 2, 14, 0, tzinfo=shut.opens_at.tzinfo)
    # Three asked: the three nearest open.
    three = await search.nearest(bot.services, *HERE, "checkup", count=3)
    assert [f.point.code for f in three] == ["P-NEAR", "P-MID", "P-FAR"]


async def test_a_resident_shares_a_location_and_opens_a_card_with_its_pin(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(MONDAY_10)
    await _town(bot)
    await register(bot, resident)
    assert "您需要什么服务" in texts(await bot.send(resident, "🧭 身边服务"))
    calls = await bot.button(resident, "体检/量血压")
    assert "发送我的位置" in str(calls[-1].params.get("reply_markup"))
    shown = texts(await bot.send_location(resident, *HERE))
    order = [shown.index(n) for n in ("近处健康小屋", "中间健康小屋", "远处健康小屋", "下午才开")]
    assert order == sorted(order)
    assert "步行约 4 分钟（260 米）" in shown and "14:00 开门" in shown and "快递驿站" not in shown
    assert "直线距离×1.3" in shown
    calls = await bot.button(resident, "近处健康小屋")
    card = texts(calls)
    assert "营业中，到 18:00" in card and "0572-1234567" in card and "每天" not in card
    assert "周一–周日 08:00-18:00" in card
    pins = [c for c in calls if c.method == "sendLocation"]
    assert len(pins) == 1 and abs(pins[0].params["latitude"] - HERE[0]) < 1e-6


async def test_without_a_location_the_home_grid_and_zone_come_and_bad_input_changes_nothing(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(MONDAY_10)
    await _town(bot)
    await register(bot, resident)
    await bot.send(resident, "/services")
    await bot.button(resident, "附近全部服务")
    assert "请点" in texts(await bot.send(resident, "随便说点什么"))  # still at the step
    shown = texts(await bot.send(resident, "🏠 我家附近"))
    assert "近处健康小屋" in shown and "快递驿站" in shown and "外镇健康小屋" not in shown
    before = await table_counts(bot)
    # A forged card, a hidden point's card, an unknown need: answered, nothing changes.
    hidden = await bot.services.db.fetchval("SELECT id FROM service_points WHERE visible = 0")
    for data in (f"sc:c:{hidden}", "sc:c:999999", "sc:n:nothing", "sc:zz"):
        calls = await bot.press(resident, data)
        assert any(c.method == "answerCallbackQuery" for c in calls), data
    assert await table_counts(bot) == before


async def test_in_a_group_and_before_registering_nothing_is_searched(
    bot: Harness, resident: User
) -> None:
    assert "/start" in texts(await bot.send(resident, "/services"))
    calls = await send_in_group(bot, resident, "/services")
    assert "您需要什么服务" not in texts(calls)


async def test_an_english_resident_gets_the_same_in_english(
    bot: Harness, english_resident: User
) -> None:
    bot.clock.set(MONDAY_10)
    await _town(bot)
    await register(bot, english_resident)
    assert "What do you need" in texts(await bot.send(english_resident, "🧭 Services near me"))
    await bot.button(english_resident, "Check-up")
    shown = texts(await bot.send_location(english_resident, *HERE))
    assert "Nearest for check-up" in shown and "about 4 min on foot (260 m)" in shown
    assert "opens at 14:00" in shown
    card = texts(await bot.button(english_resident, "近处健康小屋"))
    assert "Opening hours" in card and "Mon–Sun 08:00-18:00" in card
