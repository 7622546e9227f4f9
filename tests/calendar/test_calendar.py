"""The official holiday calendar beyond chinese-calendar's last year: an admin imports the
State Council's notice (`minhu calendar import`), `minhu calendar show` prints a year and its
source, admins are warned once 60 days before a year without official data, and assignment
deadlines count working days (a typed day off is questioned)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.calendar.watch import CalendarWatch
from storage import assignments as store
from storage import calendar
from tests.core.test_cli import minhu, query
from tests.support.harness import Harness, register, texts
from tests.support.representatives import ADMIN, REP, assign_to, deliver, grant

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOTICE_2027 = """日期,类型,名称
2027-01-01,holiday,元旦
2027-02-05,holiday,春节
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027/2/20,workday,春节调休
"""


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def test_an_imported_notice_overrides_the_packages_and_show_names_the_source(
    tmp_path: Path,
) -> None:
    before = minhu(tmp_path, "calendar", "show", "2027")
    assert before.returncode == 0, before.stderr
    assert "2027: the holidays package's estimate" in before.stdout
    assert "2027-01-01 Fri  holiday  元旦" in before.stdout
    assert "2027-02-20" not in before.stdout
    assert "  2026: chinese-calendar" in before.stdout

    path = tmp_path / "国务院通知2027.csv"
    path.write_bytes(NOTICE_2027.encode("gb18030"))  # Excel on a Chinese Windows saves GBK
    result = minhu(tmp_path, "calendar", "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "imported 9 days for 2027" in result.stdout
    shown = minhu(tmp_path, "calendar", "show", "2027").stdout
    assert "2027: the imported State Council notice" in shown
    assert "2027-02-20 Sat  workday  春节调休" in shown  # the make-up Saturday works
    assert "  2027: imported" in shown
    # Importing the year again replaces it (a corrected notice), in UTF-8 with a BOM.
    path.write_text("\ufeff" + NOTICE_2027.replace("2027/2/20,workday", "2027-2-21,班"), "utf-8")
    assert minhu(tmp_path, "calendar", "import", str(path)).returncode == 0
    assert query(tmp_path, "SELECT day FROM calendar_days WHERE kind = 'workday'") == [
        ("2027-02-21",)
    ]


def test_a_bad_calendar_file_imports_nothing_and_names_each_line(tmp_path: Path) -> None:
    bad = NOTICE_2027 + "2027-13-01,holiday,错月\n2027-03-03,workday,周三\n"
    bad += "2027-01-01,holiday,元旦\n2027-04-05,休息,清明\n"
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8")
    result = minhu(tmp_path, "calendar", "import", str(path))
    assert result.returncode == 1
    assert f"{path}:11: not a date" in result.stderr
    assert f"{path}:12: 2027-03-03 is a weekday" in result.stderr
    assert f"{path}:13: 2027-01-01 is listed twice (line 2)" in result.stderr
    assert f"{path}:14: kind must be holiday or workday" in result.stderr
    assert "nothing was imported" in result.stderr
    assert query(tmp_path, "SELECT COUNT(*) FROM calendar_days") == [(0,)]


async def test_the_running_bot_picks_up_an_imported_notice(bot: Harness, tmp_path: Path) -> None:
    path = tmp_path / "notice.csv"
    path.write_text(NOTICE_2027, encoding="utf-8")
    await calendar.import_file(bot.services.db, path, bot.clock.now())
    assert not bot.services.calendar.is_workday(date(2027, 2, 20))  # not yet reloaded
    await CalendarWatch(bot.services).run()
    assert bot.services.calendar.is_workday(date(2027, 2, 20))
    # Friday Feb 19 + 1 working day: the make-up Saturday.
    due = bot.services.calendar.add_working_days(local(2027, 2, 19, 10), 1)
    assert due == local(2027, 2, 20, 18, 0)


async def test_admins_are_warned_once_60_days_before_a_year_without_official_data(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.calendar.watch")
    await register(bot, ADMIN)
    watch = CalendarWatch(bot.services)
    bot.clock.set(local(2026, 11, 1, 9, 0))  # 61 days before 2027
    assert await watch.run() == []
    bot.clock.set(local(2026, 11, 2, 9, 0))  # 60 days before
    assert await watch.run() == [2027]
    warning = texts(bot.fake.sent_to(ADMIN.id, await deliver(bot)))
    assert "2027 年的放假安排还没有导入" in warning and "minhu calendar import" in warning
    assert await watch.run() == []  # once per year, also after a restart
    await bot.restart()
    assert await CalendarWatch(bot.services).run() == []
    assert not bot.fake.sent_to(ADMIN.id, await deliver(bot))
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.calendar.watch"]
    assert any("no official holiday data for 2027" in line for line in logged)


async def test_a_3_working_day_assignment_waits_out_the_spring_festival(bot: Harness) -> None:
    bot.clock.set(local(2026, 2, 13, 10, 0))  # Friday; the holiday runs Feb 15-23
    await register(bot, ADMIN)
    await grant(bot, REP, "representative")
    await assign_to(bot, ADMIN, "检查上强社区所有消防栓的水压")
    summary = texts(await bot.button(ADMIN, "3 个工作日"))
    assert "2026年2月25日 18:00" in summary  # Feb 14 (make-up Saturday), 24, 25
    await bot.button(ADMIN, "确认交办")
    found = await store.get(bot.services.db, 1)
    assert found is not None and found.due_at == local(2026, 2, 25, 18, 0)


async def test_a_deadline_typed_on_a_sunday_is_questioned(bot: Harness) -> None:
    await register(bot, ADMIN)  # the harness clock: Monday Mar 2, 2026
    await grant(bot, REP, "representative")
    await assign_to(bot, ADMIN, "走访东红村独居老人并记录需求")
    asked = texts(await bot.send(ADMIN, "2026-03-08"))  # a Sunday
    assert "3月8日</b> 是周末或节假日" in asked and "3月9日" in asked
    assert "请确认交办" not in asked
    summary = texts(await bot.button(ADMIN, "改到 3月9日"))
    assert "期限：2026年3月9日 18:00" in summary
    # Or keep the Sunday, knowingly.
    await assign_to(bot, ADMIN, "走访东红村独居老人并记录需求")
    await bot.send(ADMIN, "3月8日")
    assert "期限：2026年3月8日 18:00" in texts(await bot.button(ADMIN, "仍定 3月8日"))


async def test_a_meeting_decision_counts_working_days_and_questions_a_day_off(
    bot: Harness,
) -> None:
    from tests.meetings.test_meeting_results import _booked_meeting
    from tests.support.meetings import START, ZHOU

    m = await _booked_meeting(bot)
    await grant(bot, ZHOU, "representative")
    bot.clock.set(START + timedelta(hours=2))
    await bot.send(ADMIN, f"/meetingresult {m.id}")
    await bot.send(ADMIN, "大家同意加装电梯。")
    for text in ("3号楼先行试点", "社区出施工方案"):
        await bot.send(ADMIN, text)
    await bot.button(ADMIN, "决议写完了")
    await bot.send(ADMIN, "25")
    await bot.button(ADMIN, "发布结果")
    now = bot.clock.now()

    await bot.button(ADMIN, "交办第 1 条")
    await bot.button(ADMIN, "人大代表")
    await bot.button(ADMIN, "周代表")
    await bot.button(ADMIN, "7 个工作日")
    first = await store.get(bot.services.db, 1)
    assert first is not None
    assert first.due_at == bot.services.calendar.add_working_days(now, 7)

    await bot.button(ADMIN, "交办第 2 条")
    await bot.button(ADMIN, "职能部门")
    await bot.button(ADMIN, "城建")  # nobody of 城建 has opened the bot
    sunday = next(
        d
        for d in (now.astimezone(SHANGHAI).date() + timedelta(days=n) for n in range(1, 8))
        if d.weekday() == 6
    )
    asked = texts(await bot.send(ADMIN, sunday.isoformat()))
    assert "是周末或节假日" in asked
    assert await store.get(bot.services.db, 2) is None  # nothing assigned yet
    done = texts(await bot.button(ADMIN, "改到"))
    assert "已交办" in done and "联系不上" in done and "已通知对方" not in done
    second = await store.get(bot.services.db, 2)
    assert second is not None
    assert bot.services.calendar.is_workday(second.due_at.astimezone(SHANGHAI).date())


async def test_a_notice_starting_its_new_year_holiday_in_the_old_year_keeps_that_years_calendar(
    bot: Harness, tmp_path: Path
) -> None:
    """The 2023 notice began the New Year holiday on 31 December 2022: a notice may list a day
    of the year before. That day changes; the rest of that year keeps its official data."""
    cal = bot.services.calendar
    assert not cal.is_workday(date(2026, 10, 1)) and cal.is_workday(date(2026, 9, 20))
    path = tmp_path / "notice.csv"
    path.write_text(NOTICE_2027 + "2026-12-31,holiday,元旦\n", encoding="utf-8")
    assert await calendar.import_file(bot.services.db, path, bot.clock.now()) == {2027: 10}
    await CalendarWatch(bot.services).run()

    assert cal.source(2026) == "chinese-calendar" and cal.source(2027) == "imported"
    assert not cal.is_workday(date(2026, 10, 1))  # National Day stays a holiday
    assert cal.is_workday(date(2026, 9, 20))  # and its make-up Sunday a working day
    assert not cal.is_workday(date(2026, 12, 31))  # the day the notice names
    assert not cal.is_workday(date(2027, 2, 8)) and cal.is_workday(date(2027, 2, 20))
    assert [d.day for d in cal.special_days(2026)][-1] == date(2026, 12, 31)
    assert await calendar.imported_years(bot.services.db) == [2027]
