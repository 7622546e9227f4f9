"""/mydata holds every row that names the person, in every table the schema has (a new table
without export coverage fails here), and a page an elderly resident can read."""

from __future__ import annotations

import json
import re

from bot.patrols import service as patrols
from bot.people import privacy
from tests.support.harness import Harness
from tests.support.privacy import (
    MEDIATION,
    NEIGHBOUR,
    PHONE,
    RESIDENT,
    a_full_life,
    a_staff_life,
    matches,
    personal_columns,
)
from tests.support.representatives import ADMIN, OTHER_REP, REP, WORKER

# Where each column naming a person appears in the export: `table` for every such column of
# the table, `table.column` for one (a table's columns may go to different sections).
SECTION_OF = {
    "people": "person",
    "role_grants.user_id": "roles",
    "role_grants.granted_by": "roles_granted",
    "complaints": "complaints",
    "complaint_events": "complaint_events",
    "complaint_supporters": "me_too",
    "subscriptions": "follows",
    "meeting_bookings": "meeting_bookings",
    "meeting_topics": "meeting_topics",
    "meetings": "meetings_organised",
    "reception_bookings": "reception_bookings",
    "assignment_events": "assignment_events",
    "outbox": "notices",
    "ptb_user_data": "saved_user_data",
    "ptb_chat_data": "saved_chat_data",
    "patrols": "patrols",
    "assignments.assignee_id": "assignments",
    "assignments.assigned_by": "work_given",
    "broadcasts": "broadcasts_sent",
    "bulletins.created_by": "bulletins_published",
    "reception_sessions": "reception_sessions",
    "supervision_items": "supervision_items",
    "dispatch_requests": "dispatch_requests",
    "complaint_proxies.person_id": "filed_for_you",
    "complaint_proxies.filed_by": "filed_by_you",
    "complaint_proxies.consent_by": "filed_by_you",
    "service_bookings": "service_bookings",
    "service_staff": "service_staff",
    "volunteer_activities": "activities_organised",
    "volunteer_signups": "volunteering",
    "points_ledger.person_id": "points",
    "points_ledger.by_id": "points_corrections",
    "points_items": "catalogue_items",
    "points_redemptions.person_id": "vouchers",
    "points_redemptions.beneficiary_id": "vouchers",
    "points_redemptions.used_by": "vouchers_checked",
    "family_links.person_id": "family",
    "family_invites": "family_invites",
    "volunteer_honour": "honour",
    "mediations.mediator_id": "mediated_by_you",
    "mediations.opened_by": "mediations_opened",
    "mediation_parties.person_id": "mediations",
    "mediation_parties.consent_by": "mediation_consents_recorded",
    "households.person_id": "home_visits",
    "households.registered_by": "households_registered",
    "households.consent_by": "households_registered",
    "visits": "visits_made",
    "dashboard_links": "screen_links",
    "dashboard_sessions": "screen_sessions",
    "dashboard_kiosks": "screen_kiosks",
}
# Columns with a person's id that hold nothing of a person, or that mirror an exported row.
NOT_PERSONAL = {
    "bulletins.chat_id": "the bulletin channel or group, never a person",
    "family_links.member_id": "a link is stored both ways: this row mirrors the exported one",
}
# The sections of a staff member's work records (no resident's name, phone or words).
WORK = (
    "roles_granted",
    "work_given",
    "meetings_organised",
    "households_registered",
    "mediations_opened",
    "mediation_consents_recorded",
    "catalogue_items",
    "vouchers_checked",
    "points_corrections",
    "screen_kiosks",
)


def _sections(columns: dict[str, list[str]]) -> dict[str, tuple[str, list[str]]]:
    """Each export section: its table and the columns whose rows it lists."""
    found: dict[str, tuple[str, list[str]]] = {}
    for table, names in columns.items():
        for column in names:
            name = f"{table}.{column}"
            if name in NOT_PERSONAL:
                continue
            section = SECTION_OF.get(name) or SECTION_OF[table]
            assert found.setdefault(section, (table, []))[0] == table, section
            found[section][1].append(column)
    return found


