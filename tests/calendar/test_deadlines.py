"""Deadlines across the 2026 Spring Festival, reminders before them, escalation (催办) at them,
and the timers of a resolved complaint — all with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.complaints import service
from bot.complaints.rules import Action
from storage import complaints, people, timers
from tests.conftest import ADMIN_ID
from tests.support.complaints import last_id, report
from tests.support.harness import Harness, User, register, texts

SHANGHAI = ZoneInfo("Asia/Shanghai")
WORKER = User(200001, "张网格")
ADMIN = User(ADMIN_ID, "镇办小李")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


async def _file(bot: Harness, resident: User, category: str = "环境卫生") -> int:
    await report(bot, resident, category, "小区东门垃圾桶满了三天没人清理", address="跳过")
    return await last_id(bot)


async def _setup(bot: Harness, resident: User) -> None:
    grid = await bot.services.db.fetchval("SELECT id FROM grids WHERE code = 'SQ-01-01'")
    await people.grant(bot.services.db, WORKER.id, "grid_worker", bot.clock.now(), grid_id=grid)
    for user in (WORKER, ADMIN, resident):
        await register(bot, user)


async def test_filed_before_the_spring_festival_it_is_due_on_the_make_up_saturday(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(local(2026, 2, 13, 10, 0))  # Friday; the holiday runs Feb 15-23
    await _setup(bot, resident)
    reply = texts(await _file_and_confirm(bot, resident))
    assert "2月14日 18:00 前受理" in reply  # Saturday Feb 14 is a make-up working day
    assert "2月25日 18:00 前办结" in reply  # parking: 3 working days: Feb 14, 24, 25
    c = await complaints.get(bot.services.db, 1)
    assert c is not None and c.ack_due_at == local(2026, 2, 14, 18, 0)


async def _file_and_confirm(bot: Harness, resident: User):  # type: ignore[no-untyped-def]
    return await report(
        bot, resident, "停车管理", "消防通道上长期停着一辆白色面包车", address="跳过"
    )


async def test_a_reminder_before_the_deadline_and_escalation_at_it(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(local(2026, 2, 13, 10, 0))
    await _setup(bot, resident)
    cid = await _file(bot, resident)
    runner = bot.services.timers
    assert runner is not None
    kinds = [t.kind for t in await timers.pending(bot.services.db, cid)]
    assert kinds == ["ack_remind", "ack_due"]

    bot.clock.set(local(2026, 2, 14, 13, 59))
    assert await runner.run_pass() == 0  # nothing is due yet
    bot.clock.set(local(2026, 2, 14, 14, 0))  # four hours before the deadline
    assert await runner.run_pass() == 1
    since = len(bot.fake.calls)
    await bot.services.delivery.run_pass(bot.app.bot)  # type: ignore[union-attr]
    assert "请在 2月14日 18:00 前签收" in texts(bot.fake.sent_to(WORKER.id, since))

    bot.clock.set(local(2026, 2, 14, 18, 0))  # the deadline passes: 催办
    assert await runner.run_pass() == 1
    c = await complaints.get(bot.services.db, cid)
    assert c is not None and c.status == "escalated" and c.escalated_at == bot.clock.now()
    since = len(bot.fake.calls)
    await bot.services.delivery.run_pass(bot.app.bot)  # type: ignore[union-attr]
    assert "催办" in texts(bot.fake.sent_to(ADMIN.id, since))
    assert "已逾期" in texts(bot.fake.sent_to(WORKER.id, since))
    assert await runner.run_pass() == 0  # once only


async def test_accepting_in_time_cancels_the_escalation(bot: Harness, resident: User) -> None:
    bot.clock.set(local(2026, 2, 13, 10, 0))
    await _setup(bot, resident)
    cid = await _file(bot, resident)
    await service.act(bot.services, cid, Action.ACCEPT, WORKER.id)
    kinds = [t.kind for t in await timers.pending(bot.services.db, cid)]
    assert kinds == ["resolve_remind", "resolve_due"]
    due = (await timers.pending(bot.services.db, cid))[-1].due_at
    assert due == local(2026, 2, 25, 18, 0)  # 3 working days: Feb 14 (make-up), 24, 25
    bot.clock.set(local(2026, 2, 14, 18, 0))
    await bot.services.timers.run_pass()  # type: ignore[union-attr]
    c = await complaints.get(bot.services.db, cid)
    assert c is not None and c.status == "accepted"


async def test_an_unanswered_resolution_closes_after_three_days(
    bot: Harness, resident: User
) -> None:
    await _setup(bot, resident)
    cid = await _file(bot, resident)
    await service.act(bot.services, cid, Action.ACCEPT, WORKER.id)
    await service.act(bot.services, cid, Action.RESOLVE, WORKER.id, note="已清运")
    bot.clock.advance(timedelta(days=3))
    await bot.services.timers.run_pass()  # type: ignore[union-attr]
    c = await complaints.get(bot.services.db, cid)
    assert c is not None and (c.status, c.close_reason) == ("closed", "no_reply")
    kinds = [t.kind for t in await timers.pending(bot.services.db, cid)]
    assert kinds == ["followup"]  # 回头看 in 30 days
