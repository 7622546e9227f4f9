"""The bulletin's volunteer table (志愿服务) on a hand-made data set with known answers:
activities held, volunteers counted once, hours served and the change on a year earlier per
community, the whole zone's activities and the town's total — in both languages, in the export
table, frozen in the snapshot, in a correction, and never a volunteer's name (not even of one
who agreed to be named: the honour roll stays in the private chat). Also the grids' home-visit
coverage (走访覆盖) column of the exports."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from io import BytesIO

from openpyxl import load_workbook

from bot.bulletins import exports, render, snapshot
from bot.bulletins.corrections import differences
from bot.bulletins.rankings import Ranked, UnitStats
from bot.bulletins.render import BulletinText
from bot.bulletins.report import BulletinConfig, Report, build_report
from bot.bulletins.volunteers import hours, table
from bot.core.periods import Period
from tests.support.harness import Harness

OCTOBER = Period("month", date(2026, 10, 1), date(2026, 11, 1))
AS_OF = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
SECRET = ["王秀英", "李建国", "张桂兰", "赵志强", "陈美华", "刘德福"]  # P1…P6's names
# (zone, community or None for the whole zone, status, starts at, [(person, status, minutes)])
ACTIVITIES = [
    ("SQ", "SQ-01", "confirmed", "2026-10-05", [(1, "attended", 120), (2, "attended", 90),
                                                (3, "no_show", 0)]),
    ("SQ", "SQ-01", "confirmed", "2026-10-20", [(1, "attended", 60)]),
    ("SQ", None, "confirmed", "2026-10-12", [(2, "attended", 30), (4, "attended", 45)]),
    ("YS", "YS-01", "cancelled", "2026-10-15", [(5, "cancelled", 0)]),
    ("YS", "YS-02", "open", "2026-10-25", [(5, "booked", 0)]),  # not held yet
    ("SQ", "SQ-01", "confirmed", "2025-10-08", [(1, "attended", 60), (6, "attended", 60)]),
    ("YS", "YS-01", "confirmed", "2025-10-09", [(5, "attended", 90)]),
    ("SQ", "SQ-01", "confirmed", "2026-11-02", [(1, "attended", 600)]),  # after the month
]  # fmt: skip


async def _activities(bot: Harness) -> None:
    db = bot.services.db
    at = "2026-01-01T00:00:00+00:00"
    async with db.transaction() as conn:
        for n, name in enumerate(SECRET, 1):
            await conn.execute(
                """INSERT INTO people (id, first_name, grid_id, consented_at, created_at,
                       updated_at) VALUES (?, ?, (SELECT MIN(id) FROM grids), ?, ?, ?)""",
                (900000 + n, name, at, at, at),
            )
        await conn.execute(  # the first agreed to be named in the private honour roll
            "INSERT INTO volunteer_honour (person_id, named, at) VALUES (900001, 1, ?)", (at,)
        )
        for n, (zone, community, status, day, signups) in enumerate(ACTIVITIES, 1):
            cur = await conn.execute(
                """INSERT INTO volunteer_activities (title, task, place, starts_at,
                       duration_minutes, places, points_per_hour, zone_id, community_id,
                       checkin_code, checkout_code, status, created_by, created_at)
                   VALUES (?, '清扫', '河边', ?, 120, 10, 10,
                           (SELECT id FROM zones WHERE code = ?),
                           (SELECT id FROM communities WHERE code = ?), ?, ?, ?, 1, ?)""",
                (f"活动{n}", f"{day}T02:00:00+00:00", zone, community, f"I{n}", f"O{n}",
                 status, at),
            )  # fmt: skip
            for person, state, minutes in signups:
                await conn.execute(
                    """INSERT INTO volunteer_signups (activity_id, person_id, status, code,
                           minutes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                    (cur.lastrowid, 900000 + person, state, f"C{n}-{person}", minutes, at, at),
                )


def test_hours_round_half_up() -> None:
    assert [hours(m) for m in (0, 75, 270, 345, 3)] == [0.0, 1.3, 4.5, 5.8, 0.1]


