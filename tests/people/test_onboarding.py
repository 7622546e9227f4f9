"""A resident registers: privacy notice, consent, zone → community → grid; settings; help."""

from __future__ import annotations

from storage import people
from storage.models import Person
from tests.conftest import ADMIN_ID
from tests.support.harness import Harness, User, register, table_counts, texts


async def _pressing(bot: Harness, user: User, *labels: str) -> Person:
    """Press these buttons in turn; the person as stored afterwards."""
    for label in labels:
        await bot.button(user, label)
    person = await people.get(bot.services.db, user.id)
    assert person is not None
    return person


async def test_a_newcomer_consents_and_chooses_a_grid(bot: Harness, resident: User) -> None:
    calls = await bot.send(resident, "/start")
    assert "隐私说明" in texts(calls)
    assert await people.get(bot.services.db, resident.id) is None

    calls = await register(bot, resident)
    assert "登记完成" in texts(calls)
    person = await people.get(bot.services.db, resident.id)
    assert person is not None and person.language == "zh-CN"
    grid = await bot.services.db.fetchval("SELECT name FROM grids WHERE id = ?", (person.grid_id,))
    assert grid == "上强社区第一网格"


async def test_nothing_personal_is_stored_before_consent(bot: Harness, resident: User) -> None:
    before = await table_counts(bot)
    await bot.send(resident, "/start")
    await bot.button(resident, "English")  # switch language before consenting
    await bot.app.update_persistence()  # type: ignore[union-attr]
    assert await table_counts(bot) == before


async def test_declining_stores_nothing(bot: Harness, resident: User) -> None:
    before = await table_counts(bot)
    await bot.send(resident, "/start")
    calls = await bot.button(resident, "不同意")
    assert "没有保存" in texts(calls)
    assert await table_counts(bot) == before


async def test_english_speakers_get_english_and_can_switch(
    bot: Harness, english_resident: User
) -> None:
    calls = await bot.send(english_resident, "/start")
    assert "Privacy notice" in texts(calls)
    calls = await bot.button(english_resident, "中文")
    assert "隐私说明" in texts(calls)
    person = await _pressing(bot, english_resident, "✅", "阳山", "大冲村", "大冲村网格")
    assert person.language == "zh-CN"


async def test_a_qr_poster_deep_link_preselects_the_grid(bot: Harness, resident: User) -> None:
    await bot.send(resident, "/start MF-01-02")
    calls = await bot.button(resident, "✅")
    assert "梅峰村第二网格" in texts(calls)
    await bot.button(resident, "是的")
    person = await people.get(bot.services.db, resident.id)
    grid = await bot.services.db.fetchval("SELECT code FROM grids WHERE id = ?", (person.grid_id,))  # type: ignore[union-attr]
    assert grid == "MF-01-02"


async def test_a_zone_deep_link_starts_at_its_communities(bot: Harness, resident: User) -> None:
    await bot.send(resident, "/start LHT")
    calls = await bot.button(resident, "✅")
    assert "老虎潭片区" in texts(calls)
    assert "鲁家庄村" in bot.buttons(resident.id)


async def test_a_registered_resident_is_welcomed_back(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    calls = await bot.send(resident, "/start")
    assert "欢迎回来" in texts(calls)


async def test_settings_change_language_and_grid(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    await bot.send(resident, "/settings")
    calls = await bot.button(resident, "English")
    assert "Settings" in texts(calls)
    person = await _pressing(bot, resident, "Change grid", "梅峰", "三合村", "三合村网格")
    assert person.language == "en"
    code = await bot.services.db.fetchval("SELECT code FROM grids WHERE id = ?", (person.grid_id,))
    assert code == "MF-02-01"


async def test_help_lists_the_commands_of_the_users_roles(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    resident_help = texts(await bot.send(resident, "/help"))
    assert "/report" in resident_help and "/grant" not in resident_help
    admin = User(ADMIN_ID, "镇办小李")
    await register(bot, admin)
    admin_help = texts(await bot.send(admin, "/help"))
    assert "/grant" in admin_help and "管理员" in admin_help


async def test_command_menus_are_set_per_role(bot: Harness) -> None:
    scopes = [c.params["scope"]["type"] for c in bot.fake.calls if c.method == "setMyCommands"]
    assert scopes == ["all_private_chats", "all_private_chats"]  # Chinese and English
    since = len(bot.fake.calls)
    await register(bot, User(ADMIN_ID, "镇办小李"))  # the admin's own menu once they start
    menus = [c for c in bot.fake.calls[since:] if c.method == "setMyCommands"]
    assert menus[0].params["scope"] == {"type": "chat", "chat_id": ADMIN_ID}
    assert "grant" in [cmd["command"] for cmd in menus[0].params["commands"]]


async def test_a_granted_worker_opening_the_bot_gets_the_staff_welcome(bot: Harness) -> None:
    worker = User(200001, "张网格")
    db = bot.services.db
    grid_id = await db.fetchval("SELECT id FROM grids WHERE code = 'SQ-01-01'")
    # `minhu grant` before they ever opened the bot
    await people.grant(db, worker.id, "grid_worker", bot.clock.now(), grid_id=grid_id)
    assert "网格员" in texts(await bot.send(worker, "/start"))
    welcome = texts(await register(bot, worker))
    assert "网格员" in welcome and "/inbox" in welcome and "/tasks" in welcome
    assert "现在您可以" not in welcome  # not the resident's welcome
    again = texts(await bot.send(worker, "/start"))
    assert "/inbox" in again and "/tasks" in again


async def test_typing_instead_of_agreeing_says_to_press_the_button(
    bot: Harness, resident: User
) -> None:
    before = await table_counts(bot)
    await bot.send(resident, "/start")
    reply = texts(await bot.send(resident, "同意"))
    assert "请点击" in reply and "同意并继续" in reply
    assert await table_counts(bot) == before
    assert "片区" in texts(await bot.button(resident, "✅"))  # the buttons still work


async def test_an_unknown_qr_code_is_said_to_be_unknown_before_the_zones(
    bot: Harness, resident: User
) -> None:
    await bot.send(resident, "/start XX-99-99")
    reply = texts(await bot.button(resident, "✅"))
    assert "无法识别" in reply and "XX-99-99" in reply and "片区" in reply
    assert "上强片区" in bot.buttons(resident.id)
    # Going back to the zones later does not repeat it.
    await bot.button(resident, "上强")
    assert "无法识别" not in texts(await bot.button(resident, "返回"))
