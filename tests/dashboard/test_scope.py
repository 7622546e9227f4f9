"""What each session may see: a zone's dispatcher sees their zone and nothing of another —
in the state, a case's card, the figures and the live feed — whatever the browser sends or
whose cookie it carries; no JSON names a resident or shows their phone; static files come
from a fixed list (no path leads out of it)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from bot.dashboard import access
from bot.dashboard import live as live_module
from bot.dashboard.access import Scope
from bot.people.service import grant as grant_role
from storage import geo
from storage.models import Role
from tests.dashboard.support import (
    ADMIN,
    SQ_DISPATCH,
    TOWN_DISPATCH,
    WEB,
    YS_DISPATCH,
    file_case,
    logged_in,
    screen_of,
    staffed,
)
from tests.support.harness import Harness, User, register

PHONE = "13912345678"


def _message(text: str | None) -> dict[str, Any]:
    assert text is not None
    found = json.loads(text)
    assert isinstance(found, dict)
    return found


async def _zone_id(bot: Harness, code: str) -> int:
    found = await bot.services.db.fetchval("SELECT id FROM zones WHERE code = ?", (code,))
    return int(found)


async def test_a_zone_dispatcher_sees_nothing_of_another_zone(bot: Harness) -> None:
    bot.extra_settings.update(WEB)
    await bot.restart()
    await staffed(bot)
    sq_id, sq_number = await file_case(bot, "SQ-01-01")
    ys_id, ys_number = await file_case(bot, "YS-01-01")
    ys_grid = await geo.grid(
        bot.services.db,
        int(await bot.services.db.fetchval("SELECT id FROM grids WHERE code = 'YS-01-01'")),
    )
    assert ys_grid is not None
    async with screen_of(bot) as (_, base):
        sq = await logged_in(bot, base, SQ_DISPATCH)
        state = (await sq.get("/api/state", params={"zone": "YS", "scope": "town"})).json()
        body = json.dumps(state, ensure_ascii=False)
        assert state["scope"] == [await _zone_id(bot, "SQ")]
        assert [c[1] for c in state["cases"]] == [sq_number]
        assert ys_number not in body and "阳山" not in body and ys_grid.name not in body
        assert {g[3] for g in state["grids"]} == {await _zone_id(bot, "SQ")}
        assert len(state["map"]["grids"]) == len(state["grids"])
        assert (await sq.get(f"/api/case/{sq_id}")).status_code == 200
        hidden = await sq.get(f"/api/case/{ys_id}")
        assert hidden.status_code == 404 and ys_number not in hidden.text
        figures = json.dumps((await sq.get("/api/figures")).json(), ensure_ascii=False)
        assert "阳山" not in figures and ys_grid.name not in figures

        town = await logged_in(bot, base, TOWN_DISPATCH)
        both = (await town.get("/api/state")).json()
        assert sorted(c[1] for c in both["cases"]) == sorted([sq_number, ys_number])
        # 阳山's own dispatcher, with 上强's cookie, is 上强 — and with their own, 阳山 only.
        ys = await logged_in(bot, base, YS_DISPATCH)
        stolen = httpx.AsyncClient(base_url=base)
        stolen.cookies.set("minhu_screen", sq.cookies["minhu_screen"])
        assert [c[1] for c in (await stolen.get("/api/state")).json()["cases"]] == [sq_number]
        assert [c[1] for c in (await ys.get("/api/state")).json()["cases"]] == [ys_number]
        assert (await ys.get(f"/api/case/{sq_id}")).status_code == 404
        for client in (sq, town, ys, stolen):
            await client.aclose()


async def test_the_live_feed_tells_each_scope_only_its_own_cases(bot: Harness) -> None:
    await staffed(bot)
    sq, ys = await _zone_id(bot, "SQ"), await _zone_id(bot, "YS")
    async with screen_of(bot) as (screen, _):
        live = screen.live
        await live.look()  # the first look only marks where things are
        town_page = live.listen(Scope(None, ADMIN.id))
        sq_page = live.listen(Scope((sq,), SQ_DISPATCH.id))
        ys_page = live.listen(Scope((ys,), YS_DISPATCH.id))
        _, sq_number = await file_case(bot, "SQ-01-01")
        assert await live.look() == 1
        got = _message(sq_page.queue.get_nowait())
        assert [c[1] for c in got["cases"]] == [sq_number]
        assert got["today"]["new"] == 1
        assert town_page.queue.get_nowait() is not None
        assert ys_page.queue.empty()  # nothing at all of another zone
        assert await live.look() == 0  # nothing new: no message
        assert sq_page.queue.empty() and town_page.queue.empty()


async def test_a_case_moved_to_another_zone_leaves_the_old_zone_s_page(bot: Harness) -> None:
    await staffed(bot)
    sq, ys = await _zone_id(bot, "SQ"), await _zone_id(bot, "YS")
    case_id, number = await file_case(bot, "SQ-01-01")
    async with screen_of(bot) as (screen, _):
        live = screen.live
        await live.look()
        sq_page = live.listen(Scope((sq,), SQ_DISPATCH.id))
        ys_page = live.listen(Scope((ys,), YS_DISPATCH.id))
        ys_grid = await bot.services.db.fetchval("SELECT id FROM grids WHERE code = 'YS-01-01'")
        async with bot.services.db.transaction() as conn:
            await conn.execute("UPDATE complaints SET grid_id = ? WHERE id = ?", (ys_grid, case_id))
            await conn.execute(
                "INSERT INTO complaint_events (complaint_id, at, kind, note) "
                "VALUES (?, '2026-03-02T01:00:00+00:00', 'transferred', '')",
                (case_id,),
            )
        assert await live.look() == 1
        gone = _message(sq_page.queue.get_nowait())
        came = _message(ys_page.queue.get_nowait())
        assert gone["removed"] == [case_id] and gone["cases"] == []
        assert [c[1] for c in came["cases"]] == [number] and came["removed"] == []


async def test_no_json_names_a_resident_or_shows_their_phone(bot: Harness) -> None:
    bot.extra_settings.update(WEB)
    await bot.restart()
    await staffed(bot)
    resident = User(100001, "王阿姨")
    await register(bot, resident)
    db = bot.services.db
    case_id, _ = await file_case(bot, "SQ-01-01", f"楼道灯坏了，请联系我 {PHONE}，谢谢")
    async with db.transaction() as conn:  # the resident's own case, named
        await conn.execute(
            "UPDATE complaints SET reporter_id = ?, anonymous = 0, address = ? WHERE id = ?",
            (resident.id, "3栋 电话 139-1234-5678", case_id),
        )
    async with screen_of(bot) as (_, base):
        admin = await logged_in(bot, base, ADMIN)
        for path in ("/api/state", f"/api/case/{case_id}", "/api/figures"):
            text = (await admin.get(path)).text
            assert resident.first_name not in text, path
            assert PHONE not in text and "1234-5678" not in text and str(resident.id) not in text
        card = (await admin.get(f"/api/case/{case_id}")).json()
        assert "***" in card["description"] and "楼道灯坏了" in card["description"]
        await admin.aclose()


async def test_static_files_come_from_a_fixed_list(bot: Harness) -> None:
    bot.extra_settings.update(WEB)
    await bot.restart()
    await staffed(bot)
    async with screen_of(bot) as (_, base):
        admin = await logged_in(bot, base, ADMIN)
        assert (await admin.get("/static/app.js")).status_code == 200
        for path in (
            "/static/../server.py",
            "/static/..%2Fserver.py",
            "/static/%2e%2e/access.py",
            "/static/..%2F..%2Fstorage%2Fdb.py",
            "/static/index.html/../../tokens.py",
            "/static/server.py",
            "/static/screenshot.png/..",
            "/static//etc/passwd",
            "/../../etc/passwd",
        ):
            answer = await admin.get(path)
            assert answer.status_code in (400, 404), path
            assert "import" not in answer.text and "root:" not in answer.text, path
        await admin.aclose()


async def test_an_admin_granted_for_a_zone_sees_that_zone_and_a_configured_admin_the_town(
    bot: Harness,
) -> None:
    await staffed(bot)
    db, settings = bot.services.db, bot.services.settings
    await grant_role(db, 700009, Role.ADMIN, bot.clock.now(), zone_code="MF", granted_by="cli")
    assert await access.staff_zones(db, settings, 700009) == (await _zone_id(bot, "MF"),)
    assert await access.staff_zones(db, settings, ADMIN.id) is None  # MINHU_ADMIN_IDS
    assert await access.staff_zones(db, settings, TOWN_DISPATCH.id) is None
    both = (await _zone_id(bot, "SQ"), await _zone_id(bot, "YS"))
    await grant_role(db, SQ_DISPATCH.id, Role.DISPATCHER, bot.clock.now(), zone_code="YS",
                     granted_by="cli")  # fmt: skip
    assert await access.staff_zones(db, settings, SQ_DISPATCH.id) == tuple(sorted(both))


async def test_a_flood_of_changes_makes_every_page_load_again(bot: Harness) -> None:
    await staffed(bot)
    async with screen_of(bot) as (screen, _):
        live = screen.live
        await live.look()
        page = live.listen(Scope(None, ADMIN.id))
        made = [await file_case(bot, "SQ-01-01") for _ in range(4)]
        live_module.MOST, most = 3, live_module.MOST
        try:
            assert await live.look() >= 3
        finally:
            live_module.MOST = most
        assert _message(page.queue.get_nowait()) == {"reload": True}
        cases = json.loads(await live.cases_json(Scope(None, ADMIN.id)))
        assert {c[0] for c in cases} >= {case_id for case_id, _ in made}
