"""Dispute mediation in-process: a case named in words, its consent recorded by the mediator,
the deadlines told to the dispatch centre once, bad input changing nothing, and /deleteme."""

from __future__ import annotations

from datetime import timedelta

from storage import people, privacy
from tests.support.chat import edit_message, send_in_group
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.representatives import WORKER, deliver, file_complaint, grant

MEDIATOR = User(500001, "老调解")
DISPATCHER = User(500002, "指挥小刘")
APPLICANT = User(100011, "李大伯")
THIRD = User(100012, "赵阿姨")
FAR_WORKER = User(200009, "阳网格")
SECOND = User(500003, "老调解二")
FAR_DISPATCHER = User(500004, "阳山指挥")
STORY = "隔壁新盖的围墙占了我家院子半米，多次商量没有结果"


async def _staff(bot: Harness) -> None:
    db = bot.services.db
    zone = await db.fetchval("SELECT id FROM zones WHERE code = 'SQ'")
    now = bot.clock.now()
    await people.grant(db, MEDIATOR.id, "mediator", now, zone_id=zone, display_name="老调解")
    await people.grant(db, DISPATCHER.id, "dispatcher", now, zone_id=zone)
    for user in (MEDIATOR, DISPATCHER, APPLICANT, THIRD):
        await register(bot, user)


async def _ask(bot: Harness, user: User, other: str = "对门孙家") -> str:
    await bot.send(user, "/mediate")
    await bot.button(user, "邻里")
    await bot.send(user, other)
    await bot.send(user, STORY)
    return texts(await bot.button(user, "确认提交"))


async def test_a_named_side_agrees_through_the_mediator(bot: Harness) -> None:
    await _staff(bot)
    answer = await _ask(bot, APPLICANT)
    assert "TJ-2026-000001" in answer and "调解员会联系对方" in answer
    since = await deliver(bot)
    assert "新的调解案件" in texts(bot.fake.sent_to(MEDIATOR.id, since))
    await bot.button(MEDIATOR, "对方同意调解")
    row = await bot.services.db.fetchone(
        "SELECT consent, consent_by, consent_at FROM mediation_parties WHERE side = 'other'"
    )
    assert tuple(row) == ("accepted", MEDIATOR.id, bot.clock.now().isoformat())
    consent = "md:c:1:1"
    again = texts(await bot.press(MEDIATOR, consent))  # pressed again: nothing changes
    assert "调解员会" not in again
    assert await bot.services.db.fetchval("SELECT status FROM mediations") == "active"


async def test_a_third_person_sees_nothing_and_forged_buttons_change_nothing(
    bot: Harness,
) -> None:
    await _staff(bot)
    await _ask(bot, APPLICANT)
    before = await table_counts(bot)
    for data in ("md:v:1", "md:c:1:1", "md:s:1", "md:o:1:failed", "md:f:1:0", "md:a:1:other:1"):
        said = texts(await bot.press(THIRD, data))
        assert STORY not in said and "对门孙家" not in said
    assert await table_counts(bot) == before
    assert "没有调解案件" in texts(await bot.send(THIRD, "/mediations"))
    assert await bot.services.db.fetchval("SELECT status FROM mediations") == "pending"


async def test_bad_input_is_answered_and_changes_nothing(bot: Harness) -> None:
    await _staff(bot)
    before = await table_counts(bot)
    group = texts(await send_in_group(bot, APPLICANT, "/mediate"))
    assert STORY not in group
    await bot.send(APPLICANT, "/mediate")
    await bot.button(APPLICANT, "邻里")
    assert "需要 1–30 个字" in texts(await bot.send(APPLICANT, "王" * 31))
    await bot.send(APPLICANT, "对门孙家")
    assert "需要 5–1000 个字" in texts(await bot.send(APPLICANT, "吵"))
    await edit_message(bot, APPLICANT, STORY)  # an edit is not read
    assert "需要 5–1000 个字" in texts(await bot.send(APPLICANT, "长" * 1001))
    assert "已取消" in texts(await bot.send(APPLICANT, "/cancel"))
    assert await table_counts(bot) == before


async def test_missed_deadlines_reach_the_dispatch_centre_once(bot: Harness) -> None:
    await _staff(bot)
    await _ask(bot, APPLICANT)
    await deliver(bot)
    runner = bot.services.timers
    assert runner is not None
    bot.clock.advance(timedelta(days=4))  # Monday 2 March + 4 days: past 2 working days
    await runner.run_pass()
    since = await deliver(bot)
    told = texts(bot.fake.sent_to(DISPATCHER.id, since))
    assert "调解超期" in told and "2 个工作日内没有安排调解" in told and STORY not in told
    await runner.run_pass()
    assert "调解超期" not in texts(bot.fake.sent_to(DISPATCHER.id, await deliver(bot)))
    bot.clock.advance(timedelta(days=27))
    await runner.run_pass()
    assert "30 天内没有调解结果" in texts(bot.fake.sent_to(DISPATCHER.id, await deliver(bot)))


async def test_deleteme_takes_the_party_and_their_words(bot: Harness) -> None:
    await _staff(bot)
    await _ask(bot, APPLICANT)
    async with bot.services.db.transaction() as conn:
        await privacy.erase_in(conn, APPLICANT.id)
    db = bot.services.db
    assert await db.fetchval("SELECT summary FROM mediations") == ""
    assert (
        await db.fetchval(
            "SELECT COUNT(*) FROM mediation_parties WHERE person_id = ?", (APPLICANT.id,)
        )
        == 0
    )
    assert await db.fetchval("SELECT kind FROM mediations") == "neighbour"  # still counted


