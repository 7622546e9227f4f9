"""The resident a case was filed for (代办) opens the bot, registers and shares their own
contact: the case joins their /my and they hear its steps; someone else's contact, a forwarded
card or a number with no case links nothing. Their /mydata shows it and /deleteme clears the
name and phone staff recorded."""

from __future__ import annotations

import json

from bot.complaints.rules import Action
from bot.complaints.service import act
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.proxy import file_for
from tests.support.representatives import OFFICER, WORKER, deliver, grant

ELDER = User(100051, "王奶奶")
PHONE = "13812345678"


async def _filed(bot: Harness) -> int:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await grant(bot, OFFICER, "department", department="XF")
    await file_for(bot, OFFICER, "王奶奶", PHONE)
    await deliver(bot)
    return int(await bot.services.db.fetchval("SELECT MAX(id) FROM complaints"))


async def test_the_resident_shares_their_contact_and_the_case_joins_their_my(bot: Harness) -> None:
    complaint_id = await _filed(bot)
    await register(bot, ELDER)
    calls = await bot.send(ELDER, "/link")
    keyboard = calls[-1].params["reply_markup"]["keyboard"]
    assert keyboard[0][0]["request_contact"] is True

    answer = texts(await bot.send_contact(ELDER, "+86 138 1234 5678"))
    assert "MH-2026-000001" in answer and "/my" in answer
    db = bot.services.db
    row = await db.fetchone(
        "SELECT c.reporter_id, x.person_id, x.linked_at FROM complaints c "
        "JOIN complaint_proxies x ON x.complaint_id = c.id WHERE c.id = ?",
        (complaint_id,),
    )
    assert (row[0], row[1], row[2]) == (ELDER.id, ELDER.id, bot.clock.now().isoformat())
    assert "MH-2026-000001" in texts(await bot.send(ELDER, "/my"))

    # The clerk who filed it is told once; from now on the steps reach the resident.
    since = await deliver(bot)
    assert "居民已在本机器人里关联" in texts(bot.fake.sent_to(OFFICER.id, since))
    since = len(bot.fake.calls)
    await act(bot.services, complaint_id, Action.ACCEPT, WORKER.id)
    await deliver(bot)
    assert "MH-2026-000001" in texts(bot.fake.sent_to(ELDER.id, since))
    assert bot.fake.sent_to(OFFICER.id, since) == []

    # Sharing again finds nothing more (it is linked already).
    assert "没有找到" in texts(await bot.send_contact(ELDER, PHONE))


async def test_someone_elses_contact_or_a_forwarded_card_links_nothing(bot: Harness) -> None:
    await _filed(bot)
    await register(bot, ELDER)
    before = await table_counts(bot)
    refused = texts(await bot.send_contact(ELDER, PHONE, owner=999999))
    assert "只能分享您自己的手机号" in refused
    assert "只能分享您自己的手机号" in texts(await bot.send_contact(ELDER, PHONE, forwarded=True))
    assert await table_counts(bot) == before
    linked = await bot.services.db.fetchval(
        "SELECT COUNT(*) FROM complaint_proxies WHERE person_id IS NOT NULL"
    )
    assert linked == 0


async def test_a_contact_before_registering_or_with_another_number_links_nothing(
    bot: Harness,
) -> None:
    await _filed(bot)
    assert "/start" in texts(await bot.send_contact(ELDER, PHONE))
    await register(bot, ELDER)
    assert "没有找到" in texts(await bot.send_contact(ELDER, "13900000000"))
    linked = await bot.services.db.fetchval(
        "SELECT COUNT(*) FROM complaint_proxies WHERE person_id IS NOT NULL"
    )
    assert linked == 0


async def test_mydata_shows_it_and_deleteme_clears_the_name_and_phone(bot: Harness) -> None:
    complaint_id = await _filed(bot)
    await register(bot, ELDER)
    await bot.send_contact(ELDER, PHONE)
    calls = await bot.send(ELDER, "/mydata")
    data = json.loads(next(c for c in calls if c.method == "sendDocument").files["document"])
    assert [(x["number"], x["name"], x["phone"]) for x in data["filed_for_you"]] == [
        ("MH-2026-000001", "王奶奶", PHONE)
    ]
    await bot.send(ELDER, "/deleteme")
    await bot.button(ELDER, "确定删除")
    row = await bot.services.db.fetchone(
        "SELECT name, phone, person_id, filed_by FROM complaint_proxies WHERE complaint_id = ?",
        (complaint_id,),
    )
    assert tuple(row) == (None, None, None, OFFICER.id)  # the filing stays, the resident goes
    # The clerk's own /mydata lists the filing, never the resident's name or phone.
    calls = await bot.send(OFFICER, "/mydata")
    clerk = json.loads(next(c for c in calls if c.method == "sendDocument").files["document"])
    assert [x["number"] for x in clerk["filed_by_you"]] == ["MH-2026-000001"]
    assert "王奶奶" not in json.dumps(clerk["filed_by_you"], ensure_ascii=False)