async def test_every_column_naming_a_person_has_its_place_in_the_export(bot: Harness) -> None:
    """Derived from the schema: a new column holding a person's id fails here until /mydata
    exports it (or it is shown to hold no person)."""
    columns = await personal_columns(bot)
    named = {f"{t}.{c}" for t, cs in columns.items() for c in cs}
    uncovered = {
        n for n in named if n not in SECTION_OF and n.split(".")[0] not in SECTION_OF
    } - set(NOT_PERSONAL)
    assert not uncovered, f"columns naming a person that /mydata does not export: {uncovered}"
    assert {"households.registered_by", "points_redemptions.used_by", "points_items.provider_id",
            "points_ledger.by_id", "mediations.opened_by", "dashboard_kiosks.created_by",
            "role_grants.granted_by"} <= named  # fmt: skip


async def test_the_export_holds_every_row_naming_the_resident_or_the_staff(bot: Harness) -> None:
    life = await a_full_life(bot)
    await a_staff_life(bot, life)
    db = bot.services.db
    sections = _sections(await personal_columns(bot))
    for who in (RESIDENT, NEIGHBOUR, WORKER, ADMIN, REP, OTHER_REP):
        data = (await privacy.export(bot.services, who.id, "zh-CN")).data
        for section, (table, names) in sections.items():
            where = " OR ".join(matches(table, c) for c in names)
            stored = await db.fetchval(
                f"SELECT COUNT(*) FROM {table} WHERE {where}", [who.id] * len(names)
            )
            exported = (1 if data[section] else 0) if table == "people" else len(data[section])
            assert exported == stored, f"{who.first_name} {section}: {stored} stored, {exported}"
    saved = await db.fetchval(
        "SELECT COUNT(*) FROM ptb_conversations "
        "WHERE EXISTS (SELECT 1 FROM json_each(ptb_conversations.key) WHERE value = ?)",
        (RESIDENT.id,),
    )
    data = (await privacy.export(bot.services, RESIDENT.id, "zh-CN")).data
    assert saved >= 1 and len(data["saved_conversations"]) == saved


async def test_a_staff_members_export_lists_their_work_without_the_residents_details(
    bot: Harness,
) -> None:
    """The household a worker registered is "household #N", the voucher they took the item,
    the correction an admin made its amount: the resident's name and phone stay theirs."""
    life = await a_full_life(bot)
    await a_staff_life(bot, life)
    worker = (await privacy.export(bot.services, WORKER.id, "zh-CN")).data
    admin = (await privacy.export(bot.services, ADMIN.id, "zh-CN")).data
    [household] = worker["households_registered"]
    assert (household["kind"], household["registered_by_you"]) == ("独居老人", 1)
    assert [v["title"] for v in worker["vouchers_checked"]] == ["理发券"]
    assert [i["you_provide"] for i in worker["catalogue_items"]] == [1]
    assert len(worker["mediations_opened"]) == 1
    consents = worker["mediation_consents_recorded"]  # the applicant's when opened, the other's
    assert sorted(c["side"] for c in consents) == ["applicant", "other"]
    assert [c["amount"] for c in admin["points_corrections"]] == [100]
    assert [k["label"] for k in admin["screen_kiosks"]] == ["镇大厅"]
    assert [g["user_id"] for g in admin["roles_granted"]] == [OTHER_REP.id]
    assert [w["text"] for w in admin["work_given"]] == ["走访东红村3组的独居老人"]
    assert admin["meetings_organised"]
    work = json.dumps([d[s] for d in (worker, admin) for s in WORK], ensure_ascii=False)
    for secret in (RESIDENT.first_name, PHONE, "东红村3组12号", "隔壁钱家"):
        assert secret not in work, secret
    page = (await privacy.export(bot.services, WORKER.id, "zh-CN")).page
    assert "<h2>我的其他工作记录</h2>" in page and "登记走访户 1 户" in page


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
