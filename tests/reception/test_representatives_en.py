"""The representatives' flows in English: every message and notice renders (a template that
does not would crash a handler or leave a dead outbox row), and reads in English."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import ADMIN_ID
from tests.support.harness import Harness, User, register, texts
from tests.support.representatives import deliver, grant

ADMIN = User(ADMIN_ID, "Chen", language_code="en")
REP = User(400011, "Zhou", language_code="en")
WORKER = User(200011, "Zhang", language_code="en")
OFFICER = User(300011, "Yang", language_code="en")
RESIDENT = User(100031, "Alice", language_code="en")


async def _dead(bot: Harness) -> list[tuple[str, str]]:
    rows = await bot.services.db.fetchall(
        "SELECT template, last_error FROM outbox WHERE state = 'dead'"
    )
    return [(r[0], r[1]) for r in rows]


async def test_assignments_in_english(bot: Harness) -> None:
    await register(bot, ADMIN)
    await grant(bot, REP, "representative")
    assert "Assign work" in texts(await bot.send(ADMIN, "/assign"))
    await bot.send(ADMIN, "Check the fire exits of the Yangshan industrial park")
    await bot.press(ADMIN, "aa:k:representative")
    await bot.press(ADMIN, f"aa:p:{REP.id}")
    await bot.press(ADMIN, "aa:d:3")
    assert "Assigned" in texts(await bot.press(ADMIN, "aa:ok"))
    await deliver(bot)
    assert "My assignments" in texts(await bot.send(REP, "/tasks"))
    await bot.press(REP, "as:accept:1")
    await bot.press(REP, "as:note:1")
    await bot.send(REP, "Talked to the park management")
    await bot.press(REP, "as:done:1")
    await bot.send(REP, "Exits cleared")
    await bot.send_photo(REP, "exit-photo")
    await deliver(bot)
    await bot.press(ADMIN, "as:return:1")
    await bot.send(ADMIN, "One exit is still blocked")
    await deliver(bot)
    await bot.press(REP, "as:done:1")
    await bot.send(REP, "All exits cleared now")
    await bot.press(REP, "as:nophoto")
    await deliver(bot)
    assert "History" in texts(await bot.press(ADMIN, "ac:1"))
    await bot.press(ADMIN, "as:verify:1")
    assert "Nothing has been assigned" in texts(await bot.send(REP, "/tasks"))
    assert "No open assignments" in texts(await bot.send(ADMIN, "/assignments"))
    bot.clock.advance(timedelta(days=31))
    await bot.services.timers.run_pass()  # type: ignore[union-attr]
    since = await deliver(bot)
    assert "Re-check" in texts(bot.fake.sent_to(REP.id, since))
    await bot.press(REP, "as:failed:1")
    since = await deliver(bot)
    assert "came back" in texts(bot.fake.sent_to(ADMIN.id, since))
    assert await _dead(bot) == []


async def test_supervision_reception_and_patrols_in_english(bot: Harness) -> None:
    await grant(bot, REP, "representative")
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await grant(bot, OFFICER, "department", department="XF")
    await register(bot, RESIDENT)

    assert "what would you like to file" in texts(await bot.send(REP, "/suggest"))
    await bot.press(REP, "sv:k:suggestion")
    await bot.press(REP, "sv:s:unannounced")
    safety = await bot.services.db.fetchval("SELECT id FROM categories WHERE code = 'safety'")
    xf = await bot.services.db.fetchval("SELECT id FROM departments WHERE code = 'XF'")
    await bot.press(REP, f"sv:c:{safety}")
    await bot.press(REP, f"sv:d:{xf}")
    await bot.send(REP, "The fire hydrant by building 3 has no water")
    await bot.press(REP, "sv:photos")
    await bot.send(REP, "Skip")
    assert "Which <b>grid</b> is this in?" in texts(bot.fake.sent_to(REP.id))
    await bot.press(REP, "sv:w:home")
    await bot.press(REP, "sv:due")
    assert "Suggestion filed" in texts(await bot.press(REP, "sv:ok"))

    await bot.send(REP, "/reception")
    await bot.press(REP, "rv:new")
    station = await bot.services.db.fetchval("SELECT id FROM liaison_stations WHERE code = 'RD-SQ'")
    await bot.press(REP, f"rv:s:{station}")
    await bot.send(REP, "2026-03-05 09:00")
    await bot.press(REP, "rv:n:3")
    assert "Published" in texts(await bot.press(REP, "rv:ok"))
    assert "slots free" in texts(await bot.send(RESIDENT, "/reception"))
    await bot.press(RESIDENT, "rv:b:1")
    assert "Booked" in texts(await bot.send(RESIDENT, "The street light has been out for weeks"))
    bot.clock.advance(timedelta(days=2, hours=22))  # an hour before it starts
    since = await deliver(bot)
    assert "Reception day reminder" in texts(bot.fake.sent_to(RESIDENT.id, since))
    assert "New booking" in texts(bot.fake.sent_to(REP.id, since))
    bot.clock.advance(timedelta(hours=4))
    since = await deliver(bot)
    assert "is over" in texts(bot.fake.sent_to(REP.id, since))
    await bot.press(REP, "rv:m:1")
    await bot.press(REP, "rv:o:1")
    await bot.send(REP, "Reported to urban construction")
    assert "Which department" in texts(await bot.press(REP, "rv:x:1"))
    assert "became suggestion" in texts(await bot.press(REP, f"rv:xd:1:{xf}"))
    assert "My reception days" in texts(await bot.press(REP, "rv:mine"))

    await bot.send(WORKER, "/patrol")
    await bot.send(WORKER, "Building 3 garage")
    await bot.press(WORKER, "pt:nophoto")
    await bot.press(WORKER, "pt:r:hazard")
    await bot.press(WORKER, f"pt:c:{safety}")
    assert "hazard found" in texts(await bot.send(WORKER, "The exit is blocked by scooters"))
    since = await deliver(bot)
    notices = texts(bot.fake.sent_to(OFFICER.id, since))
    assert "New representative" in notices and "New hazard report" in notices
    assert await _dead(bot) == []
