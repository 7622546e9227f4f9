"""What the bot says it will do is what it does: a late booking promises only the reminders
still ahead, a photo sent with the description as its caption keeps both, and Chinese dates
read as people write them (12月1日, not 12月01日)."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.core.render import TEMPLATES_DIR, Renderer
from tests.support.complaints import newcomer_chooses, place
from tests.support.harness import Harness, User, register, texts
from tests.support.meetings import WANG, book, local, meeting, town
from tests.support.representatives import REP, grant


async def test_a_booking_90_minutes_before_the_meeting_promises_only_the_last_reminder(
    bot: Harness,
) -> None:
    await town(bot, WANG)
    starts_at = bot.clock.now() + timedelta(minutes=90)
    m = await meeting(
        bot, starts_at=starts_at, registration_until=starts_at - timedelta(minutes=30)
    )
    told = texts(await book(bot, WANG, m.id))
    assert "报名成功" in told
    assert "会前 1 小时会提醒您" in told and "24 小时" not in told
    queued = await bot.services.db.fetchall(
        "SELECT context FROM outbox WHERE template = 'meetings.reminder' AND chat_id = ?",
        (WANG.id,),
    )
    assert len(queued) == 1 and '"minutes": 60' in queued[0][0]  # the promise, kept


async def test_a_booking_days_ahead_still_promises_both_reminders(bot: Harness) -> None:
    await town(bot, WANG)
    m = await meeting(bot)
    assert "会前 24 小时和 1 小时会提醒您" in texts(await book(bot, WANG, m.id))


async def test_a_reception_booked_90_minutes_ahead_promises_only_the_last_reminder(
    bot: Harness, resident: User
) -> None:
    await grant(bot, REP, "representative")
    await register(bot, resident)
    await bot.send(REP, "/reception")
    await bot.button(REP, "发布接待日")
    await bot.button(REP, "上强片区人大代表联络点")
    await bot.send(REP, "2026-03-05 09:00")
    await bot.button(REP, "3")
    await bot.button(REP, "确认发布")
    bot.clock.set(local(2026, 3, 5, 7, 30))
    await bot.send(resident, "/reception")
    await bot.button(resident, "预约")
    told = texts(await bot.send(resident, "小区东门路灯坏了半个月"))
    assert "预约成功" in told and "开始前 1 小时会提醒您" in told and "24 小时" not in told
    queued = await bot.services.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE template = 'reception.remind_resident'"
    )
    assert queued == 1


async def test_a_photo_with_the_description_as_caption_keeps_both(
    bot: Harness, resident: User
) -> None:
    await newcomer_chooses(bot, resident)
    answer = texts(await bot.send_photo(resident, "photo-A", caption="小区东门垃圾桶满了三天"))
    assert "已收到第 1 张照片" in answer  # the photo is counted, not asked for again
    assert "✅ 照片发完了" in bot.buttons(resident.id)
    await bot.send_photo(resident, "photo-B")
    await bot.button(resident, "照片发完了")
    await place(bot, resident, "上强社区3幢楼下")
    summary = texts(await bot.button(resident, "实名"))
    assert "小区东门垃圾桶满了三天" in summary and "照片：2 张" in summary
    assert "MH-2026-000001" in texts(await bot.button(resident, "确认提交"))
    db = bot.services.db
    row = await db.fetchone("SELECT id, description FROM complaints")
    assert row["description"] == "小区东门垃圾桶满了三天"
    photos = await db.fetchall(
        "SELECT file_id FROM complaint_photos WHERE complaint_id = ? ORDER BY position",
        (row["id"],),
    )
    assert [p[0] for p in photos] == ["photo-A", "photo-B"]


async def test_a_photo_without_words_at_the_description_step_still_asks_for_words(
    bot: Harness, resident: User
) -> None:
    await newcomer_chooses(bot, resident)
    assert "需要文字描述" in texts(await bot.send_photo(resident, "photo-A"))
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM complaints") == 0


def test_chinese_dates_read_naturally_and_english_ones_stay() -> None:
    renderer = Renderer(ZoneInfo("Asia/Shanghai"))
    due = "2026-12-01T06:00:00+00:00"  # 1 December, 14:00 in Shanghai
    zh = renderer.render("zh-CN", "notices.remind_ack", number="MH-1", due_at=due)
    assert "请在 12月1日 14:00 前签收" in zh
    en = renderer.render("en", "notices.remind_ack", number="MH-1", due_at=due)
    assert "Dec 01 14:00" in en
    # Every date format the Chinese templates use, on a day and month under ten.
    formats = set(re.findall(r'local\("([^"]*)"\)', _all("zh-CN")))
    early = "2026-03-05T01:05:00+00:00"  # 5 March, 09:05
    shown = {f: renderer.env.filters["local"](early, f) for f in formats}
    for fmt, text in shown.items():
        assert not re.search(r"(^|\D)0\d[月日]", text), f"{fmt} -> {text}"
    assert shown["%Y年%m月%d日 %H:%M"] == "2026年3月5日 09:05"  # the time keeps its zero


def _all(language: str) -> str:
    return "".join(p.read_text() for p in (TEMPLATES_DIR / language).glob("*.html"))
