"""An admin's /broadcast open across the upgrade that renumbered its steps resumes where it
was (steps 30–38 became 500–508; handlers.kit.conversation.renumbered)."""

from __future__ import annotations

from handlers.broadcasts.flow import State
from tests.broadcasts.test_broadcast import ADMIN, _send_out, _town, _until_preview
from tests.support.databases import raw_connection
from tests.support.harness import Harness, texts


def _steps(bot: Harness) -> list[int]:
    with raw_connection(bot.db_path) as raw:
        rows = raw.execute("SELECT state FROM ptb_conversations WHERE name = 'broadcast'")
        return [int(row[0]) for row in rows]


async def _saved_by_the_old_version(bot: Harness, step: int) -> None:
    """Restart with the admin's conversation saved under its old step number."""
    await bot.stop()
    with raw_connection(bot.db_path) as raw:
        raw.execute("UPDATE ptb_conversations SET state = ? WHERE name = 'broadcast'", (step,))
    await bot.start()


async def test_a_preview_saved_before_the_upgrade_still_sends(bot: Harness) -> None:
    await _town(bot)
    await _until_preview(bot, ["按片区", "上强"])
    await _saved_by_the_old_version(bot, 38)
    assert bot.app is not None
    await bot.app.update_persistence()
    assert _steps(bot) == [State.CONFIRM]  # saved under its new number

    assert "发送中" in texts(await bot.button(ADMIN, "确认发送"))
    assert await _send_out(bot) == 2


async def test_a_draft_waiting_for_its_words_before_the_upgrade_takes_them(bot: Harness) -> None:
    await _town(bot)
    await bot.send(ADMIN, "/broadcast")
    await bot.button(ADMIN, "全体居民")
    await _saved_by_the_old_version(bot, 36)
    await bot.send(ADMIN, "今晚八点起全镇停水，请提前储水。")
    assert "紧急" in "".join(bot.buttons(ADMIN.id))  # on to ordinary or urgent
