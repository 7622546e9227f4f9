"""Honest answers: a complaint nobody in charge can be told about is said to wait for the
town office (and waits where admins see it); /stats and the start-up log name the grids,
departments and categories with nobody reachable; reminders state the real deadline."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from storage import people, reach
from tests.support.complaints import report
from tests.support.harness import Harness, User, register, texts
from tests.support.representatives import ADMIN, BUILDER, REP, WORKER, assign_to, deliver, grant

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


async def _report(bot: Harness, resident: User, category: str) -> str:
    return texts(await report(bot, resident, category, "小区门口的路灯坏了一个多星期，晚上很黑"))


async def _assigned_to_the_representative(bot: Harness) -> None:
    """The admin assigns a visit to 周代表, due Friday 2026-03-06 18:00; the notice is sent."""
    await register(bot, ADMIN)
    await grant(bot, REP, "representative")
    await assign_to(bot, ADMIN, "走访东红村独居老人并记录需求")
    await bot.send(ADMIN, "2026-03-06")
    await bot.button(ADMIN, "确认交办")
    await deliver(bot)


async def _run_every_timer_due(bot: Harness) -> None:
    runner = bot.services.timers
    assert runner is not None
    while await runner.run_pass():
        pass


async def _filed_with_a_worker(bot: Harness, resident: User) -> None:
    """A worker of the resident's grid, an admin and the resident, who has filed a complaint."""
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    for user in (ADMIN, resident):
        await register(bot, user)
    await _report(bot, resident, "环境卫生")


async def _worker_reminded(bot: Harness, at: datetime) -> str:
    """What the worker is sent by the one timer due at `at`."""
    bot.clock.set(at)
    assert await bot.services.timers.run_pass() == 1  # type: ignore[union-attr]
    return texts(bot.fake.sent_to(WORKER.id, await deliver(bot)))


async def test_a_department_nobody_opened_the_bot_for_is_not_said_to_be_told(
    bot: Harness, resident: User
) -> None:
    await register(bot, ADMIN)
    await register(bot, resident)
    # 公共设施 goes to 城建 (CJ), whose officer never opened the bot.
    await grant(bot, BUILDER, "department", department="CJ", opened=False)
    reply = await _report(bot, resident, "公共设施")
    assert "已通知负责的工作人员" not in reply
    assert "已经登记" in reply and "等镇里指派" in reply
    since = await deliver(bot)
    assert not bot.fake.sent_to(BUILDER.id, since)
    to_admin = texts(bot.fake.sent_to(ADMIN.id, since))
    assert "在等您指派" in to_admin  # the admins are asked to transfer it
    number = str(await bot.services.db.fetchval("SELECT number FROM complaints"))
    stats = texts(await bot.send(ADMIN, "/stats"))
    assert "等待指派：1 件" in stats and number in stats
    assert "城建" in stats and "公共设施" in stats  # the unreachable department and category


async def test_a_blocked_officer_is_nobody_reachable_and_one_who_opened_it_is(
    bot: Harness, resident: User
) -> None:
    await register(bot, ADMIN)
    await register(bot, resident)
    await grant(bot, BUILDER, "department", department="CJ")
    assert "已通知负责的工作人员" in await _report(bot, resident, "公共设施")
    await people.mark_blocked(bot.services.db, BUILDER.id, bot.clock.now())
    reply = await _report(bot, resident, "公共设施")
    assert "等镇里指派" in reply and "已通知负责的工作人员" not in reply
    # Both wait now: the officer of the first one cannot be reached any more either.
    assert "等待指派：2 件" in texts(await bot.send(ADMIN, "/stats"))


async def test_stats_name_the_units_with_nobody_reachable(bot: Harness) -> None:
    await register(bot, ADMIN)
    stats = texts(await bot.send(ADMIN, "/stats"))
    assert "没有能联系到的人员" in stats
    assert "部门（5）：综合执法、城建、消防、社会治理、生态环境" in stats
    assert "诉求类别（3）：安全隐患、公共设施、违章搭建" in stats
    await grant(bot, BUILDER, "department", department="CJ")
    stats = texts(await bot.send(ADMIN, "/stats"))
    assert "部门（4）" in stats and "城建" not in stats.split("部门（4）")[1].split("\n")[0]


async def test_start_up_warns_about_units_with_nobody_reachable(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.complaints.reach")
    await grant(bot, BUILDER, "department", department="CJ", opened=False)
    await bot.restart()
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "bot.complaints.reach")
    assert "no admin has opened the bot" in logged
    assert "departments with nobody reachable" in logged and "城建" in logged
    assert "categories with nobody reachable" in logged and "公共设施" in logged
    assert "grids with nobody reachable" in logged


