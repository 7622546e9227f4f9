"""The service circle's rules (no Telegram): kinds and needs, opening hours (read, open now,
opens at — official holidays closed, 调休 days open with working-day hours), walking distance.

Walking distance is the straight line (haversine) × `DETOUR` (1.3: streets are not straight; a
common planning factor), walking time at `WALK_M_PER_MIN` (80 m a minute, an older person's
pace); "15 minutes" is then 1,200 m of walking.

Refusals (`bot.core.refusals`, worded in `services.refused`):

    ServicesRefused (NotAllowed)   not_admin · not_staff · need_start
    ServicesGone (NotFound)        gone (no such point or booking, or hidden)
    ServicesStale (Stale)          full · already_booked · past · not_booked · not_started
    ServicesInvalid (Invalid)      bad_hours · bad_phone · bad_topic · no_slots · usage
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core import refusals
from storage.services import Hours, Point

DETOUR = 1.3
WALK_M_PER_MIN = 80
CIRCLE_MINUTES = 15
EARTH_M = 6_371_000

# What a point is (its kind); the label is in the templates (services.kind_<code>).
KINDS = (
    "health",  # 健康小屋
    "clinic",  # 卫生院 / 卫生服务站
    "counselling",  # 心理咨询室
    "party",  # 党群服务中心
    "affairs",  # 便民服务中心 (办事)
    "elderly",  # 养老服务 (照料中心, 助餐)
    "station",  # 驿站 (丰收驿站, 快递驿站, 职工驿站)
    "other",
)
# What a resident needs: the kinds that serve it, and words of the services a point offers.
NEEDS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "checkup": (frozenset({"health", "clinic"}), ("血压", "血糖", "体检", "健康")),
    "counselling": (frozenset({"counselling"}), ("心理",)),
    "affairs": (frozenset({"affairs"}), ("办事", "证", "社保", "医保", "户籍", "代办")),
    "elderly": (frozenset({"elderly"}), ("养老", "助餐", "照料", "老年")),
    "parcel": (frozenset({"station"}), ("快递", "驿站", "代收")),
    "party": (frozenset({"party"}), ("党群", "党员", "活动")),
}
ALL = "all"
NEED_CODES = (*NEEDS, ALL)
DAYS = 7  # appointments are offered this many days ahead
SHOWN = 5  # the nearest shown from a location
TOPIC = (0, 300)


class ServicesRefused(refusals.NotAllowed):
    template = "services.refused"


class ServicesGone(refusals.NotFound):
    template = "services.refused"


class ServicesStale(refusals.Stale):
    template = "services.refused"


class ServicesInvalid(refusals.Invalid):
    template = "services.refused"


def serves(point: Point, need: str) -> bool:
    """Whether the point serves a need (its kind, or a service it offers names it)."""
    if need == ALL:
        return True
    kinds, words = NEEDS[need]
    return point.kind in kinds or any(w in s for s in point.services for w in words)


def walking_m(lat1: float, lng1: float, lat2: float, lng2: float) -> int:
    """Walking distance in metres: the great-circle distance × DETOUR."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_M * math.asin(math.sqrt(a)) * DETOUR)


def walking_minutes(metres: int) -> int:
    """Minutes on foot (at least 1)."""
    return max(1, math.ceil(metres / WALK_M_PER_MIN))


# ---- opening hours --------------------------------------------------------------------------

_DAY_WORDS = {
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6,
}  # fmt: skip
_RANGE = re.compile(r"^(\d{1,2})(?:[:：](\d{2}))?\s*[-–~至到]\s*(\d{1,2})(?:[:：](\d{2}))?$")


def _day(word: str) -> int | None:
    word = word.strip().lower().removeprefix("周").removeprefix("星期")
    return _DAY_WORDS.get(word[:3] if word.isascii() else word)


def _days(text: str) -> list[int] | None:
    text = text.strip().lower()
    if text in ("daily", "每天", "每日", "全周", "周一至周日"):
        return list(range(7))
    if text in ("工作日", "weekdays"):
        return list(range(5))
    if text in ("周末", "weekend", "weekends"):
        return [5, 6]
    found: list[int] = []
    for part in re.split(r"[,，、/]", text):
        ends = re.split(r"\s*(?:-|–|~|至|到)\s*", part.strip())
        if len(ends) == 1:
            one = _day(ends[0])
            if one is None:
                return None
            found.append(one)
        elif len(ends) == 2:
            first, last = _day(ends[0]), _day(ends[1])
            if first is None or last is None or last < first:
                return None
            found.extend(range(first, last + 1))
        else:
            return None
    return sorted(set(found)) or None