async def test_the_table_has_the_known_answers(bot: Harness) -> None:
    await _activities(bot)
    tz = bot.services.settings.tz
    rows = await table(bot.services.db, OCTOBER.bounds(tz), OCTOBER.year_earlier().bounds(tz))
    got = [
        (r.zone, r.community, r.activities, r.volunteers, r.hours, r.hours_year_before,
         r.change.kind, r.change.percent)
        for r in rows
    ]  # fmt: skip
    assert got == [
        ("上强片区", "上强社区", 2, 2, 4.5, 2.0, "up", 125.0),
        ("上强片区", "", 1, 2, 1.3, 0.0, "new", None),  # the whole zone's activity
        ("阳山片区", "阳山社区", 0, 0, 0.0, 1.5, "down", 100.0),
        ("", "", 3, 3, 5.8, 3.5, "up", 64.3),  # P2 served in two places: counted once
    ]
    assert rows[-1].total and not any(r.total for r in rows[:-1])
    assert (
        await table(bot.services.db, *[OCTOBER.year_earlier().year_earlier().bounds(tz)] * 2) == []
    )


async def _report(bot: Harness, period: Period = OCTOBER) -> Report:
    config = BulletinConfig(tz=bot.services.settings.tz)
    return await build_report(bot.services.db, period, AS_OF, config)


async def test_the_monthly_bulletin_counts_and_never_names(bot: Harness) -> None:
    await _activities(bot)
    report = await _report(bot)
    renderer = bot.services.renderer
    text = "\n".join(render.messages(renderer, report, "zh-CN"))
    assert "【志愿服务】" in text
    assert (
        "上强社区</b>（上强片区） 开展活动2场 · 参与志愿者2人 · 服务4.5小时（同比上升125.0%）"
        in text
    )
    assert (
        "上强片区（全片区活动）</b> 开展活动1场 · 参与志愿者2人 · 服务1.3小时（去年同期无）" in text
    )
    assert (
        "阳山社区</b>（阳山片区） 开展活动0场 · 参与志愿者0人 · 服务0.0小时（同比下降100.0%）"
        in text
    )
    assert "全镇合计</b> 开展活动3场 · 参与志愿者3人 · 服务5.8小时（同比上升64.3%）" in text
    assert "/points" in text
    english = "\n".join(render.messages(renderer, report, "en"))
    assert "Volunteering" in english
    assert (
        "上强社区</b> (上强片区): 2 activities · 2 volunteers · 4.5 hours served"
        " (up 125.0% on a year earlier)" in english
    )
    assert "Whole town</b>: 3 activities · 3 volunteers · 5.8 hours served" in english
    zone = "\n".join(BulletinText(renderer, report, "zh-CN").zone_messages("SQ"))
    assert "上强社区</b>（上强片区） 开展活动2场" in zone
    assert "阳山社区" not in zone and "全镇合计</b> 开展活动" not in zone
    tables = {lang: render.tables(renderer, report, lang) for lang in ("zh-CN", "en")}
    [zh] = [t for t in tables["zh-CN"] if t.key == "volunteers"]
    assert zh.columns == [
        "片区", "村社", "开展活动", "参与志愿者", "服务时长（小时）", "去年同期（小时）", "同比变化"
    ]  # fmt: skip
    assert zh.rows == [
        ["上强片区", "上强社区", 2, 2, 4.5, 2.0, 1.25],
        ["上强片区", "全片区活动", 1, 2, 1.3, 0.0, None],
        ["阳山片区", "阳山社区", 0, 0, 0.0, 1.5, -1.0],
        ["全镇", "合计", 3, 3, 5.8, 3.5, (345 - 210) / 210],
    ]
    assert zh.percent_columns == frozenset({6})
    [en] = [t for t in tables["en"] if t.key == "volunteers"]
    assert en.rows[1][:2] == ["上强片区", "Whole zone"] and en.rows[-1][:2] == [
        "Whole town",
        "Total",
    ]
    book = load_workbook(BytesIO(exports.xlsx_workbook("十月", tables["zh-CN"])))
    sheet = book["志愿服务"]
    assert [c.value for c in sheet[2]] == zh.columns
    assert [c.value for c in sheet[3]] == ["上强片区", "上强社区", 2, 2, 4.5, 2.0, 1.25]
    page = exports.html_page("十月", "", tables["en"], language="en")
    shown = [text, english, zone, page, snapshot.dump(report), str(tables)]
    shown += [str([c.value for row in ws.iter_rows() for c in row]) for ws in book.worksheets]
    for piece in shown:
        assert not any(name in piece for name in SECRET)


