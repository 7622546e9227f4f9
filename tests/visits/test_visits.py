"""网格走亲: a grid worker registers a household with its consent, visits it on cadence; a
household left unvisited reminds the worker, then reaches the dispatcher; a visit that finds a
hazard opens a routed case; coverage feeds the monthly assessment."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.visits import rules
from bot.visits import service as visits
from storage import complaints, people
from storage import visits as store
from tests.conftest import ADMIN_ID
from tests.support.harness import Harness, User, register, texts
from tests.support.representatives import OFFICER, WORKER, deliver, grant

SHANGHAI = ZoneInfo("Asia/Shanghai")
DISPATCHER = User(600001, "指挥中心小李")
NEIGHBOUR_WORKER = User(200002, "李网格")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


async def at(bot: Harness, *moment: int) -> dict[int, str]:
    bot.clock.set(local(*moment))
    runner = bot.services.timers
    assert runner is not None
    while await runner.run_pass():
        pass
    since = await deliver(bot)
    ids = (WORKER.id, DISPATCHER.id, OFFICER.id, NEIGHBOUR_WORKER.id, ADMIN_ID)
    return {uid: texts(bot.fake.sent_to(uid, since)) for uid in ids}


async def _grid(bot: Harness, code: str = "SQ-01-01") -> int:
    return int(await bot.services.db.fetchval("SELECT id FROM grids WHERE code = ?", (code,)))


async def _staff(bot: Harness) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await grant(bot, NEIGHBOUR_WORKER, "grid_worker", grid="SQ-01-02")
    await grant(bot, OFFICER, "department", department="XF")
    await grant(bot, DISPATCHER, "dispatcher")


def _elder(grid_id: int, **changes: object) -> store.NewHousehold:
    values: dict[str, object] = {
        "grid_id": grid_id,
        "kind": "独居老人",
        "cadence_days": 7,
        "name": "王奶奶",
        "address": "东红村3组12号",
        "phone": "13812345678",
        "emergency_contact": "儿子 王强 13900001111",
        "notes": "高血压，耳背，敲门要用力",
    }
    values.update(changes)
    return store.NewHousehold(**values)  # type: ignore[arg-type]


async def test_a_weekly_household_not_visited_for_8_days_reminds_the_worker_then_the_dispatcher(
    bot: Harness,
) -> None:
    # Monday 2 March 2026, 10:00: registered with consent; the cadence counts from now.
    bot.clock.set(local(2026, 3, 2, 10, 0))
    await _staff(bot)
    hid = await visits.register(bot.services, WORKER.id, _elder(await _grid(bot)), consent=True)
    h = await store.household(bot.services.db, hid)
    assert h is not None and h.consent_by == WORKER.id and h.consent_at == local(2026, 3, 2, 10)

    sent = await at(bot, 2026, 3, 8, 20, 0)  # 6 days: nothing yet
    assert not any(sent.values())
    sent = await at(bot, 2026, 3, 9, 9, 0)  # day 7, the due day: the worker is reminded
    assert "今天该走访了" in sent[WORKER.id] and "王奶奶" in sent[WORKER.id]
    assert not sent[DISPATCHER.id]
    sent = await at(bot, 2026, 3, 10, 9, 0)  # day 8: overdue, the worker's 催办
    assert "走访已逾期 1 天" in sent[WORKER.id] and "走访逾期报告" not in sent[DISPATCHER.id]
    # The dispatcher's morning digest counts it for the grid, without the household's name.
    assert "走访逾期 1 户" in sent[DISPATCHER.id] and "王奶奶" not in sent[DISPATCHER.id]
    sent = await at(bot, 2026, 3, 11, 9, 0)  # then the dispatcher
    assert "走访逾期报告" in sent[DISPATCHER.id] and "张网格" in sent[DISPATCHER.id]
    assert not sent[WORKER.id] and not sent[NEIGHBOUR_WORKER.id]
    # Once each, across a restart.
    await bot.restart()
    assert not any((await at(bot, 2026, 3, 11, 12, 0)).values())
    # A visit stops it; the next reminder is a week after the visit.
    await visits.log_visit(bot.services, WORKER.id, visits.Visit(hid, "ok"))
    assert not any((await at(bot, 2026, 3, 18, 8, 0)).values())
    assert "今天该走访了" in (await at(bot, 2026, 3, 18, 9, 0))[WORKER.id]


async def test_a_visit_that_finds_a_hazard_opens_a_case_routed_to_the_department(
    bot: Harness,
) -> None:
    await _staff(bot)
    hid = await visits.register(bot.services, WORKER.id, _elder(await _grid(bot)), consent=True)
    logged = await visits.log_visit(
        bot.services,
        WORKER.id,
        visits.Visit(hid, "hazard", note="厨房燃气软管老化开裂，有煤气味", photo=("p1", "u1")),
    )
    assert logged.ticket is not None
    c = await complaints.get(bot.services.db, logged.ticket.complaint_id)
    assert c is not None and c.kind == "hazard" and c.reporter_id == WORKER.id
    assert c.address == "东红村3组12号" and c.photo_file_ids == ("p1",)
    since = await deliver(bot)
    assert logged.ticket.number in texts(bot.fake.sent_to(OFFICER.id, since))

    help_ = await visits.log_visit(
        bot.services, WORKER.id, visits.Visit(hid, "help", note="老人腿摔伤了，需要人帮忙买药")
    )
    assert help_.ticket is not None  # 其他: the grid's own workers handle it


async def test_nothing_is_registered_without_consent_or_by_another_grids_worker(
    bot: Harness,
) -> None:
    await _staff(bot)
    grid = await _grid(bot)
    with pytest.raises(rules.Refused):
        await visits.register(bot.services, WORKER.id, _elder(grid), consent=False)
    with pytest.raises(rules.Refused):
        await visits.register(bot.services, NEIGHBOUR_WORKER.id, _elder(grid), consent=True)
    with pytest.raises(rules.Refused):
        await visits.register(bot.services, WORKER.id, _elder(grid, kind="不存在"), consent=True)
    with pytest.raises(rules.Refused):
        await visits.register(bot.services, WORKER.id, _elder(grid, name="王" * 31), consent=True)
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM households") == 0
    hid = await visits.register(bot.services, WORKER.id, _elder(grid), consent=True)
    with pytest.raises(rules.Refused):  # another grid's worker cannot log a visit
        await visits.log_visit(bot.services, NEIGHBOUR_WORKER.id, visits.Visit(hid, "ok"))
    with pytest.raises(rules.Refused):  # a case needs words
        await visits.log_visit(bot.services, WORKER.id, visits.Visit(hid, "hazard", note="x"))
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM visits") == 0


async def test_withdrawing_consent_erases_the_household_and_stops_its_reminders(
    bot: Harness,
) -> None:
    bot.clock.set(local(2026, 3, 2, 10, 0))
    await _staff(bot)
    hid = await visits.register(bot.services, WORKER.id, _elder(await _grid(bot)), consent=True)
    await visits.log_visit(bot.services, WORKER.id, visits.Visit(hid, "ok", note="精神不错"))
    assert "王奶奶" in (await at(bot, 2026, 3, 9, 9, 0))[WORKER.id]
    with pytest.raises(rules.Refused):
        await visits.withdraw(bot.services, NEIGHBOUR_WORKER.id, hid)
    assert await visits.withdraw(bot.services, DISPATCHER.id, hid)
    h = await store.household(bot.services.db, hid)
    assert h is not None and h.status == "erased"
    assert (h.name, h.address, h.phone, h.emergency_contact, h.notes) == (None,) * 5
    assert await bot.services.db.fetchval("SELECT note FROM visits") == ""
    stored = await bot.services.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE context LIKE '%王奶奶%'"
    )
    assert stored == 0
    assert not any((await at(bot, 2026, 3, 20, 9, 0)).values())
    assert await visits.due_list(bot.services, [await _grid(bot)]) == []


def test_coverage_counts_time_on_cadence_not_the_number_of_visits() -> None:
    start, end = local(2026, 3, 1), local(2026, 4, 1)
    reg = local(2026, 2, 1, 10)
    # Visited weekly all month: fully covered, however often.
    weekly = [local(2026, 2, d, 10) for d in (8, 15, 22)] + [
        local(2026, 3, d, 10) for d in (1, 8, 15, 22, 29)
    ]
    assert rules.coverage(reg, None, 7, weekly, start, end, SHANGHAI).share == 1.0
    daily = weekly[:3] + [local(2026, 3, d, 10) for d in range(1, 32)]
    assert rules.coverage(reg, None, 7, daily, start, end, SHANGHAI).share == 1.0
    # Last visited 1 March: due 8 March, overdue from 9 March 00:00 to the end (23 of 31 days).
    once = rules.coverage(reg, None, 7, [*weekly[:3], local(2026, 3, 1, 10)], start, end, SHANGHAI)
    assert once.share == pytest.approx(8 / 31)
    # Registered on 16 March, never visited: counts from then; overdue from 24 March.
    late = rules.coverage(local(2026, 3, 16, 12), None, 7, [], start, end, SHANGHAI)
    since = local(2026, 3, 16, 12)
    assert late.share == pytest.approx((local(2026, 3, 24) - since) / (end - since))


async def test_the_monthly_assessment_includes_visit_coverage(bot: Harness) -> None:
    from bot.bulletins.rankings import Weights
    from bot.bulletins.render import messages
    from bot.bulletins.report import BulletinConfig, build_report
    from bot.core.periods import Period

    bot.clock.set(local(2026, 2, 25, 10))
    await _staff(bot)
    kept = await visits.register(bot.services, WORKER.id, _elder(await _grid(bot)), consent=True)
    other = await visits.register(
        bot.services, NEIGHBOUR_WORKER.id, _elder(await _grid(bot, "SQ-01-02")), consent=True
    )
    for day in (1, 7, 13, 19, 25, 31):  # 张网格 visits on cadence, 李网格 once
        bot.clock.set(local(2026, 3, day, 10))
        await visits.log_visit(bot.services, WORKER.id, visits.Visit(kept, "ok"))
    bot.clock.set(local(2026, 3, 1, 11))
    await visits.log_visit(bot.services, NEIGHBOUR_WORKER.id, visits.Visit(other, "ok"))
    bot.clock.set(local(2026, 4, 2, 10))
    config = BulletinConfig(tz=SHANGHAI, weights=Weights(), min_cases=0)
    month = Period("month", date(2026, 3, 1), date(2026, 4, 1))
    report = await build_report(bot.services.db, month, bot.clock.now(), config)
    rows = {r.stats.name: r for r in report.workers}
    assert rows["张网格"].stats.visit_share == 1.0
    assert rows["李网格"].stats.visit_share == pytest.approx(8 / 31)
    assert rows["张网格"].score is not None and rows["李网格"].score is not None
    assert rows["张网格"].score > rows["李网格"].score
    grids = {r.stats.name: r.stats for r in report.grids}
    assert any(s.visit_share == 1.0 for s in grids.values())
    # The assessment notice shows each grid's and worker's coverage, never a household.
    text = "\n".join(messages(bot.services.renderer, report, "zh-CN"))
    assert "走访覆盖100.0%" in text and "走访覆盖25.8%" in text and "走访覆盖10" in text
    assert "王奶奶" not in text and "东红村3组12号" not in text


async def test_the_coverage_view_shows_each_person_only_the_grids_they_may_see(
    bot: Harness,
) -> None:
    await _staff(bot)
    far = User(600002, "梅峰分中心")  # a dispatcher of another zone
    db = bot.services.db
    mf = await db.fetchval("SELECT id FROM zones WHERE code = 'MF'")
    await people.grant(db, far.id, "dispatcher", bot.clock.now(), zone_id=mf)
    await register(bot, far)
    await visits.register(bot.services, WORKER.id, _elder(await _grid(bot)), consent=True)
    mine = await visits.coverage_view(bot.services, WORKER.id)
    assert mine is not None and [r.households for r in mine] == [1]
    assert await visits.coverage_view(bot.services, NEIGHBOUR_WORKER.id) == []
    assert await visits.coverage_view(bot.services, far.id) == []
    town = await visits.coverage_view(bot.services, DISPATCHER.id)
    assert town is not None and [r.households for r in town] == [1]
    assert await visits.coverage_view(bot.services, 999999) is None  # nobody: not allowed
