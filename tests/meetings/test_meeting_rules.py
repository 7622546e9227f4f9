"""The rules of meetings without Telegram: what admins may type, codes, seats and the waiting
list, fill thresholds, reminder times — and the .ics file read back by a real iCalendar
parser (`icalendar`), with Asia/Shanghai's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot.meetings import ics
from bot.meetings.rules import (
    CODE_ALPHABET,
    Invalid,
    Seats,
    check_deadline,
    check_reserved,
    check_start,
    crossed,
    new_code,
    normalise_code,
    parse_count,
    parse_deadline,
    parse_duration,
    parse_time,
    promotions,
    reminders_due,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # Thursday 10:00 in Shanghai


@pytest.mark.parametrize(
    "typed",
    [
        "2026-12-05 09:30",
        "2026-12-5 9:30",
        "2026/12/05 09:30",
        "2026.12.05 09:30",
        "2026年12月5日 9:30",
        "2026年12月5日9点30分",
        "2026-12-05T09:30",
        "12-05 09:30",
        "12月5日 9：30",
        " 2026-12-05  09:30 ",
    ],
)
def test_a_local_time_is_read_in_sensible_formats(typed: str) -> None:
    assert parse_time(typed, SHANGHAI, NOW) == datetime(2026, 12, 5, 1, 30, tzinfo=UTC)


def test_a_month_and_day_already_past_this_year_means_next_year() -> None:
    assert parse_time("01-10 09:00", SHANGHAI, NOW) == datetime(2027, 1, 10, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "明天上午",
        "2026-12-05",
        "2026-13-05 09:30",
        "2026-02-29 09:30",
        "2026-12-05 24:00",
        "2026-12-05 09:60",
        "09:30",
        "2026-12-05 9",
    ],
)
def test_anything_else_is_not_a_time(typed: str) -> None:
    with pytest.raises(Invalid) as raised:
        parse_time(typed, SHANGHAI, NOW)
    assert raised.value.reason == "bad_time"


def test_a_deadline_may_be_a_date_alone_meaning_18_00() -> None:
    assert parse_deadline("2026-12-31", SHANGHAI, NOW) == datetime(2026, 12, 31, 10, tzinfo=UTC)
    assert parse_deadline("2026-12-31 12:00", SHANGHAI, NOW) == datetime(
        2026, 12, 31, 4, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("90", 90),
        ("90分钟", 90),
        ("2小时", 120),
        ("1.5小时", 90),
        ("2h", 120),
        ("45 min", 45),
        ("15", 15),
        ("12h", 720),
    ],
)
def test_a_duration_in_minutes_or_hours(typed: str, minutes: int) -> None:
    assert parse_duration(typed) == minutes


@pytest.mark.parametrize("typed", ["14", "721", "13小时", "0", "-30", "一小时", "1.01h", ""])
def test_a_duration_outside_15_to_720_minutes_is_refused(typed: str) -> None:
    with pytest.raises(Invalid, match="bad_duration"):
        parse_duration(typed)


def test_counts_times_and_seats_are_checked() -> None:
    assert parse_count("30", (1, 10_000), "bad_capacity") == 30
    for wrong in ("0", "10001", "3.5", "三十", "", "-1", "9999999"):
        with pytest.raises(Invalid, match="bad_capacity"):
            parse_count(wrong, (1, 10_000), "bad_capacity")
    with pytest.raises(Invalid, match="past_time"):
        check_start(NOW, NOW)
    assert check_reserved(29, 30) == 29
    for reserved, capacity in ((30, 30), (-1, 30), (1, 1)):
        with pytest.raises(Invalid, match="bad_reserved"):
            check_reserved(reserved, capacity)
    start = NOW + timedelta(days=3)
    with pytest.raises(Invalid, match="deadline_after_start"):
        check_deadline(start, start, NOW)
    with pytest.raises(Invalid, match="past_time"):
        check_deadline(NOW - timedelta(minutes=1), start, NOW)


def test_registration_codes_use_8_unambiguous_characters() -> None:
    assert set(CODE_ALPHABET) == set("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 8 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert normalise_code(" k7m2-qx4p ") == "K7M2QX4P"
    for wrong in ("K7M2QX4", "K7M2QX4PP", "K7M2QX40", "K7M2QXIP", "K7M2QX1P", "K7M2QXOP"):
        assert normalise_code(wrong) is None


def test_residents_never_take_the_seats_reserved_for_representatives() -> None:
    seats = Seats(capacity=3, reserved=1)
    seats = seats.plus(False).plus(False)
    assert not seats.fits(representative=False) and seats.fits(representative=True)
    seats = seats.plus(True)
    assert not seats.fits(True) and not seats.fits(False)
    # Two representatives: the second takes a public seat when one is free.
    assert Seats(3, 1, residents=1, representatives=1).fits(True)
    assert Seats(3, 1, residents=1, representatives=1).fits(False)  # the rep holds the reserved
    assert not Seats(3, 1, residents=1, representatives=2).fits(False)


def test_the_first_in_line_who_fits_is_promoted() -> None:
    line = [(11, False), (12, True), (13, False)]
    assert promotions(Seats(2, 0, residents=1), line) == [11]
    assert promotions(Seats(3, 1, residents=2), line) == [12]  # only the reserved seat is free
    assert promotions(Seats(4, 1, residents=1), line) == [11, 12, 13]
    assert promotions(Seats(4, 1, residents=2), line) == [11, 12]
    assert promotions(Seats(2, 0, residents=2), line) == []


def test_fill_thresholds() -> None:
    assert crossed(0, 1, 10) == []
    assert crossed(4, 5, 10) == [50]
    assert crossed(7, 8, 10) == [80]
    assert crossed(9, 10, 10) == [100]
    assert crossed(1, 2, 2) == [80, 100]
    assert crossed(0, 1, 1) == [50, 80, 100]
    assert crossed(5, 4, 10) == []


def test_reminders_fall_24_and_1_hours_before_and_expire_in_time() -> None:
    start = NOW + timedelta(days=3)
    assert reminders_due(start, NOW) == [
        (1440, start - timedelta(hours=24), start - timedelta(hours=1)),
        (60, start - timedelta(hours=1), start),
    ]
    assert [r[0] for r in reminders_due(start, start - timedelta(hours=5))] == [60]
    assert reminders_due(start, start) == []


def _event(**changes: object) -> ics.Event:
    values: dict[str, object] = {
        "uid": "minhu-meeting-1-booking-2@minhu",
        "summary": "上强社区加装电梯协商议事会；第二次, 请准时",
        "location": "上强社区党群服务中心二楼会议室（电梯旁）",
        "description": "议题：老旧小区加装电梯的费用分摊\n签到码：K7M2QX4P\\备用",
        "starts_at": datetime(2026, 12, 5, 1, 30, tzinfo=UTC),  # 09:30 in Shanghai
        "ends_at": datetime(2026, 12, 5, 3, 30, tzinfo=UTC),
        "stamp": NOW,
        "sequence": 2,
    }
    values.update(changes)
    return ics.Event(**values)  # type: ignore[arg-type]


def test_the_ics_parses_with_a_real_parser_and_holds_asia_shanghai() -> None:
    data = ics.calendar(_event(), SHANGHAI)
    calendar = icalendar.Calendar.from_ical(data)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Shanghai"
    (standard,) = zone.walk("STANDARD")
    assert standard.decoded("TZOFFSETTO") == timedelta(hours=8)
    assert standard.decoded("TZOFFSETFROM") == timedelta(hours=8)
    assert not zone.walk("DAYLIGHT")
    (event,) = calendar.walk("VEVENT")
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert (start.hour, start.minute, start.utcoffset()) == (9, 30, timedelta(hours=8))
    assert start.astimezone(UTC) == datetime(2026, 12, 5, 1, 30, tzinfo=UTC)  # 09:30 = 01:30Z
    assert end - start == timedelta(hours=2)
    assert str(event["SUMMARY"]) == "上强社区加装电梯协商议事会；第二次, 请准时"
    assert str(event["LOCATION"]) == "上强社区党群服务中心二楼会议室（电梯旁）"
    assert str(event["DESCRIPTION"]) == "议题：老旧小区加装电梯的费用分摊\n签到码：K7M2QX4P\\备用"
    assert str(event["UID"]) == "minhu-meeting-1-booking-2@minhu" and event["SEQUENCE"] == 2


def test_the_ics_has_crlf_lines_folded_at_75_octets() -> None:
    data = ics.calendar(_event(summary="议事" * 80, description="a;b,c\nd" * 30), SHANGHAI)
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    lines = data.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # never split inside a character
    unfolded = data.replace(b"\r\n ", b"")
    assert ("SUMMARY:" + "议事" * 80).encode() in unfolded
    assert b"DESCRIPTION:a\\;b\\,c\\nd" in unfolded
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "议事" * 80


def test_a_zone_with_daylight_saving_gets_utc_times() -> None:
    data = ics.calendar(_event(), ZoneInfo("Europe/Berlin"))
    calendar = icalendar.Calendar.from_ical(data)
    assert not calendar.walk("VTIMEZONE")
    start = calendar.walk("VEVENT")[0].decoded("DTSTART")
    assert start == datetime(2026, 12, 5, 1, 30, tzinfo=UTC)
