"""The dispatch centre rules: a worker's 退回 is a request its zone's dispatcher approves,
refuses or re-routes (a dispatcher of another zone may do none of it); a 延期申请 approved
moves the deadline and its reminder and escalation timers; a 转办 always says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.complaints.dispatch import dispatchers_for
from storage import dispatch, people, timers
from tests.conftest import ADMIN_ID
from tests.support.complaints import last_id, report
from tests.support.harness import Harness, User, register, texts
from tests.support.representatives import deliver, grant

WORKER = User(200001, "张网格")
OFFICER = User(300002, "城建小王")
SQ_DISPATCH = User(700001, "上强分中心老吴")
YS_DISPATCH = User(700002, "阳山分中心小林")
TOWN_DISPATCH = User(700003, "镇指挥中心")
ADMIN = User(ADMIN_ID, "镇办老陈")


async def _dispatcher(bot: Harness, user: User, zone: str | None) -> None:
    """Granted by the admin with /grant, as a town office does it; then they open the bot."""
    code = zone or "-"
    reply = texts(await bot.send(ADMIN, f"/grant dispatcher {user.id} {code} {user.first_name}"))
    assert "已授予" in reply
    await register(bot, user)


async def _filed(bot: Harness, resident: User) -> int:
    """A worker of 上强社区第一网格 and the admin opened the bot; a resident files a case."""
    await register(bot, ADMIN)
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await register(bot, resident)
    await report(bot, resident)
    await deliver(bot)
    return await last_id(bot)


async def _status(bot: Harness, cid: int) -> str:
    return str(await bot.services.db.fetchval("SELECT status FROM complaints WHERE id = ?", (cid,)))


async def _requests(bot: Harness, cid: int) -> list[tuple[str, str]]:
    return [(r.kind, r.status) for r in await dispatch.requests_of(bot.services.db, cid)]


async def test_a_dispatcher_is_granted_for_one_zone_or_the_town(bot: Harness) -> None:
    await register(bot, ADMIN)
    await _dispatcher(bot, SQ_DISPATCH, "SQ")
    await _dispatcher(bot, TOWN_DISPATCH, None)
    assert "片区代码" in texts(await bot.send(ADMIN, "/grant dispatcher 700009 NOPE 某人"))
    rows = await bot.services.db.fetchall(
        "SELECT r.user_id, z.code FROM role_grants r LEFT JOIN zones z ON z.id = r.zone_id "
        "WHERE r.role = 'dispatcher' ORDER BY r.user_id"
    )
    assert [tuple(r) for r in rows] == [(SQ_DISPATCH.id, "SQ"), (TOWN_DISPATCH.id, None)]
    assert "没有权限" in texts(await bot.send(SQ_DISPATCH, "/grant dispatcher 700009 SQ"))


async def test_who_rules_is_the_zones_dispatcher_else_the_towns_else_the_admins(
    bot: Harness,
) -> None:
    services = bot.services
    sq = await dispatch.zone_id_by_code(services.db, "SQ")
    ys = await dispatch.zone_id_by_code(services.db, "YS")
    assert await dispatchers_for(services, sq) == []  # the configured admin never opened it
    await register(bot, ADMIN)
    assert await dispatchers_for(services, sq) == [ADMIN.id]
    await _dispatcher(bot, TOWN_DISPATCH, None)
    assert await dispatchers_for(services, sq) == [TOWN_DISPATCH.id]
    await _dispatcher(bot, SQ_DISPATCH, "SQ")
    assert await dispatchers_for(services, sq) == [SQ_DISPATCH.id]
    assert await dispatchers_for(services, ys) == [TOWN_DISPATCH.id]
    # A zone's dispatcher granted but never reached: the town's rule instead.
    await people.grant(services.db, YS_DISPATCH.id, "dispatcher", bot.clock.now(), zone_id=ys)
    assert await dispatchers_for(services, ys) == [TOWN_DISPATCH.id]


async def test_a_workers_reject_reaches_the_zones_dispatcher_who_reroutes_it(
    bot: Harness, resident: User
) -> None:
    await _dispatcher(bot, SQ_DISPATCH, "SQ")
    await _dispatcher(bot, YS_DISPATCH, "YS")
    await grant(bot, OFFICER, "department", department="CJ")
    cid = await _filed(bot, resident)
    await bot.button(WORKER, "退回")
    await bot.send(WORKER, "井盖不归网格管，应由城建维修")
    since = await deliver(bot)
    asked = texts(bot.fake.sent_to(SQ_DISPATCH.id, since))
    assert "退回申请" in asked and "井盖不归网格管" in asked and "张网格" in asked
    assert not bot.fake.sent_to(YS_DISPATCH.id, since)  # another zone's centre hears nothing
    assert not bot.fake.sent_to(ADMIN.id, since)
    request_id = (await dispatch.requests_of(bot.services.db, cid))[0].id

    # The other zone's dispatcher forges the ruling and the 改派: refused, nothing changes.
    assert "职责范围" in texts(await bot.press(YS_DISPATCH, f"dp:rok:{request_id}"))
    assert "不归您办理" in texts(await bot.press(YS_DISPATCH, f"cs:transfer:{cid}"))
    assert await _status(bot, cid) == "submitted"
    assert await _requests(bot, cid) == [("reject", "pending")]

    # The zone's dispatcher re-routes it to 城建 with a reason the officer reads.
    await bot.button(SQ_DISPATCH, "改派")
    assert "转办原因" in texts(await bot.button(SQ_DISPATCH, "城建"))
    assert "城建" in texts(await bot.send(SQ_DISPATCH, "属于市政设施，请城建处理"))
    assert await _status(bot, cid) == "transferred"
    assert await _requests(bot, cid) == [("reject", "rerouted")]
    since = await deliver(bot)
    received = texts(bot.fake.sent_to(OFFICER.id, since))
    assert "转来的" in received and "转办原因：属于市政设施" in received
    assert "井盖不归网格管" not in texts(bot.fake.sent_to(resident.id, since))
    # The ruling's buttons are stale now.
    assert "已经处理过" in texts(await bot.press(SQ_DISPATCH, f"dp:rok:{request_id}"))
    assert await _status(bot, cid) == "transferred"


async def test_a_refused_reject_leaves_the_case_with_the_worker(
    bot: Harness, resident: User
) -> None:
    await _dispatcher(bot, SQ_DISPATCH, "SQ")
    cid = await _filed(bot, resident)
    await bot.button(WORKER, "退回")
    await bot.send(WORKER, "这是物业的事")
    await deliver(bot)
    assert "已不同意退回" in texts(await bot.button(SQ_DISPATCH, "不同意"))
    assert await _requests(bot, cid) == [("reject", "refused")]
    assert await _status(bot, cid) == "submitted"
    since = await deliver(bot)
    assert "不同意退回" in texts(bot.fake.sent_to(WORKER.id, since))
    # The worker asks again; the admin (a ruler too) approves from /board; the resident
    # hears why.
    await bot.press(WORKER, f"cs:reject:{cid}")
    await bot.send(WORKER, "物业合同写明由物业负责清运")
    await deliver(bot)
    assert "⚖️" in texts(await bot.send(ADMIN, "/board"))
    card = texts(await bot.button(ADMIN, "MH-"))
    assert "物业合同" in card and "退回未获同意" in card
    assert "已同意退回" in texts(await bot.button(ADMIN, "同意退回"))
    assert await _status(bot, cid) == "rejected"
    since = await deliver(bot)
    assert "物业合同" in texts(bot.fake.sent_to(resident.id, since))
    events = await bot.services.db.fetchall(
        "SELECT kind FROM complaint_events WHERE complaint_id = ? ORDER BY id", (cid,)
    )
    assert [e[0] for e in events] == [
        "submitted",
        "reject_asked",
        "reject_refused",
        "reject_asked",
        "rejected",
    ]


async def test_a_dispatchers_own_reject_is_final(bot: Harness, resident: User) -> None:
    await _dispatcher(bot, SQ_DISPATCH, "SQ")
    cid = await _filed(bot, resident)
    await bot.press(SQ_DISPATCH, f"cs:reject:{cid}")
    assert "已退回" in texts(await bot.send(SQ_DISPATCH, "重复反映，已在 MH 另案办理"))
    assert await _status(bot, cid) == "rejected"


def _local(*args: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


async def test_an_extension_approved_moves_the_deadline_and_the_reminders(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(_local(2026, 3, 2, 9, 0))  # Monday
    await _dispatcher(bot, SQ_DISPATCH, "SQ")
    cid = await _filed(bot, resident)  # 环境卫生: 3 working days to resolve
    await bot.button(WORKER, "签收")
    before = await bot.services.db.fetchval(
        "SELECT resolve_due_at FROM complaints WHERE id = ?", (cid,)
    )
    assert before.startswith("2026-03-05T10:00")  # Thu 18:00 local

    assert "延期到哪一天" in texts(await bot.button(WORKER, "延期申请"))
    assert "工作日" in texts(await bot.send(WORKER, "2026-03-07"))  # a Saturday
    assert "没看懂" in texts(await bot.send(WORKER, "下周吧"))
    assert "延期原因" in texts(await bot.send(WORKER, "2026-03-10"))
    assert "等指挥中心审批" in texts(await bot.send(WORKER, "需要等环卫所的压缩车，周二才排得上"))
    since = await deliver(bot)
    asked = texts(bot.fake.sent_to(SQ_DISPATCH.id, since))
    assert "延期申请" in asked and "3月10日 18:00" in asked and "压缩车" in asked

    assert "已批准" in texts(await bot.button(SQ_DISPATCH, "批准延期"))
    due = await bot.services.db.fetchval(
        "SELECT resolve_due_at FROM complaints WHERE id = ?", (cid,)
    )
    assert due.startswith("2026-03-10T10:00")
    pending = [(t.kind, t.due_at) for t in await timers.pending(bot.services.db, cid)]
    new_due = _local(2026, 3, 10, 18, 0)
    assert pending == [("resolve_remind", new_due - timedelta(hours=4)), ("resolve_due", new_due)]
    since = await deliver(bot)
    assert "3月10日 18:00" in texts(bot.fake.sent_to(WORKER.id, since))
    assert "延长到" in texts(bot.fake.sent_to(resident.id, since))

    # Nothing escalates at the old deadline; the reminder comes before the new one.
    bot.clock.set(_local(2026, 3, 5, 18, 30))
    await bot.services.timers.run_pass()  # type: ignore[union-attr]
    assert await _status(bot, cid) == "accepted"
    bot.clock.set(_local(2026, 3, 10, 14, 30))
    await bot.services.timers.run_pass()  # type: ignore[union-attr]
    since = await deliver(bot)
    assert "3月10日 18:00" in texts(bot.fake.sent_to(WORKER.id, since))


async def test_an_extension_is_asked_at_most_twice_and_refusal_keeps_the_deadline(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(_local(2026, 3, 2, 9, 0))
    await _dispatcher(bot, SQ_DISPATCH, "SQ")
    cid = await _filed(bot, resident)
    await bot.button(WORKER, "签收")
    before = await bot.services.db.fetchval(
        "SELECT resolve_due_at FROM complaints WHERE id = ?", (cid,)
    )
    for day in ("2026-03-09", "2026-03-11"):
        await bot.press(WORKER, f"dp:ext:{cid}")
        await bot.send(WORKER, day)
        await bot.send(WORKER, "还在等配件")
        await deliver(bot)
        assert "已驳回" in texts(await bot.button(SQ_DISPATCH, "不批准"))
    since = await deliver(bot)
    assert "没有批准" in texts(bot.fake.sent_to(WORKER.id, since))
    assert (
        await bot.services.db.fetchval("SELECT resolve_due_at FROM complaints WHERE id = ?", (cid,))
        == before
    )
    assert "2 次延期" in texts(await bot.press(WORKER, f"dp:ext:{cid}"))
    assert await _requests(bot, cid) == [("extend", "refused"), ("extend", "refused")]


async def test_only_the_handler_of_an_accepted_case_may_ask_for_more_time(
    bot: Harness, resident: User
) -> None:
    await _dispatcher(bot, SQ_DISPATCH, "SQ")
    cid = await _filed(bot, resident)
    assert "已签收" in texts(await bot.press(WORKER, f"dp:ext:{cid}"))  # not accepted yet
    await bot.press(WORKER, f"cs:accept:{cid}")
    assert "职责范围" in texts(await bot.press(resident, f"dp:ext:{cid}"))
    assert "找不到" in texts(await bot.press(WORKER, "dp:ext:999999"))
    assert await _requests(bot, cid) == []


async def test_work_nobody_can_take_goes_to_the_zones_dispatch_centre(
    bot: Harness, resident: User
) -> None:
    await register(bot, ADMIN)
    await _dispatcher(bot, SQ_DISPATCH, "SQ")
    await register(bot, resident)  # 上强社区第一网格 has no worker who opened the bot
    await report(bot, resident)
    since = await deliver(bot)
    assert "在等您指派" in texts(bot.fake.sent_to(SQ_DISPATCH.id, since))
    assert not bot.fake.sent_to(ADMIN.id, since)  # not an ordinary admin card any more
    cid = await last_id(bot)
    assert f"cs:transfer:{cid}" in bot.buttons(SQ_DISPATCH.id).values()


async def test_an_overdue_case_given_more_time_is_in_hand_again(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(_local(2026, 3, 2, 9, 0))
    await _dispatcher(bot, SQ_DISPATCH, "SQ")
    cid = await _filed(bot, resident)
    await bot.button(WORKER, "签收")
    bot.clock.set(_local(2026, 3, 5, 18, 5))  # past the deadline: 催办
    await bot.services.timers.run_pass()  # type: ignore[union-attr]
    assert await _status(bot, cid) == "escalated"
    await bot.press(WORKER, f"dp:ext:{cid}")
    await bot.send(WORKER, "2026-03-09")
    await bot.send(WORKER, "配件周一到")
    await deliver(bot)
    await bot.button(SQ_DISPATCH, "批准延期")
    assert await _status(bot, cid) == "accepted"
    kinds = [t.kind for t in await timers.pending(bot.services.db, cid)]
    assert kinds == ["resolve_remind", "resolve_due"]


def test_dispatchers_have_the_board_in_their_menu() -> None:
    from bot.runtime.menus import commands_for

    assert "board" in commands_for(["dispatcher"]) and "board" in commands_for(["admin"])
    assert "board" not in commands_for(["grid_worker"])


async def test_a_transfer_to_the_grid_it_is_in_is_refused_before_the_reason(
    bot: Harness, resident: User
) -> None:
    cid = await _filed(bot, resident)
    await bot.button(WORKER, "转办")
    await bot.button(WORKER, "另一个网格")
    await bot.button(WORKER, "上强片区")
    await bot.button(WORKER, "上强社区")
    assert "另选一个" in texts(await bot.button(WORKER, "上强社区第一网格"))
    assert "转办原因" in texts(await bot.button(WORKER, "上强社区第二网格"))  # still picking
    await bot.send(WORKER, "这条路归第二网格")
    assert await _status(bot, cid) == "transferred"


async def test_an_extension_form_survives_a_restart_and_a_resolved_case_ends_the_request(
    bot: Harness, resident: User
) -> None:
    bot.clock.set(_local(2026, 3, 2, 9, 0))
    await _dispatcher(bot, SQ_DISPATCH, "SQ")
    cid = await _filed(bot, resident)
    await bot.button(WORKER, "签收")
    await bot.button(WORKER, "延期申请")
    await bot.restart()
    assert "延期原因" in texts(await bot.send(WORKER, "2026-03-10"))
    assert "等指挥中心审批" in texts(await bot.send(WORKER, "等配件"))
    await deliver(bot)
    request_id = (await dispatch.requests_of(bot.services.db, cid))[0].id
    # The worker finishes before anyone rules: the request ends, its buttons are stale.
    await bot.press(WORKER, f"cs:resolve:{cid}")
    await bot.send(WORKER, "已清运完毕")
    await bot.button(WORKER, "不需要照片")
    assert await _requests(bot, cid) == [("extend", "withdrawn")]
    assert "已经处理过" in texts(await bot.press(SQ_DISPATCH, f"dp:eok:{request_id}"))
    assert await _status(bot, cid) == "resolved"
