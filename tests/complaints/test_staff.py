"""Staff work a complaint from the buttons of their notice: accept, reject, transfer, note,
resolve; /inbox lists open work, /complaint shows a history, /stats counts. Every press is
checked on the server, so a forged or repeated one is refused politely and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import ADMIN_ID
from tests.support.complaints import last_id, report
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.representatives import deliver, grant

WORKER = User(200001, "张网格")
NEIGHBOUR = User(200002, "李网格")  # a worker of the next grid
OFFICER = User(300001, "消防小杨")
ADMIN = User(ADMIN_ID, "镇办老陈")


async def _grant_worker(bot: Harness, user: User, grid_code: str = "SQ-01-01") -> None:
    await grant(bot, user, "grid_worker", grid=grid_code)  # staff open the bot once, like everyone


async def _grant_officer(bot: Harness, user: User, department_code: str) -> None:
    await grant(bot, user, "department", department=department_code)


async def _file(bot: Harness, user: User, *args: str) -> int:
    """A resident files a complaint (no photo, a typed address); its id."""
    await report(bot, user, *args)
    return await last_id(bot)


async def _status(bot: Harness, complaint_id: int) -> str:
    return str(
        await bot.services.db.fetchval(
            "SELECT status FROM complaints WHERE id = ?", (complaint_id,)
        )
    )


async def _filed_and_told(bot: Harness, resident: User) -> int:
    """The worker and the resident are registered, a complaint is filed, the worker told."""
    await _grant_worker(bot, WORKER)
    await register(bot, resident)
    cid = await _file(bot, resident)
    await deliver(bot)
    return cid


async def test_a_worker_accepts_and_the_resident_is_told(bot: Harness, resident: User) -> None:
    cid = await _filed_and_told(bot, resident)
    assert set(bot.buttons(WORKER.id).values()) == {
        f"cs:accept:{cid}",
        f"cs:reject:{cid}",
        f"cs:transfer:{cid}",
    }
    since = len(bot.fake.calls)
    await bot.button(WORKER, "签收")
    toast = bot.fake.answers(since)[-1]
    assert "签收成功" in toast and "前办结" in toast
    assert await _status(bot, cid) == "accepted"
    assert set(bot.buttons(WORKER.id).values()) == {
        f"cs:note:{cid}",
        f"cs:resolve:{cid}",
        f"dp:ext:{cid}",  # 延期申请, asked of the dispatch centre
    }

    since = await deliver(bot)
    assert "受理" in texts(bot.fake.sent_to(resident.id, since))


async def test_a_worker_rejects_with_a_reason(bot: Harness, resident: User) -> None:
    """A worker's 退回 is a request: the dispatch centre (here the admin) approves it, and
    only then is the case rejected and the resident told the reason."""
    await register(bot, ADMIN)
    cid = await _filed_and_told(bot, resident)
    notice = bot.last_keyboard_message(WORKER.id)
    assert "原因" in texts(await bot.button(WORKER, "退回"))
    assert "太短" in texts(await bot.send(WORKER, "否"))
    assert "文字" in texts(await bot.send_sticker(WORKER))
    assert await _status(bot, cid) == "submitted"

    asked = texts(await bot.send(WORKER, "这是小区物业的责任范围，请联系物业处理"))
    assert "指挥中心审批" in asked
    assert await _status(bot, cid) == "submitted"  # still with the worker until ruled on
    assert "reply_markup" not in bot.fake.messages[(WORKER.id, notice)]  # no buttons left
    since = await deliver(bot)
    assert "联系物业" not in texts(bot.fake.sent_to(resident.id, since))
    assert "退回申请" in texts(bot.fake.sent_to(ADMIN.id, since))

    assert "已同意退回" in texts(await bot.button(ADMIN, "同意退回"))
    assert await _status(bot, cid) == "rejected"
    since = await deliver(bot)
    assert "联系物业" in texts(bot.fake.sent_to(resident.id, since))
    assert "同意退回" in texts(bot.fake.sent_to(WORKER.id, since))


async def test_cancel_leaves_the_complaint_as_it_was(bot: Harness, resident: User) -> None:
    cid = await _filed_and_told(bot, resident)
    await bot.button(WORKER, "退回")
    assert "已取消" in texts(await bot.send(WORKER, "/cancel"))
    await bot.send(WORKER, "这句话不是退回原因")
    assert await _status(bot, cid) == "submitted"


async def test_the_reason_question_survives_a_restart(bot: Harness, resident: User) -> None:
    cid = await _filed_and_told(bot, resident)
    await bot.button(WORKER, "退回")
    await bot.restart()
    assert "指挥中心" in texts(await bot.send(WORKER, "这是小区物业的责任范围，请联系物业处理"))
    kind = await bot.services.db.fetchval(
        "SELECT kind FROM dispatch_requests WHERE complaint_id = ? AND status = 'pending'", (cid,)
    )
    assert kind == "reject"


async def test_transfer_to_a_department(bot: Harness, resident: User) -> None:
    officer = User(300002, "城建小王")
    await _grant_officer(bot, officer, "CJ")
    cid = await _filed_and_told(bot, resident)
    await bot.button(WORKER, "转办")
    assert "转给另一个网格" in str(bot.buttons(WORKER.id))
    assert "转办原因" in texts(await bot.button(WORKER, "城建"))
    assert await _status(bot, cid) == "submitted"  # not before the reason
    assert "城建" in texts(await bot.send(WORKER, "井盖破损属于市政设施，由城建维修"))
    assert await _status(bot, cid) == "transferred"
    dept = await bot.services.db.fetchval(
        "SELECT d.code FROM complaints c JOIN departments d ON d.id = c.department_id"
    )
    assert dept == "CJ"

    since = await deliver(bot)
    received = texts(bot.fake.sent_to(officer.id, since))
    assert "转来的" in received and "转办原因：井盖破损属于市政设施" in received
    assert f"cs:accept:{cid}" in bot.buttons(officer.id).values()
    await bot.button(officer, "签收")
    assert await _status(bot, cid) == "accepted"


async def test_transfer_to_another_grid(bot: Harness, resident: User) -> None:
    await _grant_worker(bot, NEIGHBOUR, "SQ-01-02")
    cid = await _filed_and_told(bot, resident)
    await bot.button(WORKER, "转办")
    await bot.button(WORKER, "另一个网格")
    await bot.button(WORKER, "上强片区")
    await bot.button(WORKER, "上强社区")
    await bot.button(WORKER, "上强社区第二网格")
    assert "第二网格" in texts(await bot.send(WORKER, "这条路归第二网格管"))
    grid = await bot.services.db.fetchval(
        "SELECT g.code FROM complaints c JOIN grids g ON g.id = c.grid_id WHERE c.id = ?", (cid,)
    )
    assert grid == "SQ-01-02" and await _status(bot, cid) == "transferred"
    since = await deliver(bot)
    assert "转来的" in texts(bot.fake.sent_to(NEIGHBOUR.id, since))
    assert f"cs:accept:{cid}" in bot.buttons(NEIGHBOUR.id).values()


async def test_a_progress_note_reaches_the_resident(bot: Harness, resident: User) -> None:
    cid = await _filed_and_told(bot, resident)
    await bot.button(WORKER, "签收")
    await bot.button(WORKER, "进展")
    assert "已记录" in texts(await bot.send(WORKER, "已联系环卫所，明天上午清运"))
    assert await _status(bot, cid) == "accepted"
    assert set(bot.buttons(WORKER.id).values()) == {
        f"cs:note:{cid}",
        f"cs:resolve:{cid}",
        f"dp:ext:{cid}",  # 延期申请, asked of the dispatch centre
    }
    since = await deliver(bot)
    assert "明天上午清运" in texts(bot.fake.sent_to(resident.id, since))


async def test_resolving_an_ordinary_complaint_without_a_photo(
    bot: Harness, resident: User
) -> None:
    cid = await _filed_and_told(bot, resident)
    await bot.button(WORKER, "签收")
    await bot.button(WORKER, "办结")
    assert "不需要照片" in texts(await bot.send(WORKER, "垃圾已清运，垃圾桶已消毒"))
    assert "已办结" in texts(await bot.button(WORKER, "不需要照片"))
    db = bot.services.db
    row = await db.fetchone("SELECT status, resolution_note FROM complaints WHERE id = ?", (cid,))
    assert tuple(row) == ("resolved", "垃圾已清运，垃圾桶已消毒")
    since = await deliver(bot)
    assert "垃圾已清运" in texts(bot.fake.sent_to(resident.id, since))


async def test_a_hazard_is_resolved_only_with_a_photo(bot: Harness, resident: User) -> None:
    await _grant_officer(bot, OFFICER, "XF")
    await register(bot, resident)
    cid = await _file(bot, resident, "安全隐患", "楼道里堆满了纸箱，挡住了消防通道")
    await deliver(bot)
    await bot.button(OFFICER, "签收")
    await bot.button(OFFICER, "办结")
    await bot.send(OFFICER, "纸箱已清理，通道畅通")
    assert "不需要照片" not in str(bot.buttons(OFFICER.id))

    since = len(bot.fake.calls)
    await bot.press(OFFICER, "cs:nophoto")  # forged: hazards have no such button
    assert "照片" in bot.fake.answers(since)[-1]
    assert "照片" in texts(await bot.send(OFFICER, "好了"))
    assert await _status(bot, cid) == "accepted"

    assert "MH-2026-000001" in texts(await bot.send(OFFICER, "/inbox"))
    assert "已办结" in texts(await bot.send_photo(OFFICER, "after-work"))
    assert await _status(bot, cid) == "resolved"
    assert "没有待办" in texts(await bot.send(OFFICER, "/inbox"))
    photo = await bot.services.db.fetchval(
        "SELECT file_id FROM complaint_photos WHERE complaint_id = ? AND stage = 'resolution'",
        (cid,),
    )
    assert photo == "after-work"


async def test_a_forged_press_by_a_resident_changes_nothing(bot: Harness, resident: User) -> None:
    cid = await _filed_and_told(bot, resident)
    before = await table_counts(bot)
    for data in (f"cs:accept:{cid}", f"cs:reject:{cid}", f"cs:transfer:{cid}", "cs:accept:x"):
        since = len(bot.fake.calls)
        await bot.press(resident, data)
        assert bot.fake.answers(since)[-1], data  # a polite toast, never silence
    assert "不归您" in bot.fake.answers()[-4]
    # No reason was being asked for: the words are only offered to be filed as a new problem.
    assert "要把这条作为问题反映吗" in texts(await bot.send(resident, "这不是退回原因"))
    assert await _status(bot, cid) == "submitted"
    await bot.app.update_persistence()  # type: ignore[union-attr]
    after = await table_counts(bot)
    assert after.pop("ptb_user_data") <= before.pop("ptb_user_data") + 1  # the offer kept
    assert after == before


async def test_a_worker_of_another_grid_is_refused(bot: Harness, resident: User) -> None:
    await _grant_worker(bot, NEIGHBOUR, "SQ-01-02")
    cid = await _filed_and_told(bot, resident)
    since = len(bot.fake.calls)
    await bot.press(NEIGHBOUR, f"cs:accept:{cid}")
    assert "不归您" in bot.fake.answers(since)[-1]
    assert await _status(bot, cid) == "submitted"


async def test_accepting_twice_is_refused_politely(bot: Harness, resident: User) -> None:
    cid = await _filed_and_told(bot, resident)
    await bot.press(WORKER, f"cs:accept:{cid}")
    since = len(bot.fake.calls)
    await bot.press(WORKER, f"cs:accept:{cid}")
    assert "状态已变化" in bot.fake.answers(since)[-1]
    events = await bot.services.db.fetchval(
        "SELECT COUNT(*) FROM complaint_events WHERE complaint_id = ? AND kind = 'accepted'",
        (cid,),
    )
    assert events == 1


async def test_a_colleague_was_faster(bot: Harness, resident: User) -> None:
    colleague = User(200003, "王网格")
    await _grant_worker(bot, colleague)
    cid = await _filed_and_told(bot, resident)
    await bot.button(WORKER, "退回")
    await bot.press(colleague, f"cs:accept:{cid}")
    reply = texts(await bot.send(WORKER, "这是小区物业的责任范围"))
    assert "已经被处理" in reply
    assert await _status(bot, cid) == "accepted"


async def test_the_inbox_puts_the_soonest_deadline_first(bot: Harness, resident: User) -> None:
    first = await _filed_and_told(bot, resident)
    await bot.button(WORKER, "签收")  # now due in 3 working days
    second = await _file(bot, resident, "停车管理", "消防通道上长期停着一辆白色面包车")
    await deliver(bot)  # to be accepted within 1 working day
    numbers = dict(await bot.services.db.fetchall("SELECT id, number FROM complaints"))

    listing = texts(await bot.send(WORKER, "/inbox"))
    assert listing.index(numbers[second]) < listing.index(numbers[first])
    assert "逾期" not in listing

    bot.clock.advance(timedelta(days=2))
    listing = texts(await bot.send(WORKER, "/inbox"))
    assert listing.count("⚠️ 逾期") == 1
    late_line = next(line for line in listing.splitlines() if "逾期" in line)
    assert numbers[second] in late_line
    cards = {v for v in bot.buttons(WORKER.id).values() if not v.startswith("si:page:")}
    assert cards == {f"si:{second}", f"si:{first}"}

    card = texts(await bot.button(WORKER, numbers[second]))
    assert "消防通道" in card and "王阿姨" in card
    assert set(bot.buttons(WORKER.id).values()) == {
        f"cs:accept:{second}",
        f"cs:reject:{second}",
        f"cs:transfer:{second}",
    }
    await bot.button(WORKER, "签收")  # the card's buttons work like the notice's
    assert set(bot.buttons(WORKER.id).values()) == {
        f"cs:note:{second}",
        f"cs:resolve:{second}",
        f"dp:ext:{second}",
    }


async def test_residents_have_no_inbox(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    assert "没有权限" in texts(await bot.send(resident, "/inbox"))
    assert "没有权限" in texts(await bot.send(resident, "/stats"))


async def test_an_admin_reads_the_history_and_reassigns(bot: Harness, resident: User) -> None:
    await register(bot, ADMIN)
    cid = await _filed_and_told(bot, resident)
    await bot.button(WORKER, "签收")
    await bot.button(WORKER, "进展")
    await bot.send(WORKER, "已联系环卫所")
    number = await bot.services.db.fetchval("SELECT number FROM complaints WHERE id = ?", (cid,))

    history = texts(await bot.send(ADMIN, f"/complaint {number.lower()}"))
    assert number in history and "办理经过" in history
    assert "居民（王阿姨） 提交" in history and "工作人员 受理" in history
    assert "工作人员 进展：已联系环卫所" in history

    await bot.button(ADMIN, "改派")
    await bot.button(ADMIN, "综合执法")
    assert await _status(bot, cid) == "accepted"  # 改派 says why first
    await bot.send(ADMIN, "占道经营归综合执法处理")
    assert await _status(bot, cid) == "transferred"
    assert "办结期限" in texts(await bot.send(ADMIN, f"/complaint {number}"))


async def test_only_staff_of_the_complaint_read_its_history(bot: Harness, resident: User) -> None:
    await _grant_worker(bot, NEIGHBOUR, "SQ-01-02")
    await _filed_and_told(bot, resident)
    assert "没有权限" in texts(await bot.send(resident, "/complaint MH-2026-000001"))
    assert "没有权限" in texts(await bot.send(NEIGHBOUR, "/complaint MH-2026-000001"))
    assert "办理经过" in texts(await bot.send(WORKER, "/complaint MH-2026-000001"))
    assert "没有编号" in texts(await bot.send(WORKER, "/complaint MH-2026-999999"))
    assert "用法" in texts(await bot.send(WORKER, "/complaint"))


async def test_anonymous_reporters_stay_anonymous_in_the_history(
    bot: Harness, resident: User
) -> None:
    await register(bot, ADMIN)
    await register(bot, resident)
    await report(bot, resident, "停车管理", "消防通道上长期停着一辆白色面包车", anonymous=True)
    history = texts(await bot.send(ADMIN, "/complaint MH-2026-000001"))
    assert "匿名" in history and "王阿姨" not in history


async def test_stats_count_by_status_and_zone(bot: Harness, resident: User) -> None:
    await register(bot, ADMIN)
    await _filed_and_told(bot, resident)
    await bot.button(WORKER, "签收")
    await _file(bot, resident, "停车管理", "消防通道上长期停着一辆白色面包车")
    bot.clock.advance(timedelta(days=2))
    report = texts(await bot.send(ADMIN, "/stats"))
    assert "共 2 件" in report and "已提交 1" in report and "已受理 1" in report
    assert "逾期未办：1 件" in report
    table = report.split("<pre>")[1].split("</pre>")[0]
    assert "上强片区" in table and "合计" in table
    zone_line = next(line for line in table.splitlines() if line.startswith("上强片区"))
    assert zone_line.split()[1:] == ["1", "1", "0", "0", "0", "1"]
    assert "没有权限" in texts(await bot.send(WORKER, "/stats"))


async def test_english_staff_get_english(bot: Harness, resident: User) -> None:
    worker = User(200004, "Sam", language_code="en")
    await _grant_worker(bot, worker)
    await register(bot, resident)
    await _file(bot, resident)
    await deliver(bot)
    since = len(bot.fake.calls)
    await bot.button(worker, "Accept")
    assert "Accepted" in bot.fake.answers(since)[-1]
    assert "Open complaints" in texts(await bot.send(worker, "/inbox"))
