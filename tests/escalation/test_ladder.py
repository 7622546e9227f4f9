"""A case nobody touches walks the escalation ladder on working days, across the 2026 National
Day holiday (1–7 October) and its make-up Saturday (10 October): the reminder stating the
deadline, 催办 at it to the handler and the dispatcher with a button opening the case, a 催办
each working day, the 通报 to the zone's admins after three working days, and one digest a
working day for the admins — each once, across a restart too. Accepting stops it; a progress
note does not; a safety hazard's daily 催办 reaches the dispatcher at once."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.complaints import service
from bot.complaints.rules import Action
from bot.escalation import ladder
from storage import complaints, escalation, lifecycle, timers
from tests.conftest import ADMIN_ID
from tests.support.complaints import last_id, report
from tests.support.harness import Harness, User, register, texts
from tests.support.representatives import OFFICER, WORKER, deliver, grant

SHANGHAI = ZoneInfo("Asia/Shanghai")
ADMIN = User(ADMIN_ID, "镇办老陈")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


async def at(bot: Harness, *moment: int) -> dict[int, str]:
    """Move the clock, run what fell due, deliver; what each person was sent."""
    bot.clock.set(local(*moment))
    runner = bot.services.timers
    assert runner is not None
    while await runner.run_pass():
        pass
    since = await deliver(bot)
    return {uid: texts(bot.fake.sent_to(uid, since)) for uid in (WORKER.id, ADMIN.id, OFFICER.id)}


async def _filed_before_the_holiday(
    bot: Harness, resident: User, category: str = "环境卫生"
) -> int:
    """Wednesday 30 September 10:00: a complaint for 张网格's grid (accept by 8 October)."""
    bot.clock.set(local(2026, 9, 30, 10, 0))
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await grant(bot, OFFICER, "department", department="XF")
    for user in (ADMIN, resident):
        await register(bot, user)
    await at(bot, 2026, 9, 30, 10, 0)  # the first pass plans the digest
    await report(bot, resident, category, "小区东门垃圾桶满了三天没人清理，气味很大")
    await deliver(bot)
    return await last_id(bot)


async def test_a_case_left_alone_walks_the_whole_ladder_across_the_holiday(
    bot: Harness, resident: User
) -> None:
    cid = await _filed_before_the_holiday(bot, resident)
    c = await complaints.get(bot.services.db, cid)
    assert c is not None and c.ack_due_at == local(2026, 10, 8, 18, 0)
    number = c.number

    for day in range(1, 8):  # the holiday: no digest, nothing due
        assert await at(bot, 2026, 10, day, 9, 30) == {WORKER.id: "", ADMIN.id: "", OFFICER.id: ""}

    sent = await at(bot, 2026, 10, 8, 8, 30)  # the first working day: the digest
    assert "每日汇总" in sent[ADMIN.id] and "新收 1 件" in sent[ADMIN.id]
    assert number in sent[ADMIN.id] and "逾期 0 件" in sent[ADMIN.id]
    assert "待您裁决 0 件" in sent[ADMIN.id] and sent[WORKER.id] == ""

    sent = await at(bot, 2026, 10, 8, 14, 0)  # four hours before the deadline
    assert "请在 10月8日 18:00 前签收" in sent[WORKER.id] and sent[ADMIN.id] == ""

    sent = await at(bot, 2026, 10, 8, 18, 0)  # the deadline: 催办 no. 1, to both
    assert "催办（第 1 次）" in sent[WORKER.id] and "已逾期" in sent[WORKER.id]
    assert "已通知指挥中心" in sent[WORKER.id]
    assert "催办（第 1 次）" in sent[ADMIN.id] and "请督促" in sent[ADMIN.id]
    assert "张网格" in sent[ADMIN.id]  # who is responsible
    assert bot.buttons(ADMIN.id) == {"📂 打开案件": f"si:{cid}"}
    card = texts(await bot.button(ADMIN, "打开案件"))
    assert number in card and "小区东门垃圾桶" in card

    await bot.restart()  # the rest of the ladder is rows: a restart changes nothing
    sent = await at(bot, 2026, 10, 9, 9, 0)  # Friday: the digest, then the daily 催办
    assert "逾期 1 件" in sent[ADMIN.id] and "新收 0 件" in sent[ADMIN.id]
    assert "催办" not in sent[ADMIN.id]  # the dispatcher reads it in the digest
    assert "催办（第 2 次）" in sent[WORKER.id] and "已逾期 1 个工作日" in sent[WORKER.id]

    sent = await at(bot, 2026, 10, 10, 9, 0)  # Saturday, a make-up working day
    assert "催办（第 3 次）" in sent[WORKER.id] and "每日汇总" in sent[ADMIN.id]
    assert await at(bot, 2026, 10, 11, 9, 0) == {WORKER.id: "", ADMIN.id: "", OFFICER.id: ""}
    sent = await at(bot, 2026, 10, 12, 9, 0)  # Monday
    assert "催办（第 4 次）" in sent[WORKER.id] and "每日汇总" in sent[ADMIN.id]

    sent = await at(bot, 2026, 10, 12, 18, 0)  # three working days late: 通报
    assert "通报" in sent[ADMIN.id] and "逾期 3 个工作日" in sent[ADMIN.id]
    assert await escalation.reported_at(bot.services.db, cid) == local(2026, 10, 12, 18, 0)
    sent = await at(bot, 2026, 10, 13, 8, 30)
    assert "已通报" in sent[ADMIN.id]

    every = texts(bot.fake.sent_to(WORKER.id)) + texts(bot.fake.sent_to(ADMIN.id))
    for once in ("10月8日 18:00 前签收。", "第 1 次", "第 2 次", "第 3 次", "第 4 次", "通报："):
        assert every.count(once) == (2 if once == "第 1 次" else 1), once
    assert texts(bot.fake.sent_to(ADMIN.id)).count("每日汇总") == 5  # 8, 9, 10, 12, 13 Oct
    kinds = [e.kind for e in (await complaints.get(bot.services.db, cid)).events]  # type: ignore[union-attr]
    assert kinds == ["submitted", "escalated", "reported"]

    # Accepting ends the climb for acceptance; resolving was due on 10 October (three working
    # days from filing), so the ladder starts again, from 催办 no. 1, for resolving.
    await service.act(bot.services, cid, Action.ACCEPT, WORKER.id)
    assert [t.kind for t in await timers.pending(bot.services.db, cid)] == ["resolve_due"]
    sent = await at(bot, 2026, 10, 13, 9, 0)
    assert (
        "催办（第 1 次）" in sent[WORKER.id] and "办结期限 10月10日 18:00 已过" in sent[WORKER.id]
    )
    assert await escalation.reported_at(bot.services.db, cid) is None