def _times(text: str) -> list[tuple[int, int]] | None:
    text = text.strip().lower()
    if text in ("closed", "休息", "不开放", "闭馆"):
        return []
    if text in ("24h", "24小时", "全天"):
        return [(0, 24 * 60)]
    found: list[tuple[int, int]] = []
    for part in re.split(r"[,，、]", text):
        m = _RANGE.match(part.strip())
        if m is None:
            return None
        h1, m1, h2, m2 = int(m[1]), int(m[2] or 0), int(m[3]), int(m[4] or 0)
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if not (0 <= start < end <= 24 * 60 and m1 < 60 and m2 < 60):
            return None
        found.append((start, end))
    found.sort()
    if any(a[1] > b[0] for a, b in itertools.pairwise(found)):
        return None
    return found


def parse_hours(text: str) -> Hours | None:
    """ "周一至周五 8:30-11:30,13:30-17:00；周六 9:00-12:00" or "mon-fri 08:30-17:00; sat
    closed" or "每天 7:00-19:00": the opening hours by weekday; None if it cannot be read.
    A later clause overrides an earlier one for its days."""
    hours: Hours = {}
    clauses = [c for c in re.split(r"[;；\n]", text.strip()) if c.strip()]
    if not clauses:
        return None
    for clause in clauses:
        m = re.match(r"^\s*(\S+?)\s+(.+)$", clause.strip())
        if m is None:
            return None
        days, times = _days(m[1]), _times(m[2])
        if days is None or times is None:
            return None
        for day in days:
            hours[day] = list(times)
    return {d: rs for d, rs in hours.items() if rs}


def hours_text(hours: Hours, day_names: list[str]) -> list[tuple[str, str]]:
    """(days, times) lines for a card: weekdays with the same times joined ("周一至周五")."""
    lines: list[tuple[str, str]] = []
    day = 0
    while day < 7:
        ranges = hours.get(day)
        last = day
        while last + 1 < 7 and hours.get(last + 1) == ranges:
            last += 1
        if ranges:
            times = ", ".join(
                f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in ranges
            )
            days = day_names[day] if last == day else f"{day_names[day]}–{day_names[last]}"
            lines.append((days, times))
        day = last + 1
    return lines


@dataclass(frozen=True)
class OpenState:
    """Open now (until `until`), or when it opens next (None: not within two weeks)."""

    open: bool
    until: datetime | None = None
    opens_at: datetime | None = None
    days_ahead: int = 0  # 0: opens today, 1: tomorrow …


def day_hours(
    point: Point, day: date, is_holiday: Callable[[date], bool], is_workday: Callable[[date], bool]
) -> list[tuple[int, int]]:
    """The point's opening times on one local date: none on an official holiday (for a point
    closed on holidays); Monday's on a make-up working day (调休) that falls on a weekend."""
    if not point.holidays_closed:
        return point.hours.get(day.weekday(), [])
    if is_holiday(day):
        return []
    if day.weekday() >= 5 and is_workday(day):
        return point.hours.get(0, []) or point.hours.get(day.weekday(), [])
    return point.hours.get(day.weekday(), [])


def open_state(
    point: Point,
    now: datetime,
    tz: ZoneInfo,
    is_holiday: Callable[[date], bool],
    is_workday: Callable[[date], bool],
) -> OpenState:
    """Whether the point is open at `now`, else when it next opens (within 14 days)."""
    local = now.astimezone(tz)
    minute = local.hour * 60 + local.minute
    for ahead in range(15):
        day = local.date() + timedelta(days=ahead)
        for start, end in day_hours(point, day, is_holiday, is_workday):
            if ahead == 0 and start <= minute < end:
                return OpenState(True, until=_at(day, end, tz))
            if ahead > 0 or start > minute:
                return OpenState(False, opens_at=_at(day, start, tz), days_ahead=ahead)
    return OpenState(False)


def _at(day: date, minute: int, tz: ZoneInfo) -> datetime:
    if minute >= 24 * 60:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)


def slots(
    point: Point,
    day: date,
    now: datetime,
    tz: ZoneInfo,
    is_holiday: Callable[[date], bool],
    is_workday: Callable[[date], bool],
) -> list[datetime]:
    """The appointment slots of a day (local starts, each whole inside an opening range),
    those still ahead of `now` by 30 minutes."""
    if point.slot_minutes <= 0:
        return []
    found = []
    for start, end in day_hours(point, day, is_holiday, is_workday):
        at = start
        while at + point.slot_minutes <= end:
            moment = _at(day, at, tz)
            if moment >= now + timedelta(minutes=30):
                found.append(moment)
            at += point.slot_minutes
    return found
