"""Who gets into the command centre's screen: /dashboard sends staff a signed link that works
once for ten minutes; forged, altered, expired and reused links are refused; nothing at all is
served without a session; residents and grid workers are refused in the chat; sessions expire;
a kiosk link works until an admin revokes it."""

from __future__ import annotations

from datetime import timedelta

import httpx

from bot.people import privacy
from bot.people.service import grant as grant_role
from storage.models import Role
from tests.dashboard.support import (
    ADMIN,
    SQ_DISPATCH,
    WEB,
    WORKER,
    file_case,
    link_in,
    logged_in,
    screen_of,
    staffed,
)
from tests.support.harness import Harness, User, register, texts


async def test_the_admin_opens_the_screen_from_the_bot_and_sees_the_whole_town(
    bot: Harness,
) -> None:
    bot.extra_settings.update(WEB)
    await bot.restart()
    await staffed(bot)
    await file_case(bot, "SQ-01-01")
    await file_case(bot, "YS-01-01")
    async with screen_of(bot) as (_, base):
        client = await logged_in(bot, base, ADMIN)
        cookie = client.cookies.get("minhu_screen")
        assert cookie
        page = await client.get("/")
        assert page.status_code == 200 and "/static/app.js" in page.text
        assert page.headers["Referrer-Policy"] == "no-referrer"
        state = (await client.get("/api/state")).json()
        assert state["scope"] is None and len(state["zones"]) == 4
        assert len(state["map"]["grids"]) == len(state["grids"]) > 4
        assert all(g[1].startswith("M") for g in state["map"]["grids"])
        assert len(state["cases"]) == 2 and state["today"]["new"] == 2
        assert (await client.get("/static/app.js")).status_code == 200
        await client.aclose()


async def test_a_link_works_once_and_for_ten_minutes(bot: Harness) -> None:
    bot.extra_settings.update(WEB)
    await bot.restart()
    await staffed(bot)
    async with screen_of(bot) as (_, base), httpx.AsyncClient(base_url=base) as client:
        link = link_in(await bot.send(ADMIN, "/dashboard"))
        assert (await client.get(link)).status_code == 302
        async with httpx.AsyncClient(base_url=base) as thief:
            again = await thief.get(link)
            assert again.status_code == 403 and "已使用" in again.text
            assert (await thief.get("/api/state")).status_code == 401
        late = link_in(await bot.send(ADMIN, "/dashboard"))
        bot.clock.advance(timedelta(minutes=10, seconds=1))
        client.cookies.clear()
        refused = await client.get(late)
        assert refused.status_code == 403 and "minhu_screen" not in refused.headers.get(
            "set-cookie", ""
        )
        assert (await client.get("/api/state")).status_code == 401


async def test_forged_and_altered_links_are_refused_before_the_database(bot: Harness) -> None:
    bot.extra_settings.update(WEB)
    await bot.restart()
    await staffed(bot)
    async with screen_of(bot) as (_, base), httpx.AsyncClient(base_url=base) as client:
        link = link_in(await bot.send(ADMIN, "/dashboard"))
        token = link.split("t=", 1)[1]
        nonce, expiry, signature = token.split(".")
        forged = [
            f"{nonce}.{int(expiry) + 86400}.{signature}",  # a longer life
            f"{nonce[:-1]}A.{expiry}.{signature}",  # another nonce
            f"{nonce}.{expiry}.{signature[:-2]}AA",  # a made-up signature
            f"{nonce}.{expiry}",
            "",
            "x" * 500,
        ]
        for bad in forged:
            answer = await client.get("/login", params={"t": bad})
            assert answer.status_code == 403, bad
            assert "minhu_screen" not in answer.headers.get("set-cookie", "")
        assert (await client.get(link)).status_code == 302  # the real one still works, once
        links = await bot.services.db.fetchall("SELECT token_hash FROM dashboard_links")
        assert all(token not in str(tuple(r)) for r in links)  # only hashes are kept


async def test_nothing_is_served_without_a_session(bot: Harness) -> None:
    bot.extra_settings.update(WEB)
    await bot.restart()
    await staffed(bot)
    case_id, number = await file_case(bot, "SQ-01-01")
    async with screen_of(bot) as (_, base), httpx.AsyncClient(base_url=base) as client:
        for path in (
            "/",
            "/static/app.js",
            "/static/style.css",
            "/api/state",
            f"/api/case/{case_id}",
            "/api/figures",
            "/api/live",
        ):
            for cookie in ("", "made-up"):
                client.cookies.clear()
                if cookie:
                    client.cookies.set("minhu_screen", cookie)
                answer = await client.get(path)
                assert answer.status_code == 401, path
                assert number not in answer.text and "上强" not in answer.text
        assert (await client.post("/logout")).status_code == 401


async def test_a_session_expires_and_ends_at_logout(bot: Harness) -> None:
    bot.extra_settings.update(WEB)
    await bot.restart()
    await staffed(bot)
    async with screen_of(bot) as (_, base):
        client = await logged_in(bot, base, SQ_DISPATCH)
        bot.clock.advance(timedelta(hours=11, minutes=59))
        assert (await client.get("/api/state")).status_code == 200
        bot.clock.advance(timedelta(minutes=2))
        assert (await client.get("/api/state")).status_code == 401
        other = await logged_in(bot, base, SQ_DISPATCH)
        session = other.cookies["minhu_screen"]
        assert (await other.post("/logout")).status_code == 200
        async with httpx.AsyncClient(base_url=base) as copy:  # the cookie kept after logout
            copy.cookies.set("minhu_screen", session)
            assert (await copy.get("/api/state")).status_code == 401
        await client.aclose()
        await other.aclose()


