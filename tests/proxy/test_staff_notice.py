"""The handler's new-case notice of a report filed for someone (代办) says so: it names the staff
member who filed it for a resident (whom they relay to), never the resident's name or phone."""

from __future__ import annotations

from tests.support.harness import Harness, texts
from tests.support.proxy import file_for
from tests.support.representatives import OFFICER, WORKER, deliver, grant


async def test_the_worker_reads_who_filed_it_for_a_resident(bot: Harness) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await grant(bot, OFFICER, "department", department="XF")  # at the town's window
    await file_for(bot, OFFICER, "王奶奶", "13812345678")
    since = await deliver(bot)
    notice = texts(bot.fake.sent_to(WORKER.id, since))
    assert "MH-2026-000001" in notice
    assert "代办：消防小杨 为居民" in notice
    assert "反映人：消防小杨" not in notice  # not as if the clerk had the problem
    assert "王奶奶" not in notice and "138" not in notice


async def test_an_english_worker_reads_it_too(bot: Harness) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    async with bot.services.db.transaction() as conn:
        await conn.execute("UPDATE people SET language = 'en' WHERE id = ?", (WORKER.id,))
    await grant(bot, OFFICER, "department", department="XF")
    await file_for(bot, OFFICER, "王奶奶", None)
    since = await deliver(bot)
    notice = texts(bot.fake.sent_to(WORKER.id, since))
    assert "Filed by 消防小杨 for a resident (代办)" in notice and "王奶奶" not in notice
