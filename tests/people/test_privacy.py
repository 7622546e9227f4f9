"""/mydata exports a person's data; /deleteme erases it and anonymises their complaints."""

from __future__ import annotations

import json

from bot.people import privacy
from storage import people
from tests.support.harness import Harness, User, register, texts
from tests.support.privacy import report


async def _one_complaint(bot: Harness, user: User) -> None:
    await report(bot, user, "环境卫生", "垃圾桶满了很多天没人管", submit=True, where="跳过")


async def test_mydata_sends_everything_as_a_file_and_a_page(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    await _one_complaint(bot, resident)
    calls = await bot.send(resident, "/mydata")
    documents = [c for c in calls if c.method.startswith("send")]
    assert [c.method for c in documents] == ["sendDocument", "sendDocument"]
    assert json.loads(documents[0].files["document"])["person"]["first_name"] == "王阿姨"
    assert documents[1].files["document"].startswith(b"<!DOCTYPE html>")
    exported = (await privacy.export(bot.services, resident.id, "zh-CN")).data
    assert exported["person"]["first_name"] == "王阿姨"
    assert [c["number"] for c in exported["complaints"]] == ["MH-2026-000001"]
    async with bot.services.db.transaction() as conn:  # a meeting booking and a topic
        await conn.execute(
            "INSERT INTO meetings (id, title, place, starts_at, duration_minutes, capacity,"
            " registration_until, created_by, created_at) VALUES (7, '停车议事会', '党群中心',"
            " '2026-03-10T01:00:00+00:00', 60, 20, '2026-03-09T01:00:00+00:00', 1,"
            " '2026-03-02T02:00:00+00:00')"
        )
        await conn.execute(
            "INSERT INTO meeting_bookings (meeting_id, person_id, status, code, created_at)"
            " VALUES (7, ?, 'booked', 'ABCD2345', '2026-03-02T02:00:00+00:00')",
            (resident.id,),
        )
        await conn.execute(
            "INSERT INTO meeting_topics (meeting_id, person_id, text, created_at)"
            " VALUES (7, ?, '东门停车难', '2026-03-02T02:00:00+00:00')",
            (resident.id,),
        )
    exported = (await privacy.export(bot.services, resident.id, "zh-CN")).data
    assert [(b["title"], b["code"]) for b in exported["meeting_bookings"]] == [
        ("停车议事会", "ABCD2345")
    ]
    assert [t["text"] for t in exported["meeting_topics"]] == ["东门停车难"]
    assert exported["me_too"] == [] and exported["reception_bookings"] == []
    json.dumps(exported, ensure_ascii=False)  # what is sent is plain JSON


async def test_deleteme_erases_the_person_and_keeps_complaints_anonymous(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    await _one_complaint(bot, resident)
    await bot.send(resident, "/deleteme")
    calls = await bot.button(resident, "确定删除")
    assert "已删除" in texts(calls)
    db = bot.services.db
    assert await people.get(db, resident.id) is None
    row = await db.fetchone("SELECT reporter_id, anonymous, description FROM complaints")
    assert tuple(row) == (None, 1, "垃圾桶满了很多天没人管")
    assert (
        await db.fetchval(
            "SELECT COUNT(*) FROM complaint_events WHERE actor_id = ?", (resident.id,)
        )
        == 0
    )
    assert await db.fetchval("SELECT COUNT(*) FROM ptb_user_data") == 0
    assert "/start" in texts(await bot.send(resident, "/my"))


async def test_deleteme_can_be_called_off(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    await bot.send(resident, "/deleteme")
    await bot.button(resident, "不删除")
    assert await people.get(bot.services.db, resident.id) is not None
