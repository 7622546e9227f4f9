"""A volunteer's /mydata holds their places, points, vouchers, family and honour choice;
/deleteme erases them, gives their place to the first waiting (told), keeps the voucher as the
provider's record without them, and takes their name out of their family's notices. An
English-speaking volunteer reads every step in English."""

from __future__ import annotations

from bot.people import privacy
from bot.points.buttons import NAMED, SIGN_UP, VIEW
from tests.points.test_points import ADMIN, FORM, PROVIDER, RESIDENTS, _published
from tests.support.harness import Harness, User, register, texts
from tests.support.privacy import deliver

GRANDMA, PARENT, NEIGHBOUR = RESIDENTS[0], RESIDENTS[1], RESIDENTS[2]


async def _a_volunteer_life(bot: Harness) -> int:
    for user in (GRANDMA, PARENT, NEIGHBOUR, PROVIDER):
        await register(bot, user)
    activity_id = await _published(bot)
    await bot.send(ADMIN, FORM.replace("| 8 |", "| 1 |"))  # a second one, with one place
    small = activity_id + 1
    for who, which in ((GRANDMA, activity_id), (GRANDMA, small), (NEIGHBOUR, small)):
        await bot.press(who, VIEW.pack(which))
        await bot.press(who, SIGN_UP.pack(which))
    await bot.send(ADMIN, f"/catalogue add 30 5 - {PROVIDER.id} 少儿书法课一节")
    await bot.send(ADMIN, f"/correct {GRANDMA.id} 40 补记")
    code = texts(await bot.send(GRANDMA, "/family")).split("/family ")[1].split()[0]
    await bot.send(PARENT, f"/family {code}")
    await bot.send(GRANDMA, "/points")
    await bot.press(GRANDMA, NAMED.pack(True))
    await bot.button(GRANDMA, "少儿书法课一节")
    await bot.button(GRANDMA, f"为{PARENT.first_name}兑换")
    await deliver(bot)
    return small


async def test_mydata_holds_places_points_vouchers_family_and_honour(bot: Harness) -> None:
    await _a_volunteer_life(bot)
    data = (await privacy.export(bot.services, GRANDMA.id, "zh-CN")).data
    assert [v["status"] for v in data["volunteering"]] == ["booked", "booked"]
    assert [p["amount"] for p in data["points"]] == [40, -30]
    assert [v["title"] for v in data["vouchers"]] == ["少儿书法课一节"]
    assert [f["first_name"] for f in data["family"]] == [PARENT.first_name]
    assert len(data["family_invites"]) == 1
    assert data["honour"] == [{"named": 1, "at": data["honour"][0]["at"]}]
    parent = (await privacy.export(bot.services, PARENT.id, "zh-CN")).data
    assert [v["for_you"] for v in parent["vouchers"]] == [1]


async def test_deleteme_erases_it_and_the_first_waiting_gets_the_place(bot: Harness) -> None:
    small = await _a_volunteer_life(bot)
    db = bot.services.db
    await bot.send(GRANDMA, "/deleteme")
    assert "已删除" in texts(await bot.button(GRANDMA, "确定删除"))
    for table in ("volunteer_signups", "points_ledger", "volunteer_honour", "family_invites"):
        left = await db.fetchval(f"SELECT COUNT(*) FROM {table} WHERE person_id = ?", (GRANDMA.id,))
        assert left == 0, table
    assert await db.fetchval("SELECT COUNT(*) FROM family_links") == 0
    assert await db.fetchval("SELECT COUNT(*) FROM points_redemptions WHERE person_id IS NULL") == 1
    status = await db.fetchval(
        "SELECT status FROM volunteer_signups WHERE person_id = ? AND activity_id = ?",
        (NEIGHBOUR.id, small),
    )
    assert status == "booked"
    named = "SELECT COUNT(*) FROM outbox WHERE context LIKE '%' || ? || '%'"
    assert await db.fetchval(named, (GRANDMA.first_name,)) == 0
    since = len(bot.fake.calls)
    await deliver(bot)
    assert "候补成功" in texts(bot.fake.sent_to(NEIGHBOUR.id, since))


async def test_an_english_volunteer_reads_every_step_in_english(bot: Harness) -> None:
    volunteer = User(200101, "Anna", "en")
    await register(bot, volunteer)
    activity_id = await _published(bot)
    await deliver(bot)
    assert "Volunteers wanted" in texts(bot.fake.sent_to(volunteer.id))
    card = texts(await bot.press(volunteer, VIEW.pack(activity_id)))
    assert "What to do" in card and "Places: 8" in card
    assert "You have a place" in texts(await bot.press(volunteer, SIGN_UP.pack(activity_id)))
    summary = texts(await bot.send(volunteer, "/points"))
    assert "My volunteer points: 0" in summary
    assert "one-time code" in texts(await bot.send(volunteer, "/family"))
    assert "honour roll" in texts(await bot.button(volunteer, "Honour roll"))
    assert "Send /clock" in texts(await bot.send(volunteer, "/clock"))