async def test_the_figures_are_frozen_and_a_recount_is_a_correction(bot: Harness) -> None:
    await _activities(bot)
    report = await _report(bot)
    loaded = snapshot.load(snapshot.dump(report))
    assert loaded.volunteers == report.volunteers
    assert snapshot.fingerprint(loaded) == snapshot.fingerprint(report)
    renderer = bot.services.renderer
    assert render.messages(renderer, loaded, "zh-CN") == render.messages(renderer, report, "zh-CN")
    # A snapshot from before the table reads back with none.
    older = snapshot.dump(report).replace('"volunteers": [', '"volunteers_": [')
    assert snapshot.load(older).volunteers == []
    # Minutes confirmed later move the recount: the correction names the row and the figures.
    async with bot.services.db.transaction() as conn:
        await conn.execute("UPDATE volunteer_signups SET minutes = 150 WHERE code = 'C2-1'")
    recount = await _report(bot)
    found = [d for d in differences(renderer, loaded, recount, "zh-CN") if d.table == "volunteers"]
    assert [(d.row, d.zone, d.changes[0]) for d in found] == [
        ("上强片区", "SQ", ("服务时长（小时）", "4.5", "6.0")),
        ("全镇", None, ("服务时长（小时）", "5.8", "7.3")),
    ]


async def test_a_week_has_no_volunteer_table(bot: Harness) -> None:
    await _activities(bot)
    week = Period.from_key("week:2026-10-05")
    report = await _report(bot, week)
    assert report.volunteers == []
    assert "志愿服务" not in "\n".join(render.messages(bot.services.renderer, report, "zh-CN"))


async def test_the_exports_show_home_visit_coverage(bot: Harness) -> None:
    report = await _report(bot)
    visited = UnitStats(
        "SQ-01-01", "上强社区第一网格", "上强社区", visit_registered=400, visit_on_cadence=300
    )
    unvisited = UnitStats("SQ-01-02", "上强社区第二网格", "上强社区")
    report = replace(
        report,
        grids=[Ranked(visited, None, None), Ranked(unvisited, None, None)],
        workers=[Ranked(replace(visited, key="SQ-01-01/7", name="网格员甲"), None, None)],
    )
    renderer = bot.services.renderer
    for language, heading in (("zh-CN", "走访覆盖"), ("en", "Home visits on cadence")):
        tables = {t.key: t for t in render.tables(renderer, report, language)}
        for key in ("grids", "workers"):
            column = tables[key].columns.index(heading)
            assert column == 15 and column in tables[key].percent_columns
            assert tables[key].rows[0][column] == 0.75
        assert tables["grids"].rows[1][15] is None  # no household registered: —
        assert tables["workers"].columns[-1] in ("月度先进", "Honoured")
        assert heading not in tables["departments"].columns
    text = "\n".join(render.messages(renderer, report, "zh-CN"))
    assert "走访覆盖75.0%" in text
    book = load_workbook(
        BytesIO(exports.xlsx_workbook("十月", render.tables(renderer, report, "zh-CN")))
    )
    cell = book["网格排名"].cell(row=3, column=16)
    assert cell.value == 0.75 and "%" in cell.number_format


async def test_a_correction_compares_the_mediation_table_too(bot: Harness) -> None:
    """A recount of a bulletin with the mediation table states its moved rows (it used to stop
    at that table: its rows had no key)."""
    from tests.mediation.test_stats import _cases

    await _cases(bot)
    half = Period("year", date(2026, 1, 1), date(2026, 7, 1))
    published = snapshot.load(snapshot.dump(await _report(bot, half)))
    async with bot.services.db.transaction() as conn:
        await conn.execute(
            "UPDATE mediations SET status = 'succeeded' WHERE status = 'active' AND kind = 'land'"
        )
    found = differences(bot.services.renderer, published, await _report(bot, half), "zh-CN")
    rows = [(d.table, d.row, d.zone) for d in found if d.table == "mediations"]
    assert rows == [
        ("mediations", "阳山片区", "YS"),
        ("mediations", "阳山片区", "YS"),
        ("mediations", "全镇", None),
    ]