async def test_a_session_ends_when_its_holder_loses_the_role(bot: Harness) -> None:
    bot.extra_settings.update(WEB)
    await bot.restart()
    await staffed(bot)
    async with screen_of(bot) as (_, base):
        client = await logged_in(bot, base, SQ_DISPATCH)
        assert (await client.get("/api/state")).status_code == 200
        await bot.send(ADMIN, f"/revoke dispatcher {SQ_DISPATCH.id}")
        assert (await client.get("/api/state")).status_code == 401
        await client.aclose()


async def test_residents_and_grid_workers_are_refused_in_the_chat(bot: Harness) -> None:
    bot.extra_settings.update(WEB)
    await bot.restart()
    await staffed(bot)
    resident = User(100001, "王阿姨")
    await register(bot, resident)
    for user in (resident, WORKER):
        answer = texts(await bot.send(user, "/dashboard"))
        assert "只对管理员和指挥中心" in answer and "http" not in answer
        assert "只有管理员" in texts(await bot.send(user, "/dashboard kiosk 大厅"))
    links = await bot.services.db.fetchval("SELECT COUNT(*) FROM dashboard_links")
    assert links == 0


async def test_the_screen_switched_off_says_so(bot: Harness) -> None:
    await staffed(bot)
    assert "MINHU_WEB_PORT" in texts(await bot.send(ADMIN, "/dashboard"))


async def test_a_kiosk_link_works_until_revoked(bot: Harness) -> None:
    bot.extra_settings.update(WEB)
    await bot.restart()
    await staffed(bot)
    assert "只有管理员" in texts(await bot.send(SQ_DISPATCH, "/dashboard kiosk 大厅"))
    made = await bot.send(ADMIN, "/dashboard kiosk 值班室大屏")
    assert "#1" in texts(made)
    link = link_in(made)
    async with screen_of(bot) as (_, base):
        walls = [httpx.AsyncClient(base_url=base) for _ in range(2)]
        for wall in walls:
            assert (await wall.get(link)).status_code == 302
        bot.clock.advance(timedelta(days=30))  # a wall screen does not expire
        state = (await walls[0].get("/api/state")).json()
        assert state["viewer"]["kiosk"] is True and state["scope"] is None
        assert "值班室大屏" in texts(await bot.send(ADMIN, "/dashboard kiosks"))
        assert "已撤销" in texts(await bot.send(ADMIN, "/dashboard revoke 1"))
        for wall in walls:
            assert (await wall.get("/api/state")).status_code == 401
            await wall.aclose()
        async with httpx.AsyncClient(base_url=base) as fresh:
            assert (await fresh.get(link)).status_code == 403
        assert "没有编号" in texts(await bot.send(ADMIN, "/dashboard revoke 1"))


async def test_a_zone_admin_sees_and_revokes_only_their_zone_s_wall_screens(bot: Harness) -> None:
    bot.extra_settings.update(WEB)
    await bot.restart()
    await staffed(bot)
    zone_admin = User(700010, "梅峰片区长")
    await register(bot, zone_admin)
    await grant_role(
        bot.services.db, zone_admin.id, Role.ADMIN, bot.clock.now(), zone_code="MF",
        granted_by="cli",
    )  # fmt: skip
    assert "#1" in texts(await bot.send(ADMIN, "/dashboard kiosk 镇大厅"))
    assert "#2" in texts(await bot.send(zone_admin, "/dashboard kiosk 梅峰值班室"))
    listed = texts(await bot.send(zone_admin, "/dashboard kiosks"))
    assert "梅峰值班室" in listed and "镇大厅" not in listed
    assert "没有编号" in texts(await bot.send(zone_admin, "/dashboard revoke 1"))
    assert "镇大厅" in texts(await bot.send(ADMIN, "/dashboard kiosks"))
    revoked = await bot.services.db.fetchval(
        "SELECT COUNT(*) FROM dashboard_kiosks WHERE revoked_at IS NOT NULL"
    )
    assert revoked == 0
    assert "已撤销" in texts(await bot.send(ADMIN, "/dashboard revoke 2"))


async def test_deleteme_ends_a_staff_member_s_sessions(bot: Harness) -> None:
    bot.extra_settings.update(WEB)
    await bot.restart()
    await staffed(bot)
    async with screen_of(bot) as (_, base):
        client = await logged_in(bot, base, SQ_DISPATCH)
        await bot.send(SQ_DISPATCH, "/dashboard")  # a link not used yet
        await privacy.erase(bot.services, SQ_DISPATCH.id)
        assert (await client.get("/api/state")).status_code == 401
        db = bot.services.db
        for table in ("dashboard_links", "dashboard_sessions"):
            left = await db.fetchval(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?",
                                     (SQ_DISPATCH.id,))  # fmt: skip
            assert left == 0, table
        await client.aclose()
