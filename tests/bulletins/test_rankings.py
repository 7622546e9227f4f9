"""League tables on hand-made records with known answers: on-time shares across the National
Day holiday, year-on-year change (a zero base too), ties, the minimum-sample rule and the top
six of the monthly assessment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.bulletins.rankings import Change, UnitStats, Weights, rank, score
from bot.bulletins.render import BulletinText
from bot.bulletins.report import BulletinConfig, build_report
from bot.core.periods import Period, containing
from bot.core.render import Renderer
from storage.db import Database
from tests.support.bulletins import TZ, Town, local

CONFIG = BulletinConfig(tz=TZ)
RENDERER = Renderer(ZoneInfo("Asia/Shanghai"))


@pytest.fixture
async def town(seeded_db: Path) -> AsyncIterator[Town]:
    async with Database(seeded_db) as db:
        yield await Town(db).load()


async def test_on_time_is_measured_against_working_days_across_national_day(town: Town) -> None:
    # Filed on Wednesday 30 September 2026, the last working day before the holiday (1–7
    # October; Saturday 10 October is a make-up working day). Sanitation: acknowledge within 1
    # working day (→ Thursday 8 October 18:00), resolve within 3 (→ Saturday 10 October 18:00).
    filed = local(2026, 9, 30, 10)
    grid = "SQ-01-01"
    # Accepted eight calendar days later, yet on time; resolved on the make-up Saturday.
    await town.complaint(
        grid, filed, accepted=local(2026, 10, 8, 9), resolved=local(2026, 10, 10, 17),
        closed=local(2026, 10, 11), close_reason="confirmed", rating=5,
    )  # fmt: skip
    # Accepted an hour after the deadline; resolved on Monday 12 October: both late.
    await town.complaint(
        grid, filed, accepted=local(2026, 10, 8, 19), resolved=local(2026, 10, 12, 9),
        closed=local(2026, 10, 15), close_reason="no_reply",
    )  # fmt: skip
    # Accepted at once, resolved during the holiday, rated 4.
    await town.complaint(
        grid, filed, accepted=local(2026, 9, 30, 11), resolved=local(2026, 10, 3, 10),
        closed=local(2026, 10, 4), close_reason="confirmed", rating=4,
    )  # fmt: skip
    # Rejected (not a case for the grid): never judged.
    await town.complaint(grid, filed, rejected=True)

    week = containing("week", date(2026, 9, 30))
    assert (week.start, week.end) == (date(2026, 9, 28), date(2026, 10, 5))
    report = await build_report(town.db, week, local(2026, 10, 20), CONFIG)
    row = next(r for r in report.grids if r.stats.key == grid)
    s = row.stats
    assert (s.received, s.handled) == (4, 3)  # the rejected case is not handled work
    assert (s.ack_on_time, s.ack_judged) == (2, 3)
    assert (s.resolve_on_time, s.resolve_judged) == (2, 3)
    assert s.avg_rating == 4.5
    assert (s.no_reply, s.closed) == (1, 3)
    # 100 × (20·⅔ + 30·⅔ + 20·(3.5/4) + 10·⅔ + 10·1 + 10·1) / 100 (no patrol weight: nobody
    # patrolled, so that component is not defined).
    expected = round(100 * (20 * 2 / 3 + 30 * 2 / 3 + 20 * 0.875 + 10 * 2 / 3 + 10 + 10) / 100, 1)
    assert row.score == expected == 77.5
    assert row.rank == 1

    text = "\n".join(BulletinText(RENDERER, report, "zh-CN").messages())
    assert "按时签收66.7%" in text and "按时办结66.7%" in text and "满意度4.5" in text


async def test_a_case_whose_deadline_has_not_come_is_not_judged_yet(town: Town) -> None:
    filed = local(2026, 11, 23, 10)  # Monday; acknowledge by Tuesday 18:00
    await town.complaint("SQ-01-01", filed)
    week = containing("week", date(2026, 11, 23))
    early = await build_report(town.db, week, local(2026, 11, 24, 12), CONFIG)
    late = await build_report(town.db, week, local(2026, 11, 24, 19), CONFIG)
    grid = {r.stats.key: r.stats for r in early.grids}["SQ-01-01"]
    assert (grid.ack_judged, grid.ack_rate) == (0, None)
    grid = {r.stats.key: r.stats for r in late.grids}["SQ-01-01"]
    assert (grid.ack_judged, grid.ack_rate) == (1, 0.0)


async def test_year_on_year_change_with_a_zero_base(town: Town) -> None:
    october = Period("month", date(2026, 10, 1), date(2026, 11, 1))
    # 矛盾纠纷: 125 last October, 47 this October → 同比下降62.4%.
    await town.many("SQ-01-01", local(2025, 10, 12), 125, "dispute")
    await town.many("SQ-01-01", local(2026, 10, 12), 47, "dispute")
    # 停车管理: 4 → 6, up 50%; 违章搭建: none last year, 3 now; 公共设施: 5 and 5.
    await town.many("YS-01-01", local(2025, 10, 3), 4, "parking")
    await town.many("YS-01-01", local(2026, 10, 30), 6, "parking")
    await town.many("MF-01-01", local(2026, 10, 2), 3, "construction")
    await town.many("MF-01-01", local(2025, 10, 31, 23), 5, "facility")
    await town.many("MF-01-01", local(2026, 10, 31, 23), 5, "facility")
    # Outside both periods: never counted.
    await town.many("SQ-01-01", local(2026, 9, 30, 23, 59), 9, "dispute")
    await town.many("SQ-01-01", local(2025, 11, 1, 0, 0), 9, "dispute")

    report = await build_report(town.db, october, local(2026, 11, 2), CONFIG)
    changes = {c.code: c.change for c in report.categories}
    assert changes["dispute"] == Change(47, 125)
    assert (changes["dispute"].kind, changes["dispute"].percent) == ("down", 62.4)
    assert (changes["parking"].kind, changes["parking"].percent) == ("up", 50.0)
    assert (changes["construction"].kind, changes["construction"].percent) == ("new", None)
    assert changes["facility"].kind == "flat"
    assert "safety" not in changes  # nothing either year: not a row
    assert report.total == Change(47 + 6 + 3 + 5, 125 + 4 + 5)
    zones = {z.key: z.change for z in report.zones}
    assert zones["SQ"].kind == "down" and zones["LHT"] == Change(0, 0)

    zh = "\n".join(BulletinText(RENDERER, report, "zh-CN").messages())
    assert "矛盾纠纷 47件，同比下降62.4%" in zh
    assert "停车管理 6件，同比上升50.0%" in zh
    assert "违章搭建 3件，去年同期为0，本期新增3件" in zh
    assert "公共设施 5件，与去年同期持平" in zh
    assert "<b>老虎潭片区</b> 0件，本期与去年同期均为0" in zh
    en = "\n".join(BulletinText(RENDERER, report, "en").messages())
    assert "Neighbour dispute: 47, down 62.4% on a year earlier" in en
    assert "Illegal construction: 3, 3 new (none a year earlier)" in en


def test_a_week_is_compared_with_the_same_weekdays_a_year_earlier() -> None:
    week = containing("week", date(2026, 11, 25))
    before = week.year_earlier()
    assert before.start.weekday() == 0 and before.start == date(2025, 11, 24)
    assert Period("month", date(2024, 2, 1), date(2024, 3, 1)).year_earlier() == Period(
        "month", date(2023, 2, 1), date(2023, 3, 1)
    )


def test_equal_scores_share_a_rank_listed_by_code() -> None:
    def unit(key: str, on_time: int) -> UnitStats:
        return UnitStats(key, key, handled=4, ack_judged=4, ack_on_time=on_time)

    units = [unit("C", 4), unit("B", 3), unit("A", 3), unit("D", 1)]
    ranked = rank(units, Weights(), min_cases=3)
    assert [(r.stats.key, r.rank, r.tied) for r in ranked] == [
        ("C", 1, False),
        ("A", 2, True),
        ("B", 2, True),
        ("D", 4, False),
    ]
    # The same data in any order gives the same table.
    assert ranked == rank(list(reversed(units)), Weights(), min_cases=3)


def test_scores_equal_when_shown_are_ties() -> None:
    # 2/3 and 666/999 differ by nothing; 0.66666 vs 0.6667 round to the same shown score.
    a = UnitStats("A", "A", handled=3, ack_judged=3, ack_on_time=2)
    b = UnitStats("B", "B", handled=999, ack_judged=999, ack_on_time=666)
    assert score(a, Weights()) == score(b, Weights())
    assert [r.tied for r in rank([a, b], Weights(), min_cases=1)] == [True, True]


def test_one_quick_fix_does_not_top_the_table() -> None:
    quick = UnitStats("A", "一件办好", handled=1, ack_judged=1, ack_on_time=1)
    steady = UnitStats("B", "稳定", handled=10, ack_judged=10, ack_on_time=8)
    ranked = rank([quick, steady], Weights(), min_cases=3)
    assert [(r.stats.key, r.rank) for r in ranked] == [("B", 1), ("A", None)]
    assert ranked[1].score == 100.0  # scored, shown, but not ranked


async def test_too_few_cases_are_listed_but_not_ranked_in_the_bulletin(town: Town) -> None:
    monday = local(2026, 11, 16, 9)
    await town.handled_well("SQ-01-01", monday, 1)  # perfect, but one case
    await town.complaint("SQ-01-02", monday, accepted=monday + timedelta(days=3))
    await town.complaint("SQ-01-02", monday, accepted=monday + timedelta(hours=1))
    await town.complaint("SQ-01-02", monday, accepted=monday + timedelta(hours=2))
    week = containing("week", date(2026, 11, 16))
    report = await build_report(town.db, week, local(2026, 11, 26), CONFIG)
    grids = {r.stats.key: r for r in report.grids}
    assert grids["SQ-01-02"].rank == 1
    assert grids["SQ-01-01"].rank is None and grids["SQ-01-01"].score == 100.0
    text = "\n".join(BulletinText(RENDERER, report, "zh-CN").messages())
    ranked_at = text.index("上强社区第二网格")
    note_at = text.index("以下单位本期可评价的自办件（已签收、已办结或已过期限）少于3件")
    assert ranked_at < note_at < text.index("上强社区第一网格")
    assert "本期无办件、无巡查：东红村第一网格" in text


async def test_the_monthly_assessment_honours_the_top_six(town: Town) -> None:
    # Eight workers in eight grids; worker k resolved k of 8 cases on time (k = 1..8), so the
    # order is known; a ninth worker has the sixth worker's record.
    grids = [
        "SQ-01-01", "SQ-01-02", "SQ-02-01", "SQ-02-02", "YS-01-01", "YS-01-02", "YS-02-01",
        "MF-01-01", "MF-01-02",
    ]  # fmt: skip
    on_time = [8, 7, 6, 5, 4, 3, 2, 1, 3]
    start = local(2026, 10, 12, 9)  # Monday
    for index, (grid, good) in enumerate(zip(grids, on_time, strict=True)):
        await town.worker(800 + index, grid, f"网格员{index + 1}号")
        for case in range(8):
            resolved = start + (timedelta(hours=2) if case < good else timedelta(days=20))
            await town.complaint(
                grid, start, accepted=start + timedelta(hours=1), resolved=resolved
            )
    october = Period("month", date(2026, 10, 1), date(2026, 11, 1))
    report = await build_report(town.db, october, local(2026, 11, 1, 9), CONFIG)
    assert report.assessment
    table = [(r.stats.name, r.rank, r.tied, r.honoured) for r in report.workers if r.ranked]
    assert table[:6] == [
        ("网格员1号", 1, False, True),
        ("网格员2号", 2, False, True),
        ("网格员3号", 3, False, True),
        ("网格员4号", 4, False, True),
        ("网格员5号", 5, False, True),
        ("网格员9号", 6, True, True),  # tied, listed by grid code: MF-01-02 before YS-01-02
    ]
    # A tie at the line is honoured too: seven are honoured.
    assert table[6] == ("网格员6号", 6, True, True)
    assert [t[3] for t in table[7:]] == [False, False]
    text = "\n".join(BulletinText(RENDERER, report, "zh-CN").messages())
    assert text.count("分</b> · 月度先进") == 7
    assert "🏅 并列6. <b>网格员6号</b>" in text

    # A weekly bulletin has no assessment and honours nobody.
    week = containing("week", date(2026, 10, 12))
    weekly = await build_report(town.db, week, local(2026, 10, 19, 9), CONFIG)
    assert not weekly.assessment and not any(r.honoured for r in weekly.workers)


async def test_patrols_count_for_the_worker_who_made_them(town: Town) -> None:
    await town.worker(801, "SQ-01-01", "张网格")
    await town.worker(802, "SQ-01-01", "李网格")
    await town.patrols(801, "SQ-01-01", local(2026, 10, 5), 12)
    await town.patrols(802, "SQ-01-01", local(2026, 10, 5), 3)
    await town.patrols(802, "SQ-01-01", local(2026, 11, 5), 30)  # next month
    await town.handled_well("SQ-01-01", local(2026, 10, 8), 4)
    october = Period("month", date(2026, 10, 1), date(2026, 11, 1))
    report = await build_report(town.db, october, local(2026, 11, 1, 9), CONFIG)
    workers = {r.stats.name: r for r in report.workers}
    assert (workers["张网格"].stats.patrols, workers["李网格"].stats.patrols) == (12, 3)
    assert workers["张网格"].rank == 1 and workers["李网格"].rank == 2
    grid = {r.stats.key: r.stats for r in report.grids}["SQ-01-01"]
    assert grid.patrols == 15


async def test_fresh_or_rejected_cases_never_top_the_table(town: Town) -> None:
    # Monday 23 November, 09:00: last week's bulletin.
    as_of = local(2026, 11, 23, 9)
    for _ in range(3):  # three cases, all rejected
        await town.complaint("SQ-01-01", local(2026, 11, 17), rejected=True)
    for _ in range(3):  # three cases on Sunday evening, their deadlines still ahead
        await town.complaint("SQ-02-01", local(2026, 11, 22, 20))
    for case in range(10):  # ten handled, nine on time, rated 4
        filed = local(2026, 11, 16, 9)
        late = timedelta(days=4) if case == 0 else timedelta(hours=1)
        await town.complaint(
            "SQ-01-02", filed, accepted=filed + late, resolved=filed + late + timedelta(hours=1),
            closed=filed + timedelta(days=5), close_reason="confirmed", rating=4,
        )  # fmt: skip
    week = containing("week", date(2026, 11, 16))
    report = await build_report(town.db, week, as_of, CONFIG)
    grids = {r.stats.key: r for r in report.grids}
    assert grids["SQ-01-02"].rank == 1
    assert grids["SQ-01-01"].rank is None and grids["SQ-01-01"].stats.handled == 0
    assert grids["SQ-02-01"].rank is None and grids["SQ-02-01"].stats.judged == 0


async def test_patrol_tickets_and_representatives_items_are_not_residents_cases(
    town: Town,
) -> None:
    filed = local(2026, 11, 17, 9)
    await town.worker(801, "SQ-01-01", "张网格")
    ticket = await town.complaint(
        "SQ-01-01", filed, category="safety", accepted=filed, resolved=filed + timedelta(hours=1)
    )
    async with town.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO patrols (worker_id, grid_id, at, hazard_found, complaint_id)"
            " VALUES (801, ?, ?, 1, ?)",
            (town.grids["SQ-01-01"], filed.isoformat(), ticket),
        )
        await conn.execute("UPDATE complaints SET kind = 'hazard' WHERE id = ?", (ticket,))
    suggestion = await town.complaint("SQ-01-01", filed, department=1)
    async with town.db.transaction() as conn:
        await conn.execute("UPDATE complaints SET kind = 'suggestion' WHERE id = ?", (suggestion,))
    await town.complaint("SQ-01-01", filed, department=1)  # a resident's, routed
    week = containing("week", date(2026, 11, 16))
    report = await build_report(town.db, week, local(2026, 11, 23, 9), CONFIG)
    grid = {r.stats.key: r.stats for r in report.grids}["SQ-01-01"]
    assert (grid.received, grid.handled, grid.patrols, grid.hazards_found) == (1, 0, 1, 1)
    assert report.total.current == 1
    department = next(r.stats for r in report.departments)
    assert department.received == 2  # the resident's case and the suggestion it handles


def test_weights_are_configurable_and_checked() -> None:
    weights = Weights.parse("ack=50, resolve=50, rating=0, no_reply=0, relapse=0, overdue=0")
    unit = UnitStats("A", "A", handled=4, ack_judged=4, ack_on_time=4, resolve_judged=4)
    assert score(unit, weights) == 50.0
    with pytest.raises(ValueError, match="unknown weight 'speed'"):
        Weights.parse("speed=3")
    with pytest.raises(ValueError, match="at least one"):
        Weights.parse("ack=0,resolve=0,rating=0,no_reply=0,relapse=0,overdue=0,patrol=0,visit=0")
