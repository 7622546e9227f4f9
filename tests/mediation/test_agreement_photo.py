"""📎 协议照片: the photo of the signed agreement is on the card for those who may read it — sent
by its file id, again on a second press; forged, third-party and group presses show nothing."""

from __future__ import annotations

from tests.mediation.test_mediation import APPLICANT, MEDIATOR, THIRD, _ask, _staff
from tests.support.harness import Harness, table_counts, texts
from tests.support.representatives import deliver

PHOTO = "agreement-photo-1"


async def _closed_with_photo(bot: Harness) -> None:
    await _staff(bot)
    await _ask(bot, APPLICANT)
    await deliver(bot)
    await bot.button(MEDIATOR, "对方同意调解")
    await bot.press(MEDIATOR, "md:o:1:succeeded")
    await bot.send(MEDIATOR, "围墙后退半米，费用由王家承担")
    await bot.send_photo(MEDIATOR, PHOTO)
    await deliver(bot)
    db = bot.services.db
    assert await db.fetchval("SELECT terms_photo FROM mediations") == PHOTO


def _photos(calls: list) -> list[str]:
    return [str(c.params["photo"]) for c in calls if c.method == "sendPhoto"]


async def test_the_card_offers_the_photo_to_its_readers(bot: Harness) -> None:
    await _closed_with_photo(bot)
    for reader in (MEDIATOR, APPLICANT):
        await bot.send(reader, "/mediations")
        await bot.button(reader, "TJ-2026-000001")
        assert "📎 协议照片" in bot.buttons(reader.id)
        sent = await bot.button(reader, "协议照片")
        assert _photos(sent) == [PHOTO]
        assert "TJ-2026-000001" in texts(sent)
        again = await bot.press(reader, "md:p:1")  # a second press sends it again, edits nothing
        assert _photos(again) == [PHOTO]
        assert not [c for c in again if c.method.startswith("edit")]


async def test_a_card_without_a_photo_has_no_button(bot: Harness) -> None:
    await _staff(bot)
    await _ask(bot, APPLICANT)
    await deliver(bot)
    await bot.button(MEDIATOR, "对方同意调解")
    assert not any("协议照片" in label for label in bot.buttons(MEDIATOR.id))
    assert _photos(await bot.press(MEDIATOR, "md:p:1")) == []


async def test_forged_foreign_and_group_presses_show_nothing(bot: Harness) -> None:
    await _closed_with_photo(bot)
    before = await table_counts(bot)
    for data in ("md:p:1", "md:p:2", "md:p:x", "md:p:1:1", "md:p:-1", "md:p:"):
        assert _photos(await bot.press(THIRD, data)) == []  # a third person, forged data
    assert _photos(await bot.press(MEDIATOR, "md:p:99")) == []  # no such case
    group = {"message_id": 5, "date": 0, "chat": {"id": -100, "type": "group"}, "text": "x"}
    assert _photos(await bot.press(APPLICANT, "md:p:1", seen=group)) == []
    assert await table_counts(bot) == before
