"""The mediation table on a hand-made data set with known answers: cases, outcomes, success
rate and the change on a year earlier per zone and kind, and the town's total — and not one
name or word of a case in what admins read."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.bulletins import render, snapshot
from bot.bulletins.render import BulletinText
from bot.bulletins.report import BulletinConfig, build_report
from bot.core.periods import Period
from bot.mediation import stats
from tests.support.harness import Harness, texts
from tests.support.representatives import ADMIN, grant

# (zone, kind, status, relapsed, opened on)
CASES = [
    *[("SQ", "neighbour", s, r, "2026-03-01") for s, r in
      (("succeeded", 1), ("succeeded", 0), ("partial", 0), ("failed", 0))],
    ("SQ", "family", "declined", 0, "2026-04-01"),
    *[("SQ", "neighbour", "succeeded", 0, "2025-02-01")] * 8,
    ("YS", "land", "succeeded", 0, "2026-05-01"),
    ("YS", "land", "active", 0, "2026-06-30"),
    *[("YS", "labour", "failed", 0, "2025-06-01")] * 3,
    ("SQ", "neighbour", "failed", 0, "2026-08-01"),  # after the period
    ("YS", "land", "failed", 0, "2025-07-02"),  # after the year-earlier period
]  # fmt: skip
SECRET_NAME, SECRET_WORDS = "对门孙家", "围墙占了院子半米"


async def _cases(bot: Harness) -> None:
    db = bot.services.db
    async with db.transaction() as conn:
        for n, (zone, kind, status, relapsed, day) in enumerate(CASES, 1):
            cur = await conn.execute(
                """SELECT g.id FROM grids g JOIN communities c ON c.id = g.community_id
                   JOIN zones z ON z.id = c.zone_id WHERE z.code = ? ORDER BY g.id LIMIT 1""",
                (zone,),
            )
            grid = (await cur.fetchone())[0]
            at = f"{day}T02:00:00+00:00"
            cur = await conn.execute(
                """INSERT INTO mediations (number, grid_id, kind, summary, status, opened_at,
                       contact_due_at, result_due_at, relapsed)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (f"TJ-X-{n:06d}", grid, kind, SECRET_WORDS, status, at, at, at, relapsed),
            )
            await conn.execute(
                "INSERT INTO mediation_parties (mediation_id, side, name) VALUES (?, 'other', ?)",
                (cur.lastrowid, SECRET_NAME),
            )


async def test_the_table_has_the_known_answers(bot: Harness) -> None:
    await _cases(bot)
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)
    rows = await stats.table(bot.services.db, start, end)
    got = {
        (r.zone, r.kind): (r.opened, r.succeeded, r.partial, r.failed, r.declined, r.relapsed,
                           r.success_rate, r.opened_year_before, r.change)
        for r in rows
    }  # fmt: skip
    assert got == {
        ("上强片区", "neighbour"): (4, 2, 1, 1, 0, 1, 62.5, 8, -50.0),
        ("上强片区", "family"): (1, 0, 0, 0, 1, 0, None, 0, None),
        ("上强片区", ""): (5, 2, 1, 1, 1, 1, 62.5, 8, -37.5),
        ("阳山片区", "land"): (2, 1, 0, 0, 0, 0, 100.0, 0, None),
        ("阳山片区", "labour"): (0, 0, 0, 0, 0, 0, None, 3, -100.0),
        ("阳山片区", ""): (2, 1, 0, 0, 0, 0, 100.0, 3, -33.3),
        ("", ""): (7, 3, 1, 1, 1, 1, 70.0, 11, -36.4),
    }


async def test_admins_read_counts_and_never_a_name_or_a_word(bot: Harness) -> None:
    await grant(bot, ADMIN, "admin")
    await _cases(bot)
    bot.clock.set(datetime(2026, 7, 1, 0, 0, tzinfo=UTC))  # 8:00 on 1 July, Shanghai
    shown = texts(await bot.send(ADMIN, "/mediations"))
    assert "全镇：受理 7 件（同比下降36.4%）" in shown
    assert "上强片区 · 邻里：受理 4 件（同比下降50.0%）" in shown and "成功率 62.5%" in shown
    assert SECRET_NAME not in shown and SECRET_WORDS not in shown
    assert "TJ-X" not in shown.split("今年以来")[1]  # the table has no case numbers either


async def test_the_bulletin_carries_the_table_frozen_and_without_names(bot: Harness) -> None:
    await _cases(bot)
    db, tz = bot.services.db, bot.services.settings.tz
    half = Period("year", date(2026, 1, 1), date(2026, 7, 1))  # against 2025's first half
    report = await build_report(db, half, datetime(2026, 7, 1, tzinfo=UTC), BulletinConfig(tz=tz))
    assert [(r.zone, r.kind, r.opened, r.change) for r in report.mediations] == [
        ("上强片区", "neighbour", 4, -50.0),
        ("上强片区", "family", 1, None),
        ("上强片区", "", 5, -37.5),
        ("阳山片区", "land", 2, None),
        ("阳山片区", "labour", 0, -100.0),
        ("阳山片区", "", 2, -33.3),
        ("", "", 7, -36.4),
    ]
    assert snapshot.load(snapshot.dump(report)).mediations == report.mediations
    renderer = bot.services.renderer
    text = "\n".join(render.messages(renderer, report, "zh-CN"))
    assert "矛盾调解" in text and "全镇合计</b> 受理7件（同比下降36.4%）" in text
    assert "成功率70.0%" in text
    english = "\n".join(render.messages(renderer, report, "en"))
    assert "Whole town</b>: 7 cases (down 36.4% on a year earlier)" in english
    [table] = [t for t in render.tables(renderer, report, "zh-CN") if t.key == "mediations"]
    assert table.rows[-1] == ["全镇", "合计", 7, 3, 1, 1, 1, 1, 0.7, 11, -0.364]
    for shown in (text, english, str(table.rows)):
        assert SECRET_NAME not in shown and SECRET_WORDS not in shown and "TJ-X" not in shown
    zone = "\n".join(BulletinText(renderer, report, "zh-CN").zone_messages("SQ"))
    assert "上强片区 · 邻里</b> 受理4件（同比下降50.0%）" in zone and "阳山" not in zone
