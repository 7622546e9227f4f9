"""/household and /visit in the chat: a worker registers 王奶奶 with her consent in a few taps and
logs a visit that finds a hazard (a case for 消防); bad input, old and forged buttons, the wrong
role and a group change nothing; /visits shows the coverage per grid without names."""

from __future__ import annotations

from storage import visits as store
from tests.support.chat import edit_message, send_in_group
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.representatives import OFFICER, WORKER, deliver, grant

RESIDENT = User(700001, "居民小陈")


async def _register_elder(bot: Harness) -> None:
    assert "姓名" in texts(await bot.send(WORKER, "/household"))
    assert "太长" in texts(await bot.send(WORKER, "王" * 31))
    assert "地址" in texts(await bot.send(WORKER, "王奶奶"))
    assert "电话" in texts(await bot.send(WORKER, "东红村3组12号"))
    assert "看不懂" in texts(await bot.send(WORKER, "不知道"))
    assert "紧急联系人" in texts(await bot.send(WORKER, "0572-1234567"))
    assert "哪一" in texts(await bot.button(WORKER, "跳过"))
    assert "多久" in texts(await bot.button(WORKER, "独居老人"))
    assert "每 7 天（默认）" in bot.buttons(WORKER.id)
    assert "备注" in texts(await bot.button(WORKER, "每 7 天（默认）"))
    assert "同意" in texts(await bot.send(WORKER, "高血压，敲门要用力"))
    reply = texts(await bot.button(WORKER, "住户已口头同意"))
    assert "已登记" in reply and "王奶奶" in reply and "张网格" in reply


async def test_a_worker_registers_a_household_and_a_visit_finds_a_hazard(bot: Harness) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await grant(bot, OFFICER, "department", department="XF")
    await _register_elder(bot)
    [h] = await store.of_grids(bot.services.db, [1, 2, 3])
    assert (h.name, h.phone, h.emergency_contact, h.consent_by) == (
        "王奶奶",
        "05721234567",
        None,
        WORKER.id,
    )

    assert "哪一户" in texts(await bot.send(WORKER, "/visit"))
    assert "王奶奶·独居老人" in bot.buttons(WORKER.id)
    assert "门口" in texts(await bot.button(WORKER, "王奶奶"))
    assert "位置" in texts(await bot.send(WORKER, "随便说说"))
    assert "情况" in texts(await bot.send(WORKER, "🚪 就在门口"))
    asked = texts(await bot.button(WORKER, "发现隐患"))
    assert "工单" in asked
    assert "太短" in texts(await bot.send(WORKER, "漏气"))
    assert "照片" in texts(await bot.send(WORKER, "厨房燃气软管老化开裂，有煤气味"))
    reply = texts(await bot.send_photo(WORKER, "hose"))
    assert "MH-2026-000001" in reply and "发现隐患" in reply
    since = await deliver(bot)
    assert "MH-2026-000001" in texts(bot.fake.sent_to(OFFICER.id, since))
    visits = await bot.services.db.fetchall("SELECT finding, photo_file_id FROM visits")
    assert [tuple(v) for v in visits] == [("hazard", "hose")]

    coverage = texts(await bot.send(WORKER, "/visits"))
    assert "1 户" in coverage and "王奶奶" not in coverage


async def test_the_wrong_role_old_buttons_and_cancel_record_nothing(bot: Harness) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await register(bot, RESIDENT)
    assert "没有权限" in texts(await bot.send(RESIDENT, "/household"))
    assert "没有权限" in texts(await bot.send(RESIDENT, "/visits"))
    assert "还没有登记走访户" in texts(await bot.send(WORKER, "/visit"))
    await _register_elder(bot)
    # The consent pressed again: the form is closed, nothing more is registered.
    await bot.press(WORKER, "hh:ok")
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM households") == 1
    await bot.send(WORKER, "/visit")
    await bot.press(WORKER, "vi:h:999")  # forged: not one of theirs
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM visits") == 0
    await bot.send(WORKER, "/cancel")
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM visits") == 0


async def test_an_edit_a_group_and_an_empty_note_change_nothing(bot: Harness) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    before = await table_counts(bot)
    calls = await send_in_group(bot, WORKER, "/household")
    assert "姓名" not in texts(calls)
    assert await table_counts(bot) == before
    await bot.send(WORKER, "/household")
    assert "编辑过的消息不会被读取" in texts(await edit_message(bot, WORKER, "王奶奶"))
    assert "地址" in texts(await bot.send(WORKER, "王奶奶"))  # still at the name step before
    assert "太短" in texts(await bot.send(WORKER, " "))
    await bot.send(WORKER, "/cancel")
    await _register_elder(bot)
    await bot.send(WORKER, "/visit")
    await bot.button(WORKER, "王奶奶")
    await bot.send(WORKER, "🚪 就在门口")
    await bot.button(WORKER, "需要帮助")
    assert "跳过" not in bot.buttons(WORKER.id)  # a case needs words
    await bot.press(WORKER, "vi:skip")  # forged skip: refused, still at the note
    assert "太短" in texts(await bot.send(WORKER, "摔"))
    assert "照片" in texts(await bot.send(WORKER, "老人摔伤了腿，需要人帮忙买药"))
    reply = texts(await bot.button(WORKER, "不拍照"))
    assert "需要帮助" in reply and "MH-2026-000001" in reply
    await bot.press(WORKER, "vi:nophoto")  # pressed again: the form is closed
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM visits") == 1


async def test_the_card_shows_the_notes_and_a_withdrawal_erases_the_household(
    bot: Harness,
) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await register(bot, RESIDENT)
    await _register_elder(bot)
    await bot.send(WORKER, "/visit")
    card = texts(await bot.button(WORKER, "王奶奶"))
    assert "高血压" in card and "05721234567" in card
    await bot.press(RESIDENT, "vi:wy:1")  # forged by a resident: nothing
    assert await bot.services.db.fetchval("SELECT status FROM households") == "active"
    card_id = bot.last_keyboard_message(WORKER.id) - 1  # the card, above the location prompt
    assert "确定删除" in texts(await bot.press(WORKER, "vi:w:1", card_id))
    assert "已删除" in texts(await bot.press(WORKER, "vi:wy:1", card_id))
    assert "删除过了" in texts(await bot.press(WORKER, "vi:wy:1", card_id))
    row = await bot.services.db.fetchone("SELECT name, phone, notes, status FROM households")
    assert tuple(row) == (None, None, None, "erased")
    assert "还没有登记走访户" in texts(await bot.send(WORKER, "/visit"))
