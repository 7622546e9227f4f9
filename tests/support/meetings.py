"""Shared steps of the meeting tests: a small town, a meeting, bookings, sending due notices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.meetings import service
from storage import meeting_bookings as bookings
from storage import people
from storage.meetings import Meeting, NewMeeting
from tests.conftest import ADMIN_ID
from tests.support.fake_telegram import Call
from tests.support.harness import Harness, User, register

SHANGHAI = ZoneInfo("Asia/Shanghai")
ADMIN = User(ADMIN_ID, "镇办老陈")
WANG = User(100021, "王阿姨")
LI = User(100022, "李大伯")
ZHAO = User(100023, "赵师傅")
YANGSHAN = User(100024, "阳山的孙阿姨")
ZHOU = User(300001, "周代表")


def local(*args: int) -> datetime:
    """A Shanghai wall-clock time as UTC."""
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


START = local(2026, 3, 10, 9, 30)  # the harness clock starts on Monday 2026-03-02 10:00


async def town(bot: Harness, *users: User) -> None:
    """The admin (in 梅峰) and residents of 上强社区 register; 孙阿姨 lives in 阳山."""
    await register(bot, ADMIN, zone="梅峰", community="梅峰村")
    for user in users or (WANG, LI, ZHAO):
        if user is YANGSHAN:
            await register(bot, user, zone="阳山", community="阳山社区")
        else:
            await register(bot, user)


async def zone_id(bot: Harness, code: str = "SQ") -> int:
    return int(await bot.services.db.fetchval("SELECT id FROM zones WHERE code = ?", (code,)))


async def meeting(
    bot: Harness,
    *,
    capacity: int = 2,
    reserved: int = 0,
    starts_at: datetime = START,
    registration_until: datetime | None = None,
    title: str = "上强社区加装电梯协商议事会",
) -> Meeting:
    """A meeting for the whole 上强 zone, created by the admin through the service."""
    new = NewMeeting(
        title=title,
        topic="老旧小区加装电梯的费用分摊",
        zone_id=await zone_id(bot),
        community_id=None,
        place="上强社区党群服务中心二楼",
        starts_at=starts_at,
        duration_minutes=120,
        capacity=capacity,
        reserved_seats=reserved,
        registration_until=registration_until or starts_at - timedelta(hours=20),
    )
    return await service.create(bot.services, ADMIN.id, new)


async def book(bot: Harness, user: User, meeting_id: int) -> list[Call]:
    """Open the card and press 报名 (or 排队候补 when the card offers that)."""
    await bot.press(user, f"mt:v:{meeting_id}")
    labels = bot.buttons(user.id)
    label = "报名" if "✅ 报名" in labels else "排队候补"
    return await bot.button(user, label)


async def deliver(bot: Harness) -> list[Call]:
    """Send every due outbox row; returns the calls it made."""
    since = len(bot.fake.calls)
    assert bot.app is not None
    await bot.services.delivery.run_pass(bot.app.bot)
    return bot.fake.calls[since:]


async def grant(bot: Harness, user: User, role: str) -> None:
    await people.grant(
        bot.services.db, user.id, role, bot.clock.now(), display_name=user.first_name
    )


async def booking_of(bot: Harness, meeting_id: int, user: User) -> bookings.Booking:
    row = await bot.services.db.fetchval(
        "SELECT id FROM meeting_bookings WHERE meeting_id = ? AND person_id = ? "
        "ORDER BY id DESC LIMIT 1",
        (meeting_id, user.id),
    )
    found = await bookings.booking(bot.services.db, int(row))
    assert found is not None
    return found


def to(calls: list[Call], user: User) -> str:
    """Everything these calls sent to one person."""
    return "\n".join(
        str(c.params.get("text") or c.params.get("caption") or "")
        for c in calls
        if str(c.params.get("chat_id")) == str(user.id)
    )
