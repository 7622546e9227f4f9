"""At the door and afterwards: /checkin CODE marks people present (the rest are no-shows);
/meetingresult records the summary, the decisions and the attendance, tells every registrant
and the zone exactly once, and turns decisions into assignments (交办) with deadlines."""

from __future__ import annotations

from datetime import timedelta

from storage import assignments, geo, people
from storage import meetings as store
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.meetings import (
    ADMIN,
    LI,
    START,
    WANG,
    YANGSHAN,
    ZHAO,
    ZHOU,
    book,
    booking_of,
    deliver,
    grant,
    local,
    meeting,
    to,
    town,
)

WORKER = User(200001, "张网格")


async def _booked_meeting(bot: Harness, capacity: int = 2) -> store.Meeting:
    await town(bot, WANG, LI, ZHAO, YANGSHAN)
    m = await meeting(bot, capacity=capacity)
    for person in (WANG, LI, ZHAO):
        await book(bot, person, m.id)
    await deliver(bot)
    return m


async def test_check_in_by_code_and_every_wrong_code(bot: Harness) -> None:
    m = await _booked_meeting(bot)
    wang = await booking_of(bot, m.id, WANG)
    zhao = await booking_of(bot, m.id, ZHAO)  # on the waiting list
    before = await table_counts(bot)
    assert "写签到码" in texts(await bot.send(ADMIN, "/checkin"))
    assert "8 位字母和数字" in texts(await bot.send(ADMIN, "/checkin 12345"))
    assert "8 位字母和数字" in texts(await bot.send(ADMIN, "/checkin OOOOIIII"))  # look-alikes
    assert "没有找到签到码 <code>ABCDEFGH</code>" in texts(
        await bot.send(ADMIN, "/checkin abcdefgh")
    )
    assert "会前 2 小时开始签到" in texts(await bot.send(ADMIN, f"/checkin {wang.code}"))
    bot.clock.set(START - timedelta(hours=2))
    assert "在候补名单上" in texts(await bot.send(ADMIN, f"/checkin {zhao.code}"))
    assert await table_counts(bot) == before

    spaced = f"{wang.code[:4].lower()} {wang.code[4:]}"  # typed loosely
    done = texts(await bot.send(ADMIN, f"/checkin {spaced}"))
    assert "王阿姨 已签到：<b>上强社区加装电梯协商议事会</b>（已到 1 / 2）" in done
    assert "已经在 07:30 签到过了" in texts(await bot.send(ADMIN, f"/checkin {wang.code}"))
    checked = (await booking_of(bot, m.id, WANG)).checked_in_at
    assert checked == START - timedelta(hours=2)

    bot.clock.set(START + timedelta(hours=3))
    view = texts(await bot.send(ADMIN, f"/meeting {m.id}"))
    assert "已签到 1，未到 1" in view and "✅ 王阿姨" in view and "· 李大伯" in view
    assert "1. 赵师傅" in view  # the waiting list


async def test_the_result_reaches_every_registrant_and_the_zone_exactly_once(
    bot: Harness,
) -> None:
    m = await _booked_meeting(bot)
    outsider = User(100099, "梅峰的居民")
    await register(bot, outsider, zone="梅峰", community="梅峰村")
    follower = User(100098, "关注上强的吴先生")
    await register(bot, follower, zone="阳山", community="阳山社区")
    async with bot.services.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO subscriptions (person_id, zone_id) VALUES (?, ?)", (follower.id, m.zone_id)
        )
    assert "还没开始" in texts(await bot.send(ADMIN, f"/meetingresult {m.id}"))
    bot.clock.set(START - timedelta(minutes=30))
    for person in (WANG, LI):
        await bot.send(ADMIN, f"/checkin {(await booking_of(bot, m.id, person)).code}")

    bot.clock.set(START + timedelta(hours=2))
    assert "等待记录结果" not in texts(await bot.send(ADMIN, "/meetingresult"))
    assert "会议纪要" in texts(await bot.button(ADMIN, "#1"))
    assert "太短了" in texts(await bot.send(ADMIN, "好"))
    assert "决议" in texts(await bot.send(ADMIN, "大家同意加装电梯，费用按楼层分摊。"))
    assert "已记下第 1 条决议" in texts(await bot.send(ADMIN, "3号楼先行试点加装电梯"))
    assert "太长了" in texts(await bot.send(ADMIN, "长" * 201))
    await bot.send(ADMIN, "由社区联系施工单位，下月底前出方案")
    assert "签到了 2 人" in texts(await bot.send(ADMIN, "完成"))
    assert "0–10000" in texts(await bot.send(ADMIN, "很多"))
    preview = texts(await bot.button(ADMIN, "按签到人数"))
    assert "（到会 2 人）" in preview and "2. 由社区联系施工单位" in preview
    done = texts(await bot.button(ADMIN, "发布结果"))
    assert "正在通知 4 人" in done  # three registrants and the follower; not 孙阿姨 of 阳山

    calls = await deliver(bot)
    for person in (WANG, LI, ZHAO, follower):
        assert to(calls, person).count("议事结果：上强社区加装电梯协商议事会") == 1, person
    assert "到会 2 人" in to(calls, WANG) and "1. 3号楼先行试点加装电梯" in to(calls, WANG)
    assert to(calls, YANGSHAN) == "" and to(calls, outsider) == ""
    m2 = await store.get(bot.services.db, m.id)
    assert m2 is not None and (m2.status, m2.attendance) == ("held", 2)

    # Recording again is refused and sends nothing more.
    assert "已记录结果" in texts(await bot.send(ADMIN, f"/meetingresult {m.id}"))
    await bot.restart()
    calls = await deliver(bot)
    assert all(to(calls, p) == "" for p in (WANG, LI, ZHAO, follower))
    assert "已报名</b>（2，已签到 2，未到 0）" in texts(await bot.send(ADMIN, f"/meeting {m.id}"))


