"""A resident whose household is on the home-visit register (网格走亲) links by /link: the
household becomes theirs and they are told once (one outbox row, its key naming the
households) — with no case filed for them too; again, someone else's contact or a forwarded
card tells nothing."""

from __future__ import annotations

from bot.visits import service as visits
from storage import visits as store
from tests.proxy.test_linking import ELDER, PHONE, _filed
from tests.support.chat import GROUP_ID, edit_message
from tests.support.harness import Harness, register, texts
from tests.support.representatives import WORKER, deliver, grant

ROWS = "SELECT COUNT(*) FROM outbox WHERE template = 'visits.linked'"


async def _on_register(bot: Harness) -> int:
    grid = int(await bot.services.db.fetchval("SELECT id FROM grids WHERE code = 'SQ-01-01'"))
    new = store.NewHousehold(grid, "独居老人", 7, "王奶奶", "东红村3组12号", PHONE, None, "")
    return await visits.register(bot.services, WORKER.id, new, consent=True)


async def test_the_household_is_linked_and_the_resident_told_once(bot: Harness) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    household = await _on_register(bot)
    await register(bot, ELDER)
    await bot.send(ELDER, "/link")
    answer = texts(await bot.send_contact(ELDER, "+86 138 1234 5678"))
    assert "没有找到用这个手机号代办的诉求" in answer and "已与您关联" in answer
    db = bot.services.db
    assert await store.linked_to(db, ELDER.id) == [household]
    row = await db.fetchone(
        "SELECT chat_id, dedupe_key FROM outbox WHERE template = 'visits.linked'"
    )
    assert tuple(row) == (ELDER.id, f"hl:{household}:{ELDER.id}")
    told = texts(bot.fake.sent_to(ELDER.id, await deliver(bot)))
    assert "网格走亲" in told and "独居老人" in told and "每 7 天" in told
    assert "王奶奶" not in told and "东红村" not in told  # nothing the worker typed
    # Sharing again (a double tap) links and tells nothing more.
    await bot.send_contact(ELDER, PHONE)
    assert await db.fetchval(ROWS) == 1
    assert "网格走亲" not in texts(bot.fake.sent_to(ELDER.id, await deliver(bot)))


async def test_a_case_and_a_household_both_join(bot: Harness) -> None:
    await _filed(bot)  # also grants the grid worker
    await _on_register(bot)
    await register(bot, ELDER)
    answer = texts(await bot.send_contact(ELDER, PHONE))
    assert "MH-2026-000001" in answer
    assert await bot.services.db.fetchval(ROWS) == 1


async def test_someone_elses_or_a_forwarded_contact_tells_nothing(bot: Harness) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await _on_register(bot)
    await register(bot, ELDER)
    await bot.send_contact(ELDER, PHONE, owner=999999)
    await bot.send_contact(ELDER, PHONE, forwarded=True)
    await edit_message(bot, ELDER, PHONE)
    contact = {"phone_number": PHONE, "first_name": ELDER.first_name, "user_id": ELDER.id}
    in_group = {
        "message_id": 9999,
        "date": int(bot.clock.now().timestamp()),
        "chat": {"id": GROUP_ID, "type": "supergroup", "title": "上强社区居民群"},
        "from": ELDER.as_dict(),
        "contact": contact,
    }
    await bot._process({"message": in_group})  # their own card, but in a group
    db = bot.services.db
    assert await db.fetchval(ROWS) == 0
    assert await store.linked_to(db, ELDER.id) == []
    assert await store.linked_to(db, 999999) == []


async def test_an_unregistered_sender_links_nothing(bot: Harness) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await _on_register(bot)
    assert "/start" in texts(await bot.send_contact(ELDER, PHONE))
    assert await bot.services.db.fetchval(ROWS) == 0
