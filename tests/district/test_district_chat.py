"""/district as district admins meet it, in any town's bot: every town's figures and the
ranking, published once to the district's channel through the publisher town's bot (a double
press, a press in another town's bot and the schedule meet the same rows); a town admin who is
not a district admin is refused, a group gets nothing, /mydata is as it was, and a deployment
of one town says so."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from bot.core.periods import Period
from bot.core.refusals import Stale
from bot.core.towns import District
from bot.district.books import books_of
from bot.district.publish import AlreadyPublished, DistrictSchedule, publish
from storage import cluster
from storage.db import Database, is_postgres
from tests.conftest import ADMIN_ID
from tests.support import databases
from tests.support.bulletins import Town, local
from tests.support.chat import send_in_group
from tests.support.district import CHANNEL, DISTRICT_ADMIN, TownHarness, make_district
from tests.support.harness import Harness, User, register
from tests.support.meetings import deliver

NOVEMBER = Period.from_key("month:2026-11-01")
ADMIN = User(DISTRICT_ADMIN, "区管理员")
TOWN_ADMIN = User(ADMIN_ID, "乙镇管理员")


@dataclass
class Towns:
    district: District
    alpha: TownHarness  # the publisher
    beta: TownHarness


async def _record(district: District) -> None:
    """甲镇 4 cases handled well, 乙镇 3 never accepted, 丙镇 1 (too few to rank)."""
    for key, count, well in (("alpha", 4, True), ("beta", 3, False), ("gamma", 1, True)):
        async with Database(district.town(key).settings.database) as db:
            town = await Town(db).load()
            if well:
                await town.handled_well("SQ-01-01", local(2026, 11, 10, 9), count)
            for _ in range(0 if well else count):
                await town.complaint(
                    "SQ-01-01", local(2026, 11, 10, 9), description="王秀英家漏水 13812345678"
                )


@pytest.fixture
async def towns(tmp_path: Path, db_backend: str) -> AsyncIterator[Towns]:
    """Three towns on 1 December 2026, 10:00; the bots of 甲镇 (publisher) and 乙镇."""
    district, made = await make_district(tmp_path, db_backend)
    await _record(district)
    clock = ManualClock(local(2026, 12, 1, 10))
    alpha = TownHarness(district.town("alpha").settings.database, district=district, key="alpha",
                        clock=clock)  # fmt: skip
    beta = TownHarness(district.town("beta").settings.database, district=district, key="beta",
                       clock=clock, town_admins=frozenset({ADMIN_ID}))  # fmt: skip
    await alpha.start()
    await beta.start()
    yield Towns(district, alpha, beta)
    for harness in (alpha, beta):
        if harness.app is not None:
            await harness.stop()
    for url in made:
        await databases.drop(url)


async def _district_rows(bot: Harness) -> list[tuple[int, str]]:
    rows = await bot.services.db.fetchall(
        "SELECT chat_id, dedupe_key FROM outbox WHERE kind = 'district' ORDER BY id"
    )
    return [(int(r[0]), str(r[1])) for r in rows]


async def test_a_district_admin_sees_every_town_and_publishes_once(towns: Towns) -> None:
    bot = towns.beta  # not the publisher's bot
    await register(bot, ADMIN)
    since = len(bot.fake.calls)
    await bot.send(ADMIN, "/district")
    shown = "\n".join(bot.fake.texts(ADMIN.id, since))
    assert "测试区2026年11月各镇（街道）工作晾晒" in shown
    assert "1. <b>甲镇</b>" in shown and "2. <b>乙镇</b>" in shown
    assert "样本不足" in shown and "丙镇" in shown
    assert "受理8件" not in shown and "共受理群众诉求 <b>8</b> 件" in shown
    assert "王秀英" not in shown and "13812345678" not in shown and "漏水" not in shown
    labels = bot.buttons(ADMIN.id)
    assert "📢 发布到区频道" in labels and "查看 2026年第48周（11月23日—11月29日）" in labels

    await bot.button(ADMIN, "发布到区频道")
    assert "2026年11月区级晾晒已发布" in bot.fake.texts(ADMIN.id)[-1]
    assert "甲镇的机器人" in bot.fake.texts(ADMIN.id)[-1]
    published = await _district_rows(towns.alpha)
    assert published and {chat for chat, _ in published} == {CHANNEL}
    assert published[0][1] == "district:month:2026-11-01:0"
    assert await _district_rows(bot) == []  # nothing in 乙镇's own outbox

    # A double press, then a press in the publisher's own bot: nothing more.
    await bot.press(ADMIN, "dst:pub:month:2026-11-01")
    assert "失效" in bot.fake.answers()[-1]
    await register(towns.alpha, ADMIN)
    since = len(towns.alpha.fake.calls)
    await towns.alpha.send(ADMIN, "/district")
    assert "已于" in towns.alpha.fake.texts(ADMIN.id, since)[-1]  # published, when
    assert "📢 发布到区频道" not in towns.alpha.buttons(ADMIN.id)
    books = books_of(towns.alpha.app.bot_data if towns.alpha.app else {})
    assert books is not None
    with pytest.raises(AlreadyPublished):
        await publish(books, towns.alpha.services, NOVEMBER, trigger="manual")
    assert await _district_rows(towns.alpha) == published

    # 甲镇's delivery sends it to the district's channel.
    calls = [c for c in await deliver(towns.alpha) if c.params.get("chat_id") == CHANNEL]
    assert len(calls) == len(published)
    assert "测试区2026年11月各镇（街道）工作晾晒" in calls[0].params["text"]


async def test_the_week_is_offered_and_a_forged_period_is_refused(towns: Towns) -> None:
    bot = towns.beta
    await register(bot, ADMIN)
    await bot.send(ADMIN, "/district")
    since = len(bot.fake.calls)
    await bot.button(ADMIN, "第48周")
    assert "2026年第48周（11月23日—11月29日）各镇（街道）工作晾晒" in "\n".join(
        bot.fake.texts(ADMIN.id, since)
    )
    assert any("2026年11月" in label for label in bot.buttons(ADMIN.id))
    for forged in ("dst:v:month:2026-12-01", "dst:v:week:2026-11-24", "dst:pub:week:2026-11-16"):
        since = len(bot.fake.calls)
        await bot.press(ADMIN, forged)
        assert bot.fake.answers(since)[-1]  # refused with a toast
    assert await _district_rows(towns.alpha) == []


async def test_a_town_admin_who_is_not_a_district_admin_is_refused(towns: Towns) -> None:
    bot = towns.beta
    await register(bot, TOWN_ADMIN)
    await bot.send(TOWN_ADMIN, "/bulletin")  # a town admin of 乙镇 …
    assert "权限" not in bot.fake.texts(TOWN_ADMIN.id)[-1]
    since = len(bot.fake.calls)
    await bot.send(TOWN_ADMIN, "/district")  # … but not of the district
    assert "没有权限" in "\n".join(bot.fake.texts(TOWN_ADMIN.id, since))
    assert "甲镇" not in "\n".join(bot.fake.texts(TOWN_ADMIN.id, since))
    for data in ("dst:v:month:2026-11-01", "dst:pub:month:2026-11-01", "dst:cancel"):
        since = len(bot.fake.calls)
        await bot.press(TOWN_ADMIN, data)
        assert bot.fake.answers(since) == ["抱歉，您没有权限执行这个操作。"]
    assert await _district_rows(towns.alpha) == []
    books = books_of(bot.app.bot_data if bot.app else {})
    assert books is not None and books.opened == []  # no other town was even opened


async def test_in_a_group_district_figures_are_never_shown(towns: Towns) -> None:
    bot = towns.beta
    calls = await send_in_group(bot, ADMIN, "/district")
    assert "甲镇" not in "\n".join(str(c.params.get("text", "")) for c in calls)
    assert not [c for c in calls if c.params.get("chat_id") == ADMIN.id and "晾晒" in
                str(c.params.get("text", ""))]  # fmt: skip
    assert await _district_rows(towns.alpha) == []


async def test_mydata_is_unaffected_by_being_a_district_admin(towns: Towns) -> None:
    bot = towns.beta
    await register(bot, ADMIN)
    await bot.send(ADMIN, "/district")
    calls = await bot.send(ADMIN, "/mydata")
    documents = [c for c in calls if c.method == "sendDocument"]
    assert len(documents) == 2
    exported = json.loads(documents[0].files["document"])
    assert exported["person"]["first_name"] == "区管理员"
    dumped = json.dumps(exported, ensure_ascii=False)
    assert "甲镇" not in dumped and "测试区" not in dumped  # their data, not the district's


async def test_the_monthly_district_bulletin_goes_out_once_from_the_publisher(
    towns: Towns,
) -> None:
    alpha, beta = towns.alpha, towns.beta
    books = books_of(alpha.app.bot_data if alpha.app else {})
    beta_books = books_of(beta.app.bot_data if beta.app else {})
    assert books is not None and beta_books is not None
    schedule = DistrictSchedule(books, alpha.services)
    assert not DistrictSchedule(beta_books, beta.services).applies  # not the publisher
    assert await schedule.run_due() == []  # 1 December: the towns' own day, not yet
    alpha.clock.set(local(2026, 12, 2, 9, 0))
    (outcome,) = await schedule.run_due()
    assert outcome.period == NOVEMBER and outcome.messages >= 1
    assert await schedule.run_due() == []
    await alpha.restart()
    books = books_of(alpha.app.bot_data if alpha.app else {})
    assert books is not None
    assert await DistrictSchedule(books, alpha.services).run_due() == []
    keys = [key for _, key in await _district_rows(alpha)]
    assert keys[0] == "district:month:2026-11-01:0" and len(keys) == outcome.messages
    # By hand afterwards: already out.
    with pytest.raises(Stale):
        await publish(books, alpha.services, NOVEMBER, trigger="manual")


async def test_a_deployment_of_one_town_says_it_has_no_district(bot: Harness) -> None:
    user = User(ADMIN_ID, "镇管理员")
    await register(bot, user)
    await bot.send(user, "/district")
    assert "只服务一个镇" in bot.fake.texts(user.id)[-1]


async def test_publishing_in_another_towns_bot_wakes_the_publishers_delivery(
    towns: Towns, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Published in 乙镇's bot: 甲镇's delivery (same process) is kicked, and on PostgreSQL its
    outbox channel notified, so the rows go out without waiting for its sweep (no time passes)."""
    alpha = towns.alpha
    kicks: list[int] = []
    monkeypatch.setattr(alpha.services.delivery, "kick_soon", lambda: kicks.append(1))
    address = towns.district.town("alpha").settings.database
    heard = asyncio.Event()
    session = None
    if is_postgres(address):
        session = await cluster.Session(address).open()
        await session.listen(cluster.OUTBOX, heard.set)
    try:
        books = books_of(towns.beta.app.bot_data if towns.beta.app else {})
        assert books is not None
        before = alpha.clock.now()
        outcome = await publish(books, towns.beta.services, NOVEMBER, trigger="manual")
        assert outcome is not None and kicks == [1]
        if session is not None:
            await asyncio.wait_for(heard.wait(), timeout=30)  # the NOTIFY, not a sweep
    finally:
        if session is not None:
            await session.close()
    calls = [c for c in await deliver(alpha) if c.params.get("chat_id") == CHANNEL]
    assert len(calls) == outcome.messages and alpha.clock.now() == before
