"""属地 routing in /report: the case goes to the grid where the problem is — by the location,
by a place the typed address names, or, with neither, the grid the resident says — and the
summary shows that grid with a button to change it."""

from __future__ import annotations

from bot.complaints.buttons import WHERE_GRID
from storage.demo_places import centre
from tests.support.complaints import describe
from tests.support.harness import Harness, User, register, texts
from tests.support.representatives import deliver, grant

HOME_WORKER = User(200001, "张网格")  # 上强社区第一网格, the resident's home grid
PARK_WORKER = User(200002, "李网格")  # 阳山工业园网格


async def _town(bot: Harness, resident: User) -> None:
    await grant(bot, HOME_WORKER, "grid_worker", grid="SQ-01-01")
    await grant(bot, PARK_WORKER, "grid_worker", grid="YS-01-02")
    await register(bot, resident)
    await describe(bot, resident, "路边的窨井盖坏了，晚上很危险")
    await bot.button(resident, "不需要照片")


async def _grid_of_last(bot: Harness) -> str:
    return str(
        await bot.services.db.fetchval(
            "SELECT g.code FROM complaints c JOIN grids g ON g.id = c.grid_id"
            " ORDER BY c.id DESC LIMIT 1"
        )
    )


async def _submit_and_deliver(bot: Harness, resident: User) -> tuple[str, str]:
    """Submit; the texts the home grid's and the park's workers got."""
    await bot.button(resident, "实名")
    assert "MH-2026-" in texts(await bot.button(resident, "确认提交"))
    since = await deliver(bot)
    home, park = (texts(bot.fake.sent_to(w.id, since)) for w in (HOME_WORKER, PARK_WORKER))
    return home, park


async def test_a_location_in_another_grid_goes_to_that_grid(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    said = texts(await bot.send_location(resident, *centre("YS-01-02")))
    assert "阳山工业园网格" in said and "将交给该网格办理" in said
    await bot.button(resident, "实名")
    summary = texts(bot.fake.sent_to(resident.id)[-1:])
    assert "交给：阳山片区 · 阳山社区 · 阳山工业园网格（按位置）" in summary
    await bot.button(resident, "确认提交")
    since = await deliver(bot)
    assert await _grid_of_last(bot) == "YS-01-02"
    assert "窨井盖" in texts(bot.fake.sent_to(PARK_WORKER.id, since))
    assert bot.fake.sent_to(HOME_WORKER.id, since) == []


async def test_a_location_in_the_home_grid_stays_home(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    await bot.send_location(resident, *centre("SQ-01-01"))
    home, park = await _submit_and_deliver(bot, resident)
    assert await _grid_of_last(bot) == "SQ-01-01"
    assert "窨井盖" in home and park == ""


async def test_a_typed_address_goes_to_the_grid_it_names(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    said = texts(await bot.send(resident, "升华物流园东门口"))
    assert "阳山工业园网格" in said
    home, park = await _submit_and_deliver(bot, resident)
    assert await _grid_of_last(bot) == "YS-01-02"
    assert "窨井盖" in park and home == ""


async def test_with_neither_the_resident_picks_the_grid(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    asked = texts(await bot.send(resident, "跳过"))
    assert "哪个网格" in asked
    assert set(bot.buttons(resident.id)) == {
        "🏠 我的网格（上强社区第一网格）",
        "📍 别的地方，选择网格",
        "✖ 取消",
    }
    await bot.button(resident, "别的地方")
    await bot.button(resident, "阳山")
    await bot.button(resident, "阳山社区")
    assert "阳山工业园网格" in texts(await bot.button(resident, "工业园"))
    home, park = await _submit_and_deliver(bot, resident)
    assert await _grid_of_last(bot) == "YS-01-02"
    assert "窨井盖" in park and home == ""


async def test_a_location_outside_every_grid_asks(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    assert "哪个网格" in texts(await bot.send_location(resident, 31.2304, 121.4737))  # Shanghai
    await bot.button(resident, "我的网格")
    home, _ = await _submit_and_deliver(bot, resident)
    assert await _grid_of_last(bot) == "SQ-01-01" and "窨井盖" in home


async def test_the_summary_changes_the_grid(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    await bot.send(resident, "升华物流园东门口")
    await bot.button(resident, "实名")
    await bot.button(resident, "改交办网格")
    await bot.button(resident, "我的网格")
    summary = texts(bot.fake.sent_to(resident.id)[-1:])
    assert "上强社区第一网格（您的网格）" in summary and "确认提交" in str(bot.buttons(resident.id))
    await bot.button(resident, "确认提交")
    assert await _grid_of_last(bot) == "SQ-01-01"


async def test_a_forged_grid_button_changes_nothing(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    await bot.send(resident, "跳过")
    await bot.button(resident, "别的地方")
    calls = await bot.press(resident, WHERE_GRID.pack(999999))
    assert any(c.method == "answerCallbackQuery" and c.params.get("text") for c in calls)
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM complaints") == 0
    await bot.button(resident, "梅峰")  # the picker is still there
    await bot.button(resident, "三合村")
    await bot.button(resident, "三合村网格")
    await bot.button(resident, "实名")
    await bot.button(resident, "确认提交")
    assert await _grid_of_last(bot) == "MF-02-01"