async def test_a_decision_becomes_an_assignment_with_a_deadline(bot: Harness) -> None:
    m = await _booked_meeting(bot)
    db = bot.services.db
    grid = await db.fetchval("SELECT id FROM grids WHERE code = 'SQ-01-01'")
    await people.grant(db, WORKER.id, "grid_worker", bot.clock.now(), grid_id=grid)
    await register(bot, WORKER)
    await register(bot, ZHOU)
    await grant(bot, ZHOU, "representative")
    officer = User(200002, "城建小吴")
    department = next(d for d in await geo.departments(db) if d.code == "CJ")
    await people.grant(db, officer.id, "department", bot.clock.now(), department_id=department.id)
    await register(bot, officer)

    bot.clock.set(START + timedelta(hours=2))
    await bot.send(ADMIN, f"/meetingresult {m.id}")
    await bot.send(ADMIN, "大家同意加装电梯。")
    for text in ("3号楼先行试点", "社区出施工方案", "网格员摸排意愿"):
        await bot.send(ADMIN, text)
    await bot.button(ADMIN, "决议写完了")
    await bot.send(ADMIN, "25")
    assert "把决议交办出去" in texts(await bot.button(ADMIN, "发布结果"))
    await deliver(bot)

    await bot.button(ADMIN, "交办第 1 条")
    await bot.button(ADMIN, "人大代表")
    await bot.button(ADMIN, "周代表")
    assert "已经过去了" in texts(await bot.send(ADMIN, "2026-03-01"))
    assert "看不懂" in texts(await bot.send(ADMIN, "月底"))
    listed = texts(await bot.send(ADMIN, "2026-04-30"))
    assert "已交办（编号 1），期限 2026年4月30日 18:00" in listed and "已交办 1 次" in listed
    await bot.button(ADMIN, "交办第 2 条")
    await bot.button(ADMIN, "职能部门")
    await bot.button(ADMIN, "城建")
    await bot.send(ADMIN, "2026-04-15 12:00")
    await bot.button(ADMIN, "交办第 3 条")
    await bot.button(ADMIN, "网格员")
    await bot.button(ADMIN, "张网格")
    await bot.send(ADMIN, "2026-03-31")
    assert "交办完成" in texts(await bot.button(ADMIN, "✅ 完成"))

    decisions = await store.decisions(db, m.id)
    given = [await assignments.of_decision(db, d.id) for d in decisions]
    assert [(a[0].assignee_id, a[0].department_id) for a in given] == [
        (ZHOU.id, None),
        (None, department.id),
        (WORKER.id, None),
    ]
    assert given[0][0].due_at == local(2026, 4, 30, 18, 0)
    assert given[1][0].subject_kind == "decision" and given[1][0].text == "社区出施工方案"
    calls = await deliver(bot)
    assert "交办任务（编号 1）" in to(calls, ZHOU) and "3号楼先行试点" in to(calls, ZHOU)
    assert "社区出施工方案" in to(calls, officer)
    assert "网格员摸排意愿" in to(calls, WORKER)
    # The representative accepts from the notice itself.
    assert "✅ 签收" in bot.buttons(ZHOU.id)
    await bot.button(ZHOU, "签收")
    assert (await assignments.get(db, given[0][0].id)).status == "accepted"  # type: ignore[union-attr]


async def test_a_forged_assignment_target_is_refused(bot: Harness) -> None:
    m = await _booked_meeting(bot)
    bot.clock.set(START + timedelta(hours=2))
    await bot.send(ADMIN, f"/meetingresult {m.id}")
    await bot.send(ADMIN, "大家同意加装电梯。")
    await bot.send(ADMIN, "3号楼先行试点")
    await bot.send(ADMIN, "done")
    await bot.send(ADMIN, "3")
    await bot.button(ADMIN, "发布结果")
    await bot.button(ADMIN, "交办第 1 条")
    since = len(bot.fake.calls)
    await bot.press(ADMIN, "mr:k:representative")
    await bot.press(ADMIN, "mr:k:grid_worker")
    assert bot.fake.answers(since) == ["还没有人担任这个角色。"] * 2
    await bot.press(ADMIN, "mr:k:nobody")
    await bot.press(ADMIN, "mr:k:department")
    await bot.press(ADMIN, f"mr:t:{WANG.id}")  # a resident is not a department
    before = await table_counts(bot)
    assert "找不到" in texts(await bot.send(ADMIN, "2026-04-30"))
    assert await table_counts(bot) == before


async def test_cancelling_the_booking_of_a_started_meeting_is_refused(bot: Harness) -> None:
    m = await _booked_meeting(bot)
    wang = await booking_of(bot, m.id, WANG)
    bot.clock.set(START)
    before = await table_counts(bot)
    assert "已经开始" in texts(await bot.press(WANG, f"mt:xy:{wang.id}"))
    assert await table_counts(bot) == before
