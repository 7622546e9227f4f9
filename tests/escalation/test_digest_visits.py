"""The dispatchers' daily digest counts the households overdue a home visit (网格走亲) per grid
of the zones each reader answers for — counts only, never a household's name or address; an
erased household or one on cadence is not counted, and overdue visits alone make a digest."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.visits import service as visits
from storage import geo, people
from storage import visits as store
from storage.visits import NewHousehold
from tests.escalation.test_ladder import ADMIN, local
from tests.support.harness import Harness, User, register, texts
from tests.support.representatives import deliver

FAR_DISPATCHER = User(500021, "阳山指挥")
SECRET_NAME, SECRET_ADDRESS = "陈阿婆", "上强社区3幢102室"


async def _household(bot: Harness, grid: str, cadence: int, days_ago: int) -> int:
    grid_id = await geo.grid_id_by_code(bot.services.db, grid)
    assert grid_id is not None
    new = NewHousehold(
        grid_id, "独居老人", cadence, SECRET_NAME, SECRET_ADDRESS, None, None, "腿脚不便"
    )
    registered = bot.clock.now() - timedelta(days=days_ago)
    async with bot.services.db.transaction() as conn:
        return await store.insert_household(conn, new, worker_id=200001, now=registered)


async def _run(bot: Harness, moment: datetime) -> dict[int, str]:
    bot.clock.set(moment)
    runner = bot.services.timers
    assert runner is not None
    while await runner.run_pass():
        pass
    since = await deliver(bot)
    return {u.id: texts(bot.fake.sent_to(u.id, since)) for u in (ADMIN, FAR_DISPATCHER)}


async def test_the_digest_counts_overdue_households_per_grid_without_names(bot: Harness) -> None:
    bot.clock.set(local(2026, 3, 2, 10, 0))  # a Monday
    db = bot.services.db
    zone = await db.fetchval("SELECT id FROM zones WHERE code = 'YS'")
    await people.grant(db, FAR_DISPATCHER.id, "dispatcher", bot.clock.now(), zone_id=zone)
    for user in (ADMIN, FAR_DISPATCHER):
        await register(bot, user)
    await _household(bot, "SQ-01-01", 7, 20)  # overdue
    await _household(bot, "SQ-01-01", 7, 30)  # overdue
    await _household(bot, "SQ-01-01", 30, 3)  # on cadence
    await _household(bot, "YS-01-01", 14, 40)  # overdue, another zone
    erased = await _household(bot, "SQ-01-02", 7, 40)
    async with db.transaction() as conn:
        await visits.erase_in(conn, erased, bot.clock.now())
    assert await visits.overdue_by_grid(db, bot.services.settings.tz, bot.clock.now()) == {
        (await geo.grid_id_by_code(db, "SQ-01-01")): 2,
        (await geo.grid_id_by_code(db, "YS-01-01")): 1,
    }
    await _run(bot, local(2026, 3, 2, 10, 0))  # plans the digest of 3 March
    sent = await _run(bot, local(2026, 3, 3, 9, 0))
    admin, far = sent[ADMIN.id], sent[FAR_DISPATCHER.id]
    assert "每日汇总" in admin and "走访逾期 3 户" in admin
    assert "上强社区第一网格 2 户" in admin and "阳山社区第一网格 1 户" in admin
    assert "走访逾期 1 户" in far and "上强" not in far  # their zone only
    for text in (admin, far):
        assert SECRET_NAME not in text and SECRET_ADDRESS not in text
    assert "新收 0 件" in admin  # overdue visits alone make a digest


async def test_no_overdue_household_no_section(bot: Harness) -> None:
    bot.clock.set(local(2026, 3, 2, 10, 0))
    await register(bot, ADMIN)
    await _household(bot, "SQ-01-01", 30, 3)
    await _run(bot, local(2026, 3, 2, 10, 0))
    assert (await _run(bot, local(2026, 3, 3, 9, 0)))[ADMIN.id] == ""  # nothing to read


async def test_the_english_digest_counts_them_too(bot: Harness) -> None:
    text = bot.services.renderer.render(
        "en",
        "escalation.digest",
        due_at="2026-03-03T01:00:00+00:00",
        new=[], new_total=0, overdue=[], overdue_total=0, awaiting=[], awaiting_total=0,
        visits=[{"grid": "Grid 1", "households": 2}], visits_total=2, visits_grids=1,
    )  # fmt: skip
    assert "Home visits overdue: 2 households" in text and "Grid 1: 2" in text
    old = bot.services.renderer.render(  # a row queued before this section existed
        "zh-CN",
        "escalation.digest",
        due_at="2026-03-03T01:00:00+00:00",
        new=[], new_total=0, overdue=[], overdue_total=0, awaiting=[], awaiting_total=0,
    )  # fmt: skip
    assert "走访逾期" not in old
