"""/mydata holds every row that names the person, in every table the schema has (a new table
without export coverage fails here), and a page an elderly resident can read."""

from __future__ import annotations

import json
import re

from bot.patrols import service as patrols
from bot.people import privacy
from tests.support.harness import Harness
from tests.support.privacy import MEDIATION, PHONE, RESIDENT, a_full_life, personal_columns
from tests.support.representatives import WORKER

# Where each table naming a person appears in the export.
SECTION_OF = {
    "people": "person",
    "role_grants": "roles",
    "complaints": "complaints",
    "complaint_events": "complaint_events",
    "complaint_supporters": "me_too",
    "subscriptions": "follows",
    "meeting_bookings": "meeting_bookings",
    "meeting_topics": "meeting_topics",
    "reception_bookings": "reception_bookings",
    "assignment_events": "assignment_events",
    "outbox": "notices",
    "ptb_user_data": "saved_user_data",
    "ptb_chat_data": "saved_chat_data",
    "patrols": "patrols",
    "assignments": "assignments",
    "reception_sessions": "reception_sessions",
    "supervision_items": "supervision_items",
    "dispatch_requests": "dispatch_requests",
    "complaint_proxies": "filed_for_you",
    "service_bookings": "service_bookings",
    "service_staff": "service_staff",
    "volunteer_signups": "volunteering",
    "points_ledger": "points",
    "points_redemptions": "vouchers",
    "family_links": "family",
    "family_invites": "family_invites",
    "volunteer_honour": "honour",
    "mediation_parties": "mediations",
    "households": "home_visits",
    "visits": "visits_made",
    "dashboard_links": "screen_links",
    "dashboard_sessions": "screen_sessions",
}
# Tables with such a column that hold nothing of a person, and why.
NOT_PERSONAL = {"bulletins": "chat_id is the bulletin channel or group, never a person"}


async def test_the_export_covers_every_table_that_names_a_person(bot: Harness) -> None:
    await a_full_life(bot)
    db = bot.services.db
    columns = await personal_columns(bot)
    uncovered = set(columns) - set(SECTION_OF) - set(NOT_PERSONAL)
    assert not uncovered, f"tables naming a person that /mydata does not export: {uncovered}"
    data = (await privacy.export(bot.services, RESIDENT.id, "zh-CN")).data
    for table, names in columns.items():
        if table in NOT_PERSONAL:
            continue
        where = " OR ".join(f"{c} = ?" for c in names)
        stored = await db.fetchval(
            f"SELECT COUNT(*) FROM {table} WHERE {where}", [RESIDENT.id] * len(names)
        )
        section = data[SECTION_OF[table]]
        exported = (1 if section else 0) if table == "people" else len(section)
        assert exported == stored, f"{table}: {stored} stored, {exported} exported"
    saved = await db.fetchval(
        "SELECT COUNT(*) FROM ptb_conversations "
        "WHERE EXISTS (SELECT 1 FROM json_each(ptb_conversations.key) WHERE value = ?)",
        (RESIDENT.id,),
    )
    assert saved >= 1 and len(data["saved_conversations"]) == saved


async def test_mydata_holds_follows_ratings_reasons_bookings_topics_and_notices(
    bot: Harness,
) -> None:
    await a_full_life(bot)
    calls = await bot.send(RESIDENT, "/mydata")
    documents = [c for c in calls if c.method == "sendDocument"]
    assert [d.params["caption"][:2] for d in documents] == ["这是", "同样"]
    data = json.loads(documents[0].files["document"])
    assert [f["name"] for f in data["follows"]] == ["上强片区"]
    assert [(r["satisfaction"], r["rating"]) for r in data["ratings"]] == [("basic", 4)]
    redone = [c for c in data["complaints"] if c["redo_count"]]
    assert [c["redo_count"] for c in redone] == [1]
    assert "车还停在那里，根本没人来过" in [e["note"] for e in data["complaint_events"]]
    assert [b["status"] for b in data["meeting_bookings"]] == ["booked"]
    assert [t["text"] for t in data["meeting_topics"]] == ["东门晚上停车难"]
    assert [b["topic"] for b in data["reception_bookings"]] == ["想反映小区电梯维修的事"]
    assert len(data["me_too"]) == 1
    [mediated] = data["mediations"]
    assert (mediated["side"], mediated["summary"]) == ("applicant", MEDIATION)
    sent = [n for n in data["notices"] if n["state"] == "sent"]
    assert sent and all(n["text"] for n in sent)  # as the resident read them
    assert any(n["state"] == "pending" for n in data["notices"])  # the meeting reminders
    assert PHONE in json.dumps(data["saved_user_data"], ensure_ascii=False)  # the draft


async def test_the_readable_page_has_chinese_headings_and_natural_dates(bot: Harness) -> None:
    await a_full_life(bot)
    calls = await bot.send(RESIDENT, "/mydata")
    page_doc = [c for c in calls if c.method == "sendDocument"][1]
    assert page_doc.params.get("caption")
    page = page_doc.files["document"].decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in page
    for heading in ("我反映的问题", "我给出的评价", "我关注的片区", "议事会报名", "发给我的消息"):
        assert f"<h2>{heading}</h2>" in page
    assert "车还停在那里，根本没人来过" in page and "基本满意，4 星" in page and "欧阳秀英" in page
    assert "2026年3月2日 10:" in page  # registered on Monday 2 March at 10:00 Shanghai time
    stamps = re.findall(r'class="when">([^<]*)<', page)
    assert stamps and all(re.fullmatch(r"2026年[1-9]\d?月[1-9]\d?日 \d\d:\d\d", s) for s in stamps)
    assert "{" not in page.split("</style>")[1]  # nothing raw, no JSON


async def test_an_english_speaker_gets_the_page_in_english(bot: Harness) -> None:
    await a_full_life(bot)
    found = await privacy.export(bot.services, RESIDENT.id, "en")
    assert "<h2>Problems I reported</h2>" in found.page and "2 March 2026" in found.page


async def test_a_grid_workers_mydata_holds_where_and_when_they_patrolled(bot: Harness) -> None:
    """A patrol records the worker's own position and time: their personal data too."""
    await a_full_life(bot)
    grid = (await patrols.grids_of(bot.services, WORKER.id))[0]
    await patrols.log(
        bot.services,
        WORKER.id,
        patrols.Report(grid.id, latitude=30.7123, longitude=120.0456),
    )
    data = (await privacy.export(bot.services, WORKER.id, "zh-CN")).data
    assert [(p["latitude"], p["longitude"]) for p in data["patrols"]] == [(30.7123, 120.0456)]
    page = (await privacy.export(bot.services, WORKER.id, "zh-CN")).page
    assert "<h2>我的巡查记录</h2>" in page and "30.7123" in page


async def test_a_household_on_the_visit_register_is_in_its_residents_mydata_and_the_workers(
    bot: Harness,
) -> None:
    """网格走亲: the household the resident linked by their contact (its name, phone, notes,
    when it agreed), and for the grid worker the visits they made (not the household's name)."""
    await a_full_life(bot)
    mine = (await privacy.export(bot.services, RESIDENT.id, "zh-CN")).data["home_visits"]
    assert [(h["kind"], h["phone"], h["visits"]) for h in mine] == [("独居老人", PHONE, 1)]
    made = (await privacy.export(bot.services, WORKER.id, "zh-CN")).data["visits_made"]
    assert [(v["kind"], v["finding"]) for v in made] == [("独居老人", "ok")]
    assert RESIDENT.first_name not in json.dumps(made, ensure_ascii=False)
