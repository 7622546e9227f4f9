"""The rules of the service circle without a chat: opening hours read from words, "open now" and
"opens at" across the 2026 National Day holiday and its make-up Saturday, walking distance
against known coordinates, and which typed words are a question about a service."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.calendar.workdays import WorkCalendar
from bot.services.ask import need_of
from bot.services.rules import open_state, parse_hours, walking_m, walking_minutes
from storage.services import Point

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar(TZ)


def _point(hours: str, *, holidays_closed: bool = True) -> Point:
    parsed = parse_hours(hours)
    assert parsed is not None
    return Point(1, "P", "点", "health", "", 30.6, 119.9, None, None, parsed, holidays_closed,
                 "", (), "", 0, 1, False, True)  # fmt: skip


def _local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TZ).astimezone(UTC)  # type: ignore[misc]


def test_hours_are_read_in_chinese_and_english_and_bad_ones_refused() -> None:
    assert parse_hours("周一至周五 8:30-11:30,13:30-17:00；周六 9:00-12:00") == {
        **{d: [(510, 690), (810, 1020)] for d in range(5)},
        5: [(540, 720)],
    }
    assert parse_hours("mon-fri 08:30-17:00; sat closed") == {d: [(510, 1020)] for d in range(5)}
    assert parse_hours("每天 7:00-19:00") == {d: [(420, 1140)] for d in range(7)}
    assert parse_hours("工作日 24h") == {d: [(0, 1440)] for d in range(5)}
    for bad in ("", "周八 9:00-10:00", "周一 17:00-9:00", "周一 9:00-12:00,11:00-13:00", "随时"):
        assert parse_hours(bad) is None, bad


def test_open_now_and_opens_at_later_today_or_tomorrow() -> None:
    office = _point("周一至周五 8:30-11:30,13:30-17:00")
    state = open_state(office, _local(2026, 3, 2, 10, 0), TZ, CAL.is_holiday, CAL.is_workday)
    assert state.open and state.until == datetime(2026, 3, 2, 11, 30, tzinfo=TZ)
    lunch = open_state(office, _local(2026, 3, 2, 12, 0), TZ, CAL.is_holiday, CAL.is_workday)
    assert not lunch.open and lunch.opens_at == datetime(2026, 3, 2, 13, 30, tzinfo=TZ)
    assert lunch.days_ahead == 0
    evening = open_state(office, _local(2026, 3, 2, 18, 0), TZ, CAL.is_holiday, CAL.is_workday)
    assert evening.opens_at == datetime(2026, 3, 3, 8, 30, tzinfo=TZ) and evening.days_ahead == 1


def test_opens_at_skips_the_national_day_holiday_and_a_make_up_saturday_opens() -> None:
    office = _point("周一至周五 8:30-17:00")
    # Wednesday 30 September 2026, 18:00: 1–7 October are holidays; Thursday 8 October opens.
    state = open_state(office, _local(2026, 9, 30, 18, 0), TZ, CAL.is_holiday, CAL.is_workday)
    assert state.opens_at == datetime(2026, 10, 8, 8, 30, tzinfo=TZ) and state.days_ahead == 8
    # A Saturday inside the holiday is closed even for a point open on Saturdays.
    weekend = _point("周一至周六 9:00-12:00")
    holiday = open_state(weekend, _local(2026, 10, 3, 10, 0), TZ, CAL.is_holiday, CAL.is_workday)
    assert not holiday.open and holiday.opens_at == datetime(2026, 10, 8, 9, 0, tzinfo=TZ)
    # Saturday 10 October is a make-up working day (调休): Monday's hours.
    assert CAL.is_workday(date(2026, 10, 10))
    made_up = open_state(office, _local(2026, 10, 10, 9, 0), TZ, CAL.is_holiday, CAL.is_workday)
    assert made_up.open
    # A point that keeps its hours on holidays (a 驿站) is open on 1 October.
    station = _point("每天 7:30-19:30", holidays_closed=False)
    assert open_state(station, _local(2026, 10, 1, 9, 0), TZ, CAL.is_holiday, CAL.is_workday).open


def test_walking_distance_is_the_straight_line_times_the_detour_factor() -> None:
    # 0.01° of latitude is 1,111.95 m on a 6,371 km sphere; × 1.3 = 1,445.5 m.
    assert walking_m(30.60, 119.95, 30.61, 119.95) == 1446
    # 0.01° of longitude at 30.6° N: 1,111.95 × cos(30.6°) = 957.0 m; × 1.3 = 1,244 m.
    assert walking_m(30.60, 119.95, 30.60, 119.96) == 1244
    assert walking_minutes(1200) == 15 and walking_minutes(1201) == 16 and walking_minutes(0) == 1


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("附近有没有健康小屋", "checkup"),
        ("心理咨询室在哪里？", "counselling"),
        ("快递驿站几点开门", "parcel"),
        ("我想量血压", "checkup"),
        ("健康小屋", "checkup"),
        ("哪里可以办社保", "affairs"),
        ("附近有健康小物吗", "checkup"),  # a slip of the keyboard, still a question
    ],
)
def test_questions_about_a_service_are_understood(text: str, need: str) -> None:
    assert need_of(text) == need


@pytest.mark.parametrize(
    "text",
    [
        "路灯坏了",
        "驿站门口的路灯坏了，晚上很黑",
        "健康小屋门口垃圾没人管",
        "养老中心噪音太吵",
        "我要投诉快递驿站",
        "办事大厅态度差",
        "东门的下水道堵了",
        "你好",
        "健康小屋的医生人很好，谢谢他们上次帮我测了血压，我家老人现在每天都去走走",
    ],
)
def test_a_problem_is_never_taken_for_a_question(text: str) -> None:
    assert need_of(text) is None