async def test_a_progress_note_does_not_silence_the_ladder(bot: Harness, resident: User) -> None:
    cid = await _filed_before_the_holiday(bot, resident)
    bot.clock.set(local(2026, 10, 8, 9, 0))
    await service.act(bot.services, cid, Action.ACCEPT, WORKER.id)  # resolve by 10 October
    await service.act(bot.services, cid, Action.NOTE, WORKER.id, note="已联系物业")
    assert "resolve_due" in [t.kind for t in await timers.pending(bot.services.db, cid)]
    sent = await at(bot, 2026, 10, 10, 18, 0)
    assert "催办（第 1 次）" in sent[WORKER.id] and "办结期限" in sent[WORKER.id]
    bot.clock.set(local(2026, 10, 10, 20, 0))
    await service.act(bot.services, cid, Action.NOTE, WORKER.id, note="周一清运")
    sent = await at(bot, 2026, 10, 12, 9, 0)
    assert "催办（第 2 次）" in sent[WORKER.id]


async def test_a_hazard_is_urgent_its_daily_reminder_reaches_the_dispatcher_at_once(
    bot: Harness, resident: User
) -> None:
    await _filed_before_the_holiday(bot, resident, category="安全隐患")
    sent = await at(bot, 2026, 10, 8, 18, 0)
    assert "催办（第 1 次）" in sent[OFFICER.id] and "消防" in sent[ADMIN.id]
    sent = await at(bot, 2026, 10, 9, 9, 0)
    assert "催办（第 2 次）" in sent[OFFICER.id] and "催办（第 2 次）" in sent[ADMIN.id]


async def test_the_digest_is_once_a_working_day_and_skipped_for_a_day_the_bot_was_down(
    bot: Harness, resident: User
) -> None:
    await _filed_before_the_holiday(bot, resident)
    sent = await at(bot, 2026, 10, 9, 10, 0)  # down over 8 October: its digest is skipped
    assert texts(bot.fake.sent_to(ADMIN.id)).count("每日汇总") == 1
    assert "新收 1 件" in sent[ADMIN.id]  # what is new since the last digest sent
    assert await at(bot, 2026, 10, 9, 11, 0) == {WORKER.id: "", ADMIN.id: "", OFFICER.id: ""}
    states = await bot.services.db.fetchall("SELECT day, state FROM ladder_digests ORDER BY day")
    assert [tuple(r) for r in states][:2] == [("2026-10-08", "skipped"), ("2026-10-09", "sent")]


async def test_nobody_gets_an_empty_digest(bot: Harness, resident: User) -> None:
    await register(bot, ADMIN)
    await at(bot, 2026, 3, 2, 10, 0)  # the first pass plans the digest of 3 March
    sent = await at(bot, 2026, 3, 3, 9, 0)
    assert sent[ADMIN.id] == ""
    assert (
        await bot.services.db.fetchval("SELECT state FROM ladder_digests WHERE day = '2026-03-03'")
        == "sent"
    )


async def test_a_deadline_moved_later_while_overdue_meets_the_first_rung_again(
    bot: Harness, resident: User
) -> None:
    cid = await _filed_before_the_holiday(bot, resident)
    bot.clock.set(local(2026, 10, 8, 9, 0))
    await service.act(bot.services, cid, Action.ACCEPT, WORKER.id)  # resolve by 10 October
    assert "催办（第 1 次）" in (await at(bot, 2026, 10, 10, 18, 0))[WORKER.id]
    # An extension to Friday 16 October (the dispatch centre's: here its storage steps).
    async with bot.services.db.transaction() as conn:
        now = bot.clock.now()
        later = local(2026, 10, 16, 18, 0)
        await lifecycle.change(
            conn, cid, expected_status="escalated", now=now, resolve_due_at=later
        )
        await timers.cancel_all(conn, cid)
        await ladder.schedule(conn, bot.services, await complaints.get_in(conn, cid), now)
    assert "催办" not in (await at(bot, 2026, 10, 12, 9, 0))[WORKER.id]
    sent = await at(bot, 2026, 10, 16, 18, 0)
    assert "催办（第 1 次）" in sent[WORKER.id] and "催办（第 1 次）" in sent[ADMIN.id]
    assert "催办（第 2 次）" in (await at(bot, 2026, 10, 19, 9, 0))[WORKER.id]


async def test_a_reject_waiting_for_a_ruling_is_in_the_next_digest(
    bot: Harness, resident: User
) -> None:
    await _filed_before_the_holiday(bot, resident)
    await bot.button(WORKER, "退回")
    await bot.send(WORKER, "这是小区物业的责任范围，请联系物业处理")  # a request to the centre
    sent = await at(bot, 2026, 10, 8, 8, 30)
    assert "待您裁决 1 件" in sent[ADMIN.id]
