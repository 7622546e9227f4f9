"""Deadlines in working days: the 2026 holidays, make-up Saturdays, 2027 from the holidays
package and from an imported notice, time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.calendar.workdays import HOLIDAY, WORKDAY, Day, WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def filed(year: int, month: int, day: int, hour: int = 10) -> datetime:
    """A filing moment given in Shanghai local time, as the clock reports it (UTC)."""
    return datetime(year, month, day, hour, tzinfo=SHANGHAI).astimezone(UTC)


def due(year: int, month: int, day: int) -> datetime:
    """18:00 Shanghai on that date, in UTC."""
    return datetime(year, month, day, 18, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar(SHANGHAI)


def test_the_library_knows_the_2026_spring_festival(cal: WorkCalendar) -> None:
    assert cal.is_workday(date(2026, 2, 14))  # Saturday, make-up working day
    assert cal.is_workday(date(2026, 2, 28))  # Saturday, make-up working day
    holiday = [date(2026, 2, 15) + timedelta(days=n) for n in range(9)]  # Feb 15–23
    assert not any(cal.is_workday(day) for day in holiday)
    assert cal.is_workday(date(2026, 2, 24))


def test_filed_friday_before_the_holiday_is_due_on_the_make_up_saturday(
    cal: WorkCalendar,
) -> None:
    result = cal.add_working_days(filed(2026, 2, 13), 1)
    assert result == datetime(2026, 2, 14, 10, 0, tzinfo=UTC)  # 18:00 Shanghai
    assert result.tzinfo is UTC


def test_filed_on_the_make_up_saturday_waits_out_the_holiday(cal: WorkCalendar) -> None:
    assert cal.add_working_days(filed(2026, 2, 14), 1) == due(2026, 2, 24)


def test_filed_during_the_holiday_counts_from_the_first_day_back(cal: WorkCalendar) -> None:
    assert cal.add_working_days(filed(2026, 2, 17), 3) == due(2026, 2, 26)


def test_five_and_six_working_days_across_the_holiday(cal: WorkCalendar) -> None:
    assert cal.add_working_days(filed(2026, 2, 13), 5) == due(2026, 2, 27)
    assert cal.add_working_days(filed(2026, 2, 13), 6) == due(2026, 2, 28)  # make-up Saturday


def test_fifteen_working_days_across_the_holiday(cal: WorkCalendar) -> None:
    # Feb 14, 24–28, Mar 2–6, Mar 9–12.
    assert cal.add_working_days(filed(2026, 2, 13), 15) == due(2026, 3, 12)


def test_zero_days_means_the_end_of_today_or_of_the_next_working_day(cal: WorkCalendar) -> None:
    assert cal.add_working_days(filed(2026, 2, 13), 0) == due(2026, 2, 13)
    assert cal.add_working_days(filed(2026, 2, 14), 0) == due(2026, 2, 14)
    assert cal.add_working_days(filed(2026, 2, 17), 0) == due(2026, 2, 24)


def test_negative_days_are_refused(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_working_days(filed(2026, 2, 13), -1)


def test_national_day_2026(cal: WorkCalendar) -> None:
    # Holiday Oct 1–7; Sunday Sep 20 and Saturday Oct 10 are make-up working days.
    assert cal.add_working_days(filed(2026, 9, 19), 1) == due(2026, 9, 20)
    assert cal.add_working_days(filed(2026, 9, 30), 1) == due(2026, 10, 8)
    assert cal.add_working_days(filed(2026, 9, 30), 3) == due(2026, 10, 10)
    assert cal.add_working_days(filed(2026, 9, 30), 4) == due(2026, 10, 12)


def test_new_year_2027_is_a_holiday_though_chinese_calendar_ends_with_2026(
    cal: WorkCalendar,
) -> None:
    assert cal.source(2026) == "chinese-calendar"
    assert cal.source(2027) == "holidays"  # the holidays package's China calendar
    assert not cal.is_workday(date(2027, 1, 1))  # Friday, New Year's Day
    # Thursday Dec 31, 2026 -> the next working day is Monday Jan 4, 2027.
    assert cal.add_working_days(filed(2026, 12, 31), 1) == due(2027, 1, 4)
    assert cal.add_working_days(filed(2027, 1, 1), 5) == due(2027, 1, 8)


def test_the_2027_spring_festival_is_not_worked(cal: WorkCalendar) -> None:
    festival = [date(2027, 2, 5) + timedelta(days=n) for n in range(6)]  # Feb 5 (eve) – Feb 10
    assert not any(cal.is_workday(day) for day in festival)
    assert cal.is_workday(date(2027, 2, 11))
    assert cal.add_working_days(filed(2027, 2, 4), 1) == due(2027, 2, 11)
    names = {d.day: d.name for d in cal.special_days(2027)}
    assert names[date(2027, 2, 6)] == "春节"


def test_an_imported_notice_overrides_the_packages_for_its_year(cal: WorkCalendar) -> None:
    # Say the notice makes Saturday Feb 20, 2027 a make-up working day, and Feb 11 a holiday.
    cal.use_imported(
        [
            Day(date(2027, 1, 1), HOLIDAY, "元旦"),
            Day(date(2027, 2, 11), HOLIDAY, "春节"),
            Day(date(2027, 2, 20), WORKDAY, "春节调休"),
        ]
    )
    assert cal.source(2027) == "imported" and cal.is_official(2027)
    assert cal.is_workday(date(2027, 2, 20))  # the make-up Saturday works
    assert not cal.is_workday(date(2027, 2, 11))
    assert cal.is_workday(date(2027, 2, 9))  # not listed in the notice: a plain Tuesday
    assert cal.source(2026) == "chinese-calendar"  # other years keep their source
    assert [d.kind for d in cal.special_days(2027)] == [HOLIDAY, HOLIDAY, WORKDAY]


def test_the_local_date_decides_not_the_utc_date(cal: WorkCalendar) -> None:
    late_monday_utc = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)  # Tuesday 01:30 in Shanghai
    assert cal.add_working_days(late_monday_utc, 1) == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    assert cal.add_working_days(late_monday_utc, 0) == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_working_days(datetime(2026, 3, 2, 10, 0), 1)


def test_a_custom_end_of_day() -> None:
    cal = WorkCalendar(SHANGHAI, end_of_day=time(17, 30))
    assert cal.add_working_days(filed(2026, 2, 13), 1) == datetime(2026, 2, 14, 9, 30, tzinfo=UTC)


def test_overdue_working_days_across_the_holiday(cal: WorkCalendar) -> None:
    deadline = due(2026, 2, 13)
    assert cal.working_days_between(deadline, filed(2026, 2, 13, hour=20)) == 0  # same day
    assert cal.working_days_between(deadline, filed(2026, 2, 14)) == 1
    assert cal.working_days_between(deadline, filed(2026, 2, 23)) == 1  # holiday ends Feb 23
    assert cal.working_days_between(deadline, filed(2026, 2, 25, hour=9)) == 3
    assert cal.working_days_between(deadline, filed(2026, 3, 2)) == 7


def test_no_working_days_between_when_end_is_not_after_start(cal: WorkCalendar) -> None:
    assert cal.working_days_between(filed(2026, 2, 25), filed(2026, 2, 13)) == 0
    assert cal.working_days_between(filed(2026, 2, 25), filed(2026, 2, 25)) == 0


def test_reminder_comes_four_hours_before_the_deadline(cal: WorkCalendar) -> None:
    deadline = due(2026, 2, 24)
    assert cal.remind_at(deadline) == deadline - timedelta(hours=4)
    assert cal.remind_at(deadline, timedelta(hours=1)) == datetime(2026, 2, 24, 9, 0, tzinfo=UTC)
