"""An admin's /broadcast open across the upgrade that renumbered its steps resumes where it
was (migration 0009: steps 30–38 became 500–508)."""

from __future__ import annotations

import sqlite3

from handlers.broadcasts.flow import State
from tests.broadcasts.test_broadcast import ADMIN, _send_out, _town, _until_preview
from tests.support.harness import Harness, texts


def _steps(bot: Harness) -> list[int]:
    with sqlite3.connect(bot.db_path) as raw:
        rows = raw.execute("SELECT state FROM ptb_conversations WHERE name = 'broadcast'")
        return [int(row[0]) for row in rows]


async def test_a_preview_saved_before_the_upgrade_still_sends(bot: Harness) -> None:
    await _town(bot)
    await _until_preview(bot, ["按片区", "上强"])
    await bot.stop()
    assert _steps(bot) == [State.CONFIRM]
    with sqlite3.connect(bot.db_path) as raw:  # as the version before saved it
        raw.execute("UPDATE ptb_conversations SET state = '38' WHERE name = 'broadcast'")
        raw.execute("PRAGMA user_version = 8")
    await bot.start()
    assert _steps(bot) == [State.CONFIRM]

    assert "发送中" in texts(await bot.button(ADMIN, "确认发送"))
    assert await _send_out(bot) == 2


async def test_a_draft_waiting_for_its_words_before_the_upgrade_takes_them(bot: Harness) -> None:
    await _town(bot)
    await bot.send(ADMIN, "/broadcast")
    await bot.button(ADMIN, "全体居民")
    await bot.stop()
    with sqlite3.connect(bot.db_path) as raw:
        raw.execute("UPDATE ptb_conversations SET state = '36' WHERE name = 'broadcast'")
        raw.execute("PRAGMA user_version = 8")
    await bot.start()
    assert _steps(bot) == [State.TEXT]
    await bot.send(ADMIN, "今晚八点起全镇停水，请提前储水。")
    assert "紧急" in "".join(bot.buttons(ADMIN.id))  # on to ordinary or urgent
