"""/board: a dispatcher sees the open work of their zone (the town's dispatchers and admins
the whole town), filtered by zone, status, overdue, category and assignee, ten to a page;
a case opens with its history and the ruling it waits on; a leaving worker's cases move in
one go, each with the reason. Forged buttons outside one's scope change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.complaints.service import open_new
from bot.dispatch.buttons import VIEW
from bot.people.service import grant as grant_role
from storage import complaints, dispatch, geo
from storage.models import Role
from tests.conftest import ADMIN_ID
from tests.support.harness import Harness, User, register, texts
from tests.support.representatives import deliver, grant

WORKER = User(200001, "张网格")
NEIGHBOUR = User(200002, "李网格")
YS_WORKER = User(200003, "阳山网格员")
SQ_DISPATCH = User(700001, "上强分中心老吴")
TOWN_DISPATCH = User(700003, "镇指挥中心")
ADMIN = User(ADMIN_ID, "镇办老陈")
START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


async def _file(bot: Harness, grid_code: str, n: int, category: str = "sanitation") -> list[int]:
    """`n` cases of `category` in a grid, filed the way intake files them."""
    services, db = bot.services, bot.services.db
    grid_id = await geo.grid_id_by_code(db, grid_code)
    cat_id = await db.fetchval("SELECT id FROM categories WHERE code = ?", (category,))
    cat = await geo.category(db, int(cat_id))
    assert grid_id is not None and cat is not None
    now, made = bot.clock.now(), []
    for i in range(n):
        new = complaints.NewComplaint(
            reporter_id=None,  # type: ignore[arg-type]
            category_id=cat.id,
            grid_id=grid_id,
            description=f"{grid_code} 第 {i + 1} 件：路灯不亮，晚上很黑",
            anonymous=True,
        )
        async with db.transaction() as conn:
            cid, _ = await complaints.insert(
                conn, new, now, year=2026, department_id=cat.department_id
            )
            await open_new(conn, services, cid, cat, now)
        made.append(cid)
    return made


async def _staffed(bot: Harness) -> None:
    bot.clock.set(START)
    await register(bot, ADMIN)
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await grant(bot, NEIGHBOUR, "grid_worker", grid="SQ-01-02")
    await grant(bot, YS_WORKER, "grid_worker", grid="YS-01-01")
    for user, code in ((SQ_DISPATCH, "SQ"), (TOWN_DISPATCH, "-")):
        await bot.send(ADMIN, f"/grant dispatcher {user.id} {code}")
        await register(bot, user)


async def _numbers(bot: Harness, ids: list[int]) -> list[str]:
    rows = await bot.services.db.fetchall("SELECT id, number FROM complaints")
    by_id = {int(r[0]): str(r[1]) for r in rows}
    return [by_id[i] for i in ids]


async def test_a_zone_dispatcher_sees_their_zone_ten_to_a_page(bot: Harness) -> None:
    await _staffed(bot)
    sq = await _numbers(bot, await _file(bot, "SQ-01-01", 13))
    ys = await _numbers(bot, await _file(bot, "YS-01-01", 3))

    first = texts(await bot.send(SQ_DISPATCH, "/board"))
    assert "13 件" in first and "第 1/2 页" in first
    assert sum(n in first for n in sq) == 10 and not any(n in first for n in ys)
    second = texts(await bot.button(SQ_DISPATCH, "▶"))
    assert "第 2/2 页" in second and sum(n in second for n in sq) == 3
    assert "16 件" in texts(await bot.send(TOWN_DISPATCH, "/board"))
    assert "16 件" in texts(await bot.send(ADMIN, "/board"))
    assert "职责范围" in texts(await bot.send(WORKER, "/board"))

    # Forged: another zone's board, another zone's case.
    ys_zone = await dispatch.zone_id_by_code(bot.services.db, "YS")
    assert "职责范围" in texts(await bot.press(SQ_DISPATCH, f"bd:v:{ys_zone}:all:0:0:0:0"))
    ys_id = int(
        await bot.services.db.fetchval("SELECT id FROM complaints WHERE number = ?", (ys[0],))
    )
    assert "职责范围" in texts(await bot.press(SQ_DISPATCH, f"bd:o:{ys_id}:0:all:0:0:0"))
    assert "找不到" in texts(await bot.press(SQ_DISPATCH, "bd:o:99999:0:all:0:0:0"))


async def test_an_admin_granted_for_one_zone_sees_that_zone_as_the_screen_does(
    bot: Harness,
) -> None:
    """The same scope as the command centre's screen: an admin granted for 上强 sees 上强's
    cases, and a forged view of 阳山 is refused; one granted without a zone sees the town."""
    await _staffed(bot)
    sq = await _numbers(bot, await _file(bot, "SQ-01-01", 2))
    ys = await _numbers(bot, await _file(bot, "YS-01-01", 3))
    zone_admin, town_admin = User(700011, "上强片区长"), User(700012, "镇办小周")
    for user, zone in ((zone_admin, "SQ"), (town_admin, None)):
        await register(bot, user)
        await grant_role(
            bot.services.db, user.id, Role.ADMIN, bot.clock.now(), zone_code=zone,
            granted_by="cli",
        )  # fmt: skip

    mine = texts(await bot.send(zone_admin, "/board"))
    assert "2 件" in mine and all(n in mine for n in sq) and not any(n in mine for n in ys)
    ys_zone = await bot.services.db.fetchval("SELECT id FROM zones WHERE code = 'YS'")
    forged = texts(await bot.press(zone_admin, VIEW.pack(ys_zone, "all", False, 0, 0, 0)))
    assert "职责范围" in forged and not any(n in forged for n in ys)
    assert "5 件" in texts(await bot.send(town_admin, "/board"))


async def test_filters_overdue_status_category_and_assignee(bot: Harness) -> None:
    await _staffed(bot)
    late = await _file(bot, "SQ-01-01", 2)
    bot.clock.advance(timedelta(days=2))  # the first two are past their day to accept
    fresh = await _file(bot, "SQ-01-02", 3, "parking")
    await bot.press(NEIGHBOUR, f"cs:accept:{fresh[0]}")
    late_n, fresh_n = await _numbers(bot, late), await _numbers(bot, fresh)

    await bot.send(SQ_DISPATCH, "/board")
    overdue = texts(await bot.button(SQ_DISPATCH, "只看逾期"))
    assert "2 件" in overdue and all(n in overdue for n in late_n) and "⚠️ 逾期" in overdue
    await bot.button(SQ_DISPATCH, "清除筛选")
    await bot.button(SQ_DISPATCH, "状态")
    in_hand = texts(await bot.button(SQ_DISPATCH, "办理中"))
    assert "1 件" in in_hand and fresh_n[0] in in_hand
    await bot.button(SQ_DISPATCH, "清除筛选")
    await bot.button(SQ_DISPATCH, "类别")
    parking = texts(await bot.button(SQ_DISPATCH, "停车管理"))
    assert "3 件" in parking and not any(n in parking for n in late_n)
    await bot.button(SQ_DISPATCH, "清除筛选")
    choices = texts(await bot.button(SQ_DISPATCH, "经办人"))
    assert "经办人" in choices
    held = texts(await bot.button(SQ_DISPATCH, "张网格"))
    assert "2 件" in held and "经办：张网格" in held


async def test_a_case_opens_with_its_history_and_the_ruling_it_waits_on(
    bot: Harness,
) -> None:
    await _staffed(bot)
    [cid] = await _file(bot, "SQ-01-01", 1)
    await bot.press(WORKER, f"cs:reject:{cid}")
    await bot.send(WORKER, "路灯归城建所有，网格修不了")
    await deliver(bot)
    await bot.send(SQ_DISPATCH, "/board")
    await bot.button(SQ_DISPATCH, "状态")
    asking = texts(await bot.button(SQ_DISPATCH, "待裁决"))
    assert "1 件" in asking and "⚖️" in asking
    [number] = await _numbers(bot, [cid])
    card = texts(await bot.button(SQ_DISPATCH, number))
    assert "办理经过" in card and "申请退回" in card and "网格修不了" in card
    assert "已同意退回" in texts(await bot.button(SQ_DISPATCH, "同意退回"))
    assert await bot.services.db.fetchval("SELECT status FROM complaints WHERE id = ?", (cid,)) == (
        "rejected"
    )


async def test_a_leaving_workers_cases_move_in_one_go_with_the_reason(bot: Harness) -> None:
    await _staffed(bot)
    ids = await _file(bot, "SQ-01-01", 3)
    await bot.press(WORKER, f"cs:accept:{ids[0]}")
    other = await _file(bot, "SQ-01-02", 1)
    since = await deliver(bot)

    await bot.send(SQ_DISPATCH, "/board")
    await bot.button(SQ_DISPATCH, "经办人")
    await bot.button(SQ_DISPATCH, "张网格")
    assert "部门或网格" in texts(await bot.button(SQ_DISPATCH, "全部改派"))
    assert "改派原因" in texts(await bot.button(SQ_DISPATCH, "上强社区第二网格"))
    assert "确认" in texts(await bot.send(SQ_DISPATCH, "张网格调离，由第二网格代管"))
    done = texts(await bot.button(SQ_DISPATCH, "确认改派"))
    assert "已改派 3 件" in done
    rows = await bot.services.db.fetchall(
        "SELECT c.id, g.code, c.status FROM complaints c JOIN grids g ON g.id = c.grid_id"
    )
    moved = {int(r[0]): (r[1], r[2]) for r in rows}
    assert all(moved[i] == ("SQ-01-02", "transferred") for i in ids)
    assert moved[other[0]] == ("SQ-01-02", "submitted")
    since = await deliver(bot)
    received = texts(bot.fake.sent_to(NEIGHBOUR.id, since))
    assert received.count("转办原因：张网格调离") == 3


async def test_bulk_reassignment_is_for_dispatchers_only(bot: Harness) -> None:
    await _staffed(bot)
    await _file(bot, "SQ-01-01", 1)
    assert "职责范围" in texts(await bot.press(WORKER, f"bd:bulk:{WORKER.id}:0"))
    assert (
        await bot.services.db.fetchval(
            "SELECT COUNT(*) FROM complaints WHERE status = 'transferred'"
        )
        == 0
    )
