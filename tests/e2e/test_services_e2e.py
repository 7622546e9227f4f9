"""Over real HTTP against the emulator: a resident asks for a check-up near them, shares a
location, gets the nearest demo points with their walking distances, opens a card with its
location pin, asks a plain question ("附近有没有健康小屋") and gets a service search, and books a
slot at the town's health centre."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from bot.services.rules import walking_m
from storage.demo_places import centre
from storage.demo_services import demo_points
from tests.e2e.test_resident_journey import register
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, new_user

TZ = ZoneInfo("Asia/Shanghai")


def test_location_nearest_card_with_pin_question_and_booking(
    minhu: BotProcess, client: httpx.Client
) -> None:
    resident = new_user(client, "王阿姨")
    register(resident)
    here = centre("SQ-01-01")
    points = {p.name: p for p in demo_points()}

    resident.say("/services")
    resident.expect("您需要什么服务")
    resident.press("体检/量血压")
    resident.expect("发送我的位置")
    resident.location(*here)
    listed = str(resident.expect("离您最近的")["text"])
    for name in ("上强社区健康小屋", "埭溪镇卫生院", "上强社区党群服务中心"):
        p = points[name]
        assert p.latitude is not None and p.longitude is not None
        metres = walking_m(here[0], here[1], p.latitude, p.longitude)
        assert name in listed and f"（{metres} 米）" in listed, (name, metres)
    assert "快递" not in listed

    before = resident.current_seq()
    resident.press("上强社区健康小屋")
    card = str(resident.expect("营业时间")["text"])
    assert "0572-3600103" in card and "量血压" in card
    resident.wait_until(
        lambda: any(m.get("location") for m in resident.messages(before)), "a location pin"
    )
    pin = next(m["location"] for m in resident.messages(before) if m.get("location"))
    health = points["上强社区健康小屋"]
    assert abs(pin["latitude"] - (health.latitude or 0)) < 1e-5

    resident.say("附近有没有健康小屋")
    asked = str(resident.expect("体检/量血压")["text"])
    assert "上强社区健康小屋" in asked and "要把这条" not in asked

    resident.press("埭溪镇卫生院")
    resident.expect("可以预约")
    resident.press("预约")
    resident.expect("请选日期")
    tomorrow = datetime.now(TZ).date() + timedelta(days=1)
    resident.press(f"{tomorrow.month}月{tomorrow.day}日")
    resident.expect("请选时间")
    resident.press("09:00")
    resident.expect("想先说说")
    resident.say("想做个体检")
    booked = str(resident.expect("预约成功")["text"])
    assert "埭溪镇卫生院" in booked
    with raw_connection(minhu.database) as db:
        rows = db.execute("SELECT person_id, topic, status FROM service_bookings").fetchall()
        reminders = db.execute(
            "SELECT COUNT(*) FROM outbox WHERE template = 'services.remind'"
        ).fetchone()[0]
    assert rows == [(resident.user_id, "想做个体检", "booked")] and reminders >= 1