async def test_the_acceptance_reminder_states_the_deadline_not_its_own_time(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(local(2026, 2, 13, 10, 0))  # Friday; due to accept Saturday Feb 14, 18:00
    await _filed_with_a_worker(bot, resident)
    await deliver(bot)  # the new-complaint notice goes out first
    reminder = await _worker_reminded(bot, local(2026, 2, 14, 14, 0))  # four hours ahead
    assert "请在 2月14日 18:00 前签收" in reminder
    assert "14:00" not in reminder


async def test_the_resolution_reminder_states_the_deadline_not_its_own_time(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(local(2026, 3, 2, 10, 0))  # Monday
    await _filed_with_a_worker(bot, resident)  # 3 working days: resolve by Thursday Mar 5
    await bot.press(WORKER, "cs:accept:1")
    await deliver(bot)
    reminder = await _worker_reminded(bot, local(2026, 3, 5, 14, 0))
    assert "请在 3月5日 18:00 前办结" in reminder
    assert "14:00" not in reminder


async def test_a_reopened_complaint_whose_worker_blocked_the_bot_says_it_waits(
    bot: Harness, resident: User
) -> None:
    from bot.complaints.rules import Action
    from bot.complaints.service import act

    await _filed_with_a_worker(bot, resident)
    await act(bot.services, 1, Action.ACCEPT, WORKER.id)
    await act(bot.services, 1, Action.RESOLVE, WORKER.id, note="已修好")
    await deliver(bot)
    await people.mark_blocked(bot.services.db, WORKER.id, bot.clock.now())
    await bot.button(resident, "不满意")
    reply = texts(await bot.send(resident, "路灯还是不亮，晚上还是很黑"))
    assert "已退回原承办人员重办" in reply
    assert "工作人员已收到" not in reply and "等镇里指派" in reply


async def test_the_assignment_reminder_states_the_assignment_deadline(bot: Harness) -> None:
    await _assigned_to_the_representative(bot)
    bot.clock.set(local(2026, 3, 5, 18, 0))  # the reminder, a day ahead
    await bot.services.timers.run_pass()  # type: ignore[union-attr]
    reminder = texts(bot.fake.sent_to(REP.id, await deliver(bot)))
    assert "请在 3月6日 18:00 前完成" in reminder


async def test_a_transfer_to_a_department_nobody_can_be_reached_in_says_so(
    bot: Harness, resident: User
) -> None:
    await _filed_with_a_worker(bot, resident)
    await deliver(bot)
    await bot.button(WORKER, "转办")
    await bot.button(WORKER, "城建")  # nobody of 城建 has opened the bot
    reply = texts(await bot.send(WORKER, "井盖属于城建管理"))
    assert "转给 城建" in reply and "对方会收到通知" not in reply and "管理员指派" in reply
    assert "在等您指派" in texts(bot.fake.sent_to(ADMIN.id, await deliver(bot)))


async def test_a_representatives_item_for_a_department_nobody_opened_the_bot_for_says_it_waits(
    bot: Harness,
) -> None:
    await grant(bot, REP, "representative")
    await bot.send(REP, "/suggest")
    await bot.button(REP, "督促整改")
    await bot.button(REP, "暗访")
    await bot.button(REP, "公共设施")
    await bot.button(REP, "城建")  # no officer of 城建 has opened the bot
    await bot.send(REP, "上强社区东门人行道三块地砖松动翘起，老人容易绊倒")
    await bot.button(REP, "照片发完了")
    await bot.send_location(REP, 30.7012, 119.9523)  # in no grid: asked where
    await bot.button(REP, "我的网格")
    await bot.send(REP, "3月6日")
    reply = texts(await bot.button(REP, "确认提交"))
    assert "已提交" in reply and "已交给" not in reply and "等镇里指派" in reply
    number = await bot.services.db.fetchval("SELECT number FROM complaints ORDER BY id DESC")
    waiting, oldest = await reach.waiting_unassigned(bot.services.db)
    assert waiting == 1 and oldest[0]["number"] == number  # in the admins' queue


async def test_an_assignment_to_a_department_nobody_opened_the_bot_for_is_not_said_to_be_told(
    bot: Harness,
) -> None:
    await register(bot, ADMIN)
    # No officer of 城建 has opened the bot.
    await assign_to(bot, ADMIN, "检查阳山工业园的消防通道", "职能部门", "城建")
    await bot.send(ADMIN, "2026-03-06")
    reply = texts(await bot.button(ADMIN, "确认交办"))
    assert "已交办" in reply and "对方会收到通知" not in reply and "联系不上" in reply
    await grant(bot, BUILDER, "department", department="CJ", opened=False)
    await register(bot, BUILDER)  # now an officer can be reached
    await assign_to(bot, ADMIN, "复查阳山工业园的消防通道", "职能部门", "城建")
    await bot.send(ADMIN, "2026-03-06")
    assert "对方会收到通知" in texts(await bot.button(ADMIN, "确认交办"))


async def test_a_worker_is_not_told_the_resident_heard_when_the_resident_blocked_the_bot(
    bot: Harness, resident: User
) -> None:
    from tests.complaints.test_staff import WORKER as STAFF
    from tests.complaints.test_staff import _filed_and_told
    from tests.support.chat import membership

    cid = await _filed_and_told(bot, resident)
    await membership(bot, resident, "member", "kicked")  # the resident blocked the bot
    await register(bot, ADMIN)  # who rules on the 退回 (no dispatcher granted)
    await bot.press(STAFF, f"cs:reject:{cid}")
    await bot.send(STAFF, "这是小区物业的责任范围，请联系物业处理")
    await deliver(bot)
    reply = texts(await bot.button(ADMIN, "同意退回"))
    assert "已同意退回" in reply and "居民已收到" not in reply and "联系不上" in reply


async def test_a_patrol_hazard_for_a_department_nobody_opened_the_bot_for_says_it_waits(
    bot: Harness,
) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")  # no officer of 消防 opened it
    await bot.send(WORKER, "/patrol")
    await bot.send(WORKER, "上强社区3幢地下车库")
    await bot.button(WORKER, "不拍照")
    await bot.button(WORKER, "发现隐患")
    await bot.button(WORKER, "安全隐患")
    reply = texts(await bot.send(WORKER, "地下车库安全出口被电动车堵住，灭火器过期"))
    assert "MH-2026-000001" in reply and "已派发办理" not in reply and "等镇里指派" in reply


async def _late_for_a_week(bot: Harness, resident: User) -> str:
    """A complaint nobody accepted; the bot was down past its deadline: what the worker got."""
    from tests.calendar.test_deadlines import WORKER as LATE
    from tests.calendar.test_deadlines import _file

    await grant(bot, LATE, "grid_worker", grid="SQ-01-01")
    await register(bot, resident)  # the configured admin never opened the bot
    bot.clock.set(local(2026, 3, 2, 10, 0))
    await _file(bot, resident)
    await deliver(bot)
    bot.clock.set(local(2026, 3, 9, 18, 0))  # long past the acceptance deadline
    await _run_every_timer_due(bot)
    return texts(bot.fake.sent_to(LATE.id, await deliver(bot)))


async def test_an_overdue_worker_is_not_told_the_admins_know_when_no_admin_can_be_reached(
    bot: Harness, resident: User
) -> None:
    notice = await _late_for_a_week(bot, resident)
    assert "已逾期" in notice and "已通知片区管理员" not in notice


async def test_a_reminder_whose_deadline_passed_while_the_bot_was_down_is_not_sent_late(
    bot: Harness, resident: User
) -> None:
    notice = await _late_for_a_week(bot, resident)
    assert "已逾期" in notice and "请在 3月3日 18:00 前签收" not in notice


async def test_an_assignment_reminder_is_not_sent_after_the_deadline_it_reminds_of(
    bot: Harness,
) -> None:
    await _assigned_to_the_representative(bot)
    bot.clock.set(local(2026, 3, 9, 9, 0))  # the bot was down over the deadline
    await _run_every_timer_due(bot)
    assert "前完成" not in texts(bot.fake.sent_to(REP.id, await deliver(bot)))


async def test_a_complaint_nobody_can_take_stays_in_the_admins_queue_after_its_deadline(
    bot: Harness, resident: User
) -> None:
    await register(bot, ADMIN)
    await register(bot, resident)
    await _report(bot, resident, "环境卫生")  # nobody of the grid opened the bot
    assert (await reach.waiting_unassigned(bot.services.db))[0] == 1
    bot.clock.set(local(2026, 3, 12, 10, 0))  # past the acceptance deadline: escalated
    await _run_every_timer_due(bot)
    assert await bot.services.db.fetchval("SELECT status FROM complaints") == "escalated"
    waiting, oldest = await reach.waiting_unassigned(bot.services.db)
    assert waiting == 1 and oldest[0]["number"] == "MH-2026-000001"


async def test_progress_on_an_assignment_is_not_said_to_reach_an_assigner_who_blocked_the_bot(
    bot: Harness,
) -> None:
    await _assigned_to_the_representative(bot)
    await bot.button(REP, "签收")
    await people.mark_blocked(bot.services.db, ADMIN.id, bot.clock.now())  # the only admin
    await bot.button(REP, "进展")
    reply = texts(await bot.send(REP, "已走访三户，记录了用水和就医需求"))
    assert "已记录" in reply and "已告知交办人" not in reply
