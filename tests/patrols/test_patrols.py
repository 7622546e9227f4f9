"""/patrol: a grid worker logs patrols — a location, an optional photo, the result. A hazard
found becomes a hazard ticket with its rectification deadline in the complaint lifecycle, in
the department's /inbox; every patrol is stored for the monthly assessment (一月一考核)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import complaints
from storage import patrols as store
from storage.demo_places import centre
from tests.support.crash import crash_back_to, saved_state
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.representatives import OFFICER, REP, WORKER, deliver, grant


async def test_two_patrols_one_with_a_hazard_that_reaches_the_department(bot: Harness) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await grant(bot, OFFICER, "department", department="XF")

    await bot.send(WORKER, "/patrol")
    await bot.send_location(WORKER, 30.7012, 119.9523)
    await bot.button(WORKER, "不拍照")
    assert "无隐患" in texts(await bot.button(WORKER, "无隐患"))

    await bot.send(WORKER, "/patrol")
    assert "地点" in texts(await bot.send(WORKER, "x"))
    assert "位置" in texts(await bot.send_sticker(WORKER))
    await bot.send(WORKER, "上强社区3幢地下车库")
    await bot.send_photo(WORKER, "blocked-exit")
    await bot.button(WORKER, "发现隐患")
    assert "安全隐患" in next(iter(bot.buttons(WORKER.id)))  # offered first
    await bot.button(WORKER, "安全隐患")
    reply = texts(await bot.send(WORKER, "地下车库安全出口被电动车堵住，灭火器过期"))
    assert "MH-2026-000001" in reply and "前整改完毕" in reply

    logged = await store.of_worker(bot.services.db, WORKER.id)
    assert [(p.hazard_found, p.complaint_number) for p in logged] == [
        (True, "MH-2026-000001"),
        (False, None),
    ]
    assert logged[0].address == "上强社区3幢地下车库" and logged[0].photo_file_id == "blocked-exit"
    assert logged[1].latitude == 30.7012
    c = await complaints.get(bot.services.db, 1)
    assert c is not None and c.kind == "hazard" and c.reporter_id == WORKER.id
    assert c.photo_file_ids == ("blocked-exit",)

    since = await deliver(bot)
    assert "新隐患报告 MH-2026-000001" in texts(bot.fake.sent_to(OFFICER.id, since))
    inbox = texts(await bot.send(OFFICER, "/inbox"))
    assert "MH-2026-000001" in inbox and "03-03 18:00 前签收" in inbox
    counts = await store.counts_between(
        bot.services.db, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    )
    assert [(n.worker_id, n.patrols, n.hazards) for n in counts] == [(WORKER.id, 2, 1)]


async def test_a_worker_of_two_grids_chooses_the_grid(bot: Harness) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-02")
    await bot.send(WORKER, "/patrol")
    await bot.button(WORKER, "第二网格")
    await bot.send(WORKER, "上强社区第二网格菜场门口")
    await bot.button(WORKER, "不拍照")
    await bot.button(WORKER, "无隐患")
    (patrol,) = await store.of_worker(bot.services.db, WORKER.id)
    grid = await bot.services.db.fetchval("SELECT code FROM grids WHERE id = ?", (patrol.grid_id,))
    assert grid == "SQ-01-02"


async def test_cancel_records_nothing(bot: Harness) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    before = await table_counts(bot)
    await bot.send(WORKER, "/patrol")
    await bot.send(WORKER, "上强社区3幢地下车库")
    await bot.button(WORKER, "不拍照")
    await bot.button(WORKER, "发现隐患")
    await bot.button(WORKER, "安全隐患")
    assert "太短" in texts(await bot.send(WORKER, "堵"))
    bot.clock.advance(timedelta(minutes=5))
    assert "没有记录" in texts(await bot.send(WORKER, "/cancel"))
    assert await table_counts(bot) == before


async def test_only_grid_workers_patrol(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    await grant(bot, REP, "representative")
    await grant(bot, OFFICER, "department", department="XF")
    before = await table_counts(bot)
    for user in (resident, REP, OFFICER):
        assert "没有权限" in texts(await bot.send(user, "/patrol"))
        since = len(bot.fake.calls)
        await bot.press(user, "pt:r:hazard")  # a forged step outside the conversation
        assert bot.fake.answers(since)
    assert await table_counts(bot) == before


async def test_a_patrol_saved_by_the_previous_version_resumes_at_the_same_step(
    bot: Harness,
) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await bot.send(WORKER, "/patrol")
    await bot.send_location(WORKER, 30.7012, 119.9523)  # now asked for a photo
    saved, user_data = saved_state(bot)
    assert [(name, state) for name, _, state in saved] == [("patrol", "372")]
    # The previous version numbered the photo step 102.
    await crash_back_to(bot, ([(name, key, "102") for name, key, _ in saved], user_data))

    assert "结果" in texts(await bot.send_photo(WORKER, "after-restart"))
    assert [state for _, _, state in saved_state(bot)[0]] == ["373"]
    assert "无隐患" in texts(await bot.button(WORKER, "无隐患"))
    assert (await store.of_worker(bot.services.db, WORKER.id))[0].photo_file_id == "after-restart"


async def test_a_hazard_found_in_another_grid_is_placed_there(bot: Harness) -> None:
    """属地: the worker of 上强 finds a hazard at a spot inside 阳山工业园网格; the ticket belongs
    to that grid, the patrol to the worker's own."""
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await grant(bot, OFFICER, "department", department="XF")
    for place in (centre("YS-01-02"), "升华物流园仓库", centre("SQ-01-01")):
        await bot.send(WORKER, "/patrol")
        if isinstance(place, str):
            await bot.send(WORKER, place)
        else:
            await bot.send_location(WORKER, *place)
        await bot.button(WORKER, "不拍照")
        await bot.button(WORKER, "发现隐患")
        await bot.button(WORKER, "安全隐患")
        assert "MH-2026-" in texts(await bot.send(WORKER, "仓库安全出口被货物堵住，灭火器过期"))
    db = bot.services.db
    tickets = await db.fetchall(
        "SELECT g.code FROM complaints c JOIN grids g ON g.id = c.grid_id ORDER BY c.id"
    )
    assert [r[0] for r in tickets] == ["YS-01-02", "YS-01-02", "SQ-01-01"]
    patrolled = await db.fetchall("SELECT DISTINCT grid_id FROM patrols")
    assert [r[0] for r in patrolled] == [
        await db.fetchval("SELECT id FROM grids WHERE code = 'SQ-01-01'")
    ]