async def test_report_offers_mediation_for_a_dispute(bot: Harness) -> None:
    await _staff(bot)
    await bot.send(APPLICANT, "/report")
    shown = texts(await bot.button(APPLICANT, "矛盾纠纷"))
    assert "/mediate" in shown and "申请调解" in shown
    await bot.send(APPLICANT, "/cancel")
    await bot.send(APPLICANT, "/report")
    assert "/mediate" not in texts(await bot.button(APPLICANT, "环境卫生"))


async def test_a_grid_worker_opens_one_from_a_complaint(bot: Harness) -> None:
    await _staff(bot)
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    number = await file_complaint(bot, APPLICANT, "矛盾纠纷", STORY)
    # Not theirs: a resident, and a worker of another grid.
    assert "不归您办理" in texts(await bot.send(THIRD, f"/mediate {number}"))
    await grant(bot, FAR_WORKER, "grid_worker", grid="YS-01-01", opened=False)
    await register(bot, FAR_WORKER, zone="阳山", community="阳山社区", grid="第一网格")
    assert "不归您办理" in texts(await bot.send(FAR_WORKER, f"/mediate {number}"))
    await bot.send(WORKER, f"/mediate {number}")
    await bot.button(WORKER, "邻里")
    assert "对方也在用本机器人" not in " ".join(bot.buttons(WORKER.id))
    await bot.send(WORKER, "对门孙家")
    assert "已为反映人开启调解" in texts(await bot.button(WORKER, "确认提交"))
    db = bot.services.db
    m = await db.fetchone("SELECT * FROM mediations")
    assert (m["opened_by"], m["summary"]) == (WORKER.id, STORY)
    assert m["complaint_id"] == await db.fetchval("SELECT id FROM complaints")
    applicant = await db.fetchone("SELECT * FROM mediation_parties WHERE side = 'applicant'")
    assert (applicant["person_id"], applicant["consent_by"]) == (APPLICANT.id, WORKER.id)
    since = await deliver(bot)
    assert "为您申请了矛盾调解" in texts(bot.fake.sent_to(APPLICANT.id, since))
    assert "没有调解案件" in texts(await bot.send(FAR_WORKER, "/mediations"))


async def test_the_zone_dispatcher_gives_a_case_to_another_mediator(bot: Harness) -> None:
    await _staff(bot)
    db = bot.services.db
    zone = await db.fetchval("SELECT id FROM zones WHERE code = 'SQ'")
    other_zone = await db.fetchval("SELECT id FROM zones WHERE code = 'YS'")
    now = bot.clock.now()
    await people.grant(db, SECOND.id, "mediator", now, zone_id=zone, display_name="老调解二")
    await people.grant(db, FAR_DISPATCHER.id, "dispatcher", now, zone_id=other_zone)
    for user in (SECOND, FAR_DISPATCHER):
        await register(bot, user)
    await _ask(bot, APPLICANT)
    assert await db.fetchval("SELECT mediator_id FROM mediations") == MEDIATOR.id
    # Another zone's dispatch centre reads nothing of it.
    assert STORY not in texts(await bot.press(FAR_DISPATCHER, "md:v:1"))
    assert "没有找到" in texts(await bot.press(FAR_DISPATCHER, f"md:m:1:{SECOND.id}"))
    card = texts(await bot.press(DISPATCHER, "md:v:1"))
    assert STORY in card
    before = await table_counts(bot)
    await bot.press(DISPATCHER, f"md:m:1:{THIRD.id}")  # forged: not a mediator
    assert await table_counts(bot) == before
    await bot.button(DISPATCHER, "交给 老调解二")
    assert await db.fetchval("SELECT mediator_id FROM mediations") == SECOND.id
    since = await deliver(bot)
    assert "新的调解案件" in texts(bot.fake.sent_to(SECOND.id, since))


async def test_a_newcomer_opens_the_link_registers_and_is_invited(bot: Harness) -> None:
    await _staff(bot)
    await bot.send(APPLICANT, "/mediate")
    await bot.button(APPLICANT, "邻里")
    await bot.button(APPLICANT, "对方也在用本机器人")
    await bot.send(APPLICANT, STORY)
    answer = texts(await bot.button(APPLICANT, "确认提交"))
    code = answer.split("start=")[1].split()[0]
    assert texts(await bot.send(APPLICANT, f"/start {code}")).count("自己发出的邀请链接") == 1
    newcomer = User(100013, "孙大哥")
    said = texts(await bot.send(newcomer, f"/start {code}"))
    assert "隐私说明" in said and STORY not in said  # nothing before consent
    assert "无法识别" not in texts(await bot.button(newcomer, "✅"))  # not an unknown QR code
    await bot.button(newcomer, "上强")
    await bot.button(newcomer, "上强社区")
    shown = texts(await bot.button(newcomer, "第一网格"))
    assert "登记完成" in shown and "调解邀请" in shown and STORY in shown
    await bot.button(newcomer, "同意调解")
    row = await bot.services.db.fetchone(
        "SELECT person_id, consent_by, invite_code FROM mediation_parties WHERE side = 'other'"
    )
    assert tuple(row) == (newcomer.id, newcomer.id, None)
    again = texts(await bot.press(newcomer, f"md:j:{code.removeprefix('tj_')}:0"))
    assert "已经用过或已失效" in again
    assert await bot.services.db.fetchval("SELECT status FROM mediations") == "active"
