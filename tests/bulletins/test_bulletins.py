"""Bulletins as people meet them: a long bulletin split under Telegram's limit without
breaking a row or the HTML, no resident's name or phone number anywhere, the scheduled
bulletin published once per period (also across a restart), /bulletin for admins, and the
zone's part for residents who follow their zone."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.bulletins import exports
from bot.bulletins.packing import MESSAGE_LIMIT, Section, pack, utf16_len
from bot.bulletins.publish import BulletinSchedule, publish
from bot.bulletins.render import BulletinText
from bot.bulletins.report import BulletinConfig, build_report
from bot.core.clock import ManualClock
from bot.core.periods import Period
from bot.core.render import Renderer
from bot.core.telegram_text import parse_html
from storage import bulletins
from storage.db import Database
from tests.conftest import ADMIN_ID
from tests.support.bulletins import TZ, Town, local
from tests.support.complaints import report as file_report
from tests.support.harness import Harness, User, register, table_counts
from tests.support.meetings import deliver

CHANNEL = -1001234567890
RENDERER = Renderer(TZ)


def _plain(html: str) -> str:
    return parse_html(html)[0]


def test_rows_are_packed_under_the_limit_and_never_split() -> None:
    rows = [
        f"<b>第{i}网格</b>（{'长' * (i % 97)}）\n　受理{i}件 · 按时签收95.0%" for i in range(400)
    ]
    messages = pack(
        "<b>标题</b>",
        [Section("<b>【网格排名】</b>", rows), Section("<b>【片区】</b>", ["• 上强片区 3件"])],
        "<i>脚注</i>",
        lambda heading: f"{heading}（续）",
    )
    assert len(messages) > 5
    for message in messages:
        assert utf16_len(message) <= MESSAGE_LIMIT
        parse_html(message)  # raises on a broken tag
    for row in rows:
        assert sum(row in m for m in messages) == 1, row
    assert all(m.count("【网格排名】") == 1 for m in messages[1:-1])
    assert messages[1].startswith("<b>【网格排名】</b>（续）\n")
    assert messages[-1].endswith("<i>脚注</i>")


def test_a_heading_never_ends_a_message_alone() -> None:
    filler = "字" * 4000
    messages = pack("头", [Section("<b>A</b>", [filler]), Section("<b>B</b>", ["b1"])], "尾", str)
    assert not any(m.rstrip().endswith("<b>B</b>") for m in messages)
    assert any(m.startswith("<b>B</b>\nb1") or "\n\n<b>B</b>\nb1" in m for m in messages)


def test_a_row_longer_than_a_message_is_cut_as_plain_text() -> None:
    messages = pack("头", [Section("<b>A</b>", ["<b>" + "&amp;" * 5000 + "</b>"])], "尾", str)
    for message in messages:
        assert utf16_len(message) <= MESSAGE_LIMIT
        parse_html(message)


async def _big_town(db: Database, grids: int) -> None:
    """A town with `grids` grids whose names need escaping, one worker each."""
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO zones (code, name) VALUES ('BIG', '大<片区>&')")
        zone = (await (await conn.execute("SELECT id FROM zones WHERE code='BIG'")).fetchone())[0]
        await conn.execute(
            "INSERT INTO communities (zone_id, code, name) VALUES (?, 'BIG-1', '大社区')", (zone,)
        )
        community = (
            await (await conn.execute("SELECT id FROM communities WHERE code='BIG-1'")).fetchone()
        )[0]
        for i in range(grids):
            cur = await conn.execute(
                "INSERT INTO grids (community_id, code, name) VALUES (?, ?, ?)",
                (community, f"BIG-1-{i:03d}", f"第{i}网格<{'格' * (i % 30)}>&"),
            )
            await conn.execute(
                """INSERT INTO role_grants (user_id, role, grid_id, display_name, granted_at)
                   VALUES (?, 'grid_worker', ?, ?, '2026-01-01T00:00')""",
                (500000 + i, cur.lastrowid, f"网格员<{i}>"),
            )


async def test_a_long_bulletin_splits_under_4096_without_breaking_html_or_a_row(
    seeded_db: Path,
) -> None:
    async with Database(seeded_db) as db:
        await _big_town(db, 300)
        town = await Town(db).load()
        monday = local(2026, 10, 12, 9)
        for i in range(300):
            await town.handled_well(f"BIG-1-{i:03d}", monday, 3 + i % 4, rating=1 + i % 5)
        october = Period("month", date(2026, 10, 1), date(2026, 11, 1))
        report = await build_report(db, october, local(2026, 11, 1, 9), BulletinConfig(tz=TZ))
    for language in ("zh-CN", "en"):
        text = BulletinText(RENDERER, report, language)
        messages = text.messages()
        assert len(messages) >= 10
        for message in messages:
            assert utf16_len(_plain(message)) <= utf16_len(message) <= MESSAGE_LIMIT
        assert not any("&lt;b&gt;" in m for m in messages)  # headings stay bold when repeated
        assert sum("（续）" in m or "(continued)" in m for m in messages) >= 5
        plain = [_plain(m) for m in messages]
        # Every worker's row is whole in exactly one message (its name and its figures).
        for unit in report.workers:
            row = _plain(text.r("worker_row", u=unit, s=unit.stats))
            assert sum(row in p for p in plain) == 1
        assert "大<片区>&" in "".join(plain)  # escaped in HTML, shown as typed
    zone = BulletinText(RENDERER, report, "zh-CN").zone_messages("BIG")
    assert len(zone) > 1 and all(utf16_len(m) <= MESSAGE_LIMIT for m in zone)
    for message in zone:
        parse_html(message)


async def test_no_resident_name_or_phone_number_appears(bot: Harness) -> None:
    resident = User(100001, "王秀英")
    await register(bot, resident)
    text = "小区门口垃圾三天没人清运，联系电话13812345678，王秀英"
    await file_report(bot, resident, text=text, address="上强社区3幢门口")
    count = await bot.services.db.fetchval("SELECT COUNT(*) FROM complaints")
    assert count == 1
    week = Period("week", date(2026, 3, 2), date(2026, 3, 9))
    report = await build_report(
        bot.services.db, week, bot.clock.now() + timedelta(days=8), BulletinConfig(tz=TZ)
    )
    everything = []
    for language in ("zh-CN", "en"):
        text = BulletinText(RENDERER, report, language)
        everything += text.messages() + text.zone_messages("SQ")
        tables = text.tables()
        everything.append(exports.html_page("t", "s", tables))
        book = load_workbook(BytesIO(exports.xlsx_workbook("t", tables)))
        everything += [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row]
    joined = "\n".join(everything)
    assert "受理1件" in joined  # the case is counted …
    assert "王秀英" not in joined and "13812345678" not in joined  # … its reporter is not
    assert "垃圾" not in joined  # nor what was written


@pytest.fixture
async def channel_bot(seeded_db: Path) -> AsyncIterator[Harness]:
    """The bot with a bulletin channel, on Monday 23 November 2026, 08:00 local."""
    harness = await Harness(
        seeded_db,
        admin_ids=frozenset({ADMIN_ID}),
        clock=ManualClock(local(2026, 11, 23, 8, 0)),
        extra_settings={"bulletin_chat_id": CHANNEL},
    ).start()
    yield harness
    if harness.app is not None:
        await harness.stop()


async def _published(bot: Harness) -> list[tuple[str, str, str]]:
    rows = await bot.services.db.fetchall(
        "SELECT period_kind, period_start, trigger FROM bulletins ORDER BY id"
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def test_the_weekly_bulletin_is_published_once_also_across_a_restart(
    channel_bot: Harness,
) -> None:
    bot = channel_bot
    town = await Town(bot.services.db).load()
    await town.handled_well("SQ-01-01", local(2026, 11, 17, 9), 4)
    schedule = BulletinSchedule(bot.services)
    assert await schedule.run_due() == []  # 08:00: not yet (and nothing back-filled)

    bot.clock.set(local(2026, 11, 23, 9, 0))
    done = await schedule.run_due()
    assert [o.chat_messages for o in done] == [2]  # the chart, then the text
    assert await schedule.run_due() == []
    assert await _published(bot) == [("week", "2026-11-16", "schedule")]

    calls = await deliver(bot)
    sent = [c for c in calls if int(c.params.get("chat_id", 0)) == CHANNEL]
    assert [c.method for c in sent] == ["sendPhoto", "sendMessage"]
    assert sent[0].files["photo"].startswith(b"\x89PNG")
    assert "2026年第47周（11月16日—11月22日）" in sent[1].params["text"]
    assert "上强社区第一网格" in sent[1].params["text"]

    await bot.restart()
    bot.clock.advance(timedelta(hours=5))
    assert await BulletinSchedule(bot.services).run_due() == []
    assert await deliver(bot) == []
    assert await _published(bot) == [("week", "2026-11-16", "schedule")]

    # Stopped over the next Monday 09:00: published when the bot is back, once.
    await bot.stop()
    bot.clock.set(local(2026, 12, 2, 8, 0))
    await bot.start()
    assert len(await BulletinSchedule(bot.services).run_due()) == 2  # week 48 and November
    assert await BulletinSchedule(bot.services).run_due() == []
    assert await _published(bot) == [
        ("week", "2026-11-16", "schedule"),
        ("week", "2026-11-23", "schedule"),
        ("month", "2026-11-01", "schedule"),
    ]
    texts = [c.params.get("text", "") for c in await deliver(bot)]
    assert any("2026年11月网格工作考核通报" in t for t in texts)


async def test_the_database_refuses_a_second_scheduled_bulletin_of_a_period(
    seeded_db: Path,
) -> None:
    week = Period.from_key("week:2026-11-16")
    async with Database(seeded_db) as db:
        for trigger, expected in (("schedule", True), ("schedule", False), ("manual", True)):
            async with db.transaction() as conn:
                made = await bulletins.create(
                    conn, week, trigger=trigger, chat_id=CHANNEL, language="zh-CN",
                    chart=None, created_by=None, now=local(2026, 11, 23, 9),
                )  # fmt: skip
            assert (made is not None) == expected


async def test_a_bulletin_published_by_hand_is_not_published_again_on_schedule(
    channel_bot: Harness,
) -> None:
    bot = channel_bot
    await publish(bot.services, Period.from_key("week:2026-11-16"), trigger="manual")
    bot.clock.set(local(2026, 11, 23, 9, 0))
    assert await BulletinSchedule(bot.services).run_due() == []
    assert await _published(bot) == [("week", "2026-11-16", "manual")]


async def test_the_chart_is_uploaded_once_then_sent_by_its_id(channel_bot: Harness) -> None:
    bot = channel_bot
    town = await Town(bot.services.db).load()
    await town.handled_well("SQ-01-01", local(2026, 11, 17, 9), 4)
    await publish(bot.services, Period.from_key("week:2026-11-16"), trigger="manual")
    await deliver(bot)
    # As after a crash between sending and recording: the row is sent again.
    async with bot.services.db.transaction() as conn:
        await conn.execute("UPDATE outbox SET state = 'pending' WHERE context LIKE '%chart%'")
    await deliver(bot)
    first, again = [c for c in bot.fake.calls if c.method == "sendPhoto"]
    assert first.files["photo"].startswith(b"\x89PNG")
    assert again.params["photo"] == "AgAD-fake" and not again.files
    assert first.params["caption"] == again.params["caption"]


async def test_an_admin_previews_downloads_and_publishes(channel_bot: Harness) -> None:
    bot = channel_bot
    admin = User(ADMIN_ID, "镇管理员")
    await register(bot, admin)
    town = await Town(bot.services.db).load()
    await town.handled_well("SQ-01-01", local(2026, 11, 17, 9), 3)

    await bot.send(admin, "/bulletin")
    labels = bot.buttons(admin.id)
    assert any("上周" in label and "第47周" in label for label in labels)
    since = len(bot.fake.calls)
    await bot.button(admin, "上周")
    preview = bot.fake.sent_to(admin.id, since)
    assert [c.method for c in preview][-3:] == ["sendPhoto", "sendMessage", "sendMessage"]
    assert "基层治理工作晾晒" in bot.fake.texts(admin.id, since)[-2]
    assert await _published(bot) == []  # a preview publishes nothing

    since = len(bot.fake.calls)
    await bot.button(admin, "Excel")
    document = next(c for c in bot.fake.calls[since:] if c.method == "sendDocument")
    book = load_workbook(BytesIO(document.files["document"]))
    assert "网格排名" in book.sheetnames
    since = len(bot.fake.calls)
    await bot.button(admin, "网页版")
    page = next(c for c in bot.fake.calls[since:] if c.method == "sendDocument")
    html = page.files["document"].decode()
    assert html.startswith("<!DOCTYPE html>") and "上强社区第一网格" in html

    await bot.button(admin, "发布")
    assert await _published(bot) == [("week", "2026-11-16", "manual")]
    assert "已发布" in bot.fake.texts(admin.id)[-1]
    channel = [c for c in await deliver(bot) if int(c.params.get("chat_id", 0)) == CHANNEL]
    assert len(channel) == 2
    # Pressing publish again (a double tap, an old message) publishes nothing more.
    before = await table_counts(bot)
    await bot.press(admin, "bul:pub:week:2026-11-16")
    assert "失效" in bot.fake.answers()[-1]
    assert await table_counts(bot) == before


async def test_bulletin_buttons_are_checked_on_the_server(channel_bot: Harness) -> None:
    bot = channel_bot
    resident = User(100002, "李大爷")
    await register(bot, resident)
    admin = User(ADMIN_ID, "镇管理员")
    await register(bot, admin)
    before = await table_counts(bot)
    await bot.send(resident, "/bulletin")
    assert (
        "没有权限" in bot.fake.texts(resident.id)[-1] or "权限" in bot.fake.texts(resident.id)[-1]
    )
    since = len(bot.fake.calls)
    for data in ("bul:v:week:2026-11-16", "bul:pub:week:2026-11-16", "bul:xlsx:week:2026-11-16"):
        await bot.press(resident, data)
    assert bot.fake.answers(since) == ["抱歉，您没有权限执行这个操作。"] * 3
    for forged, toast in (
        ("bul:v:week:2026-11-17", "无效"),  # not the start of a week
        ("bul:v:month:2027-01-01", "无效"),  # not begun yet
        ("bul:v:decade:2020-01-01", ""),
        ("bul:xlsx:week:", ""),
        ("bul:pub:month:2026-10-01", "失效"),  # never previewed
    ):
        since = len(bot.fake.calls)
        await bot.press(admin, forged)
        assert toast in bot.fake.answers(since)[-1]
    assert await table_counts(bot) == before
    assert not [c for c in bot.fake.calls if int(c.params.get("chat_id", 0)) == CHANNEL]


async def test_followers_get_their_zones_part(channel_bot: Harness) -> None:
    bot = channel_bot
    follower = User(100003, "张阿姨")
    other = User(100004, "Mr Li", language_code="en")
    quiet = User(100005, "赵叔")
    for user, zone, community in (
        (follower, "上强", "上强社区"),
        (other, "阳山", "阳山社区"),
        (quiet, "上强", "上强社区"),
    ):
        await register(bot, user, zone=zone, community=community)
    for user in (follower, other):
        await bot.send(user, "/settings")
        await bot.button(user, "📢")
    assert "已关注上强片区的晾晒通报" in bot.fake.answers()[-2]
    assert "You now follow 阳山片区" in bot.fake.answers()[-1]

    town = await Town(bot.services.db).load()
    await town.handled_well("SQ-01-01", local(2026, 11, 17, 9), 3)
    bot.clock.set(local(2026, 11, 23, 9, 0))
    (outcome,) = await BulletinSchedule(bot.services).run_due()
    assert outcome.followers == 2
    calls = await deliver(bot)
    mine = " ".join(str(c.params.get("text")) for c in calls if c.params["chat_id"] == follower.id)
    assert "上强片区 · 2026年第47周" in mine and "上强社区第一网格" in mine
    assert "阳山" not in re.sub(r"<[^>]+>", "", mine.split("【村社】")[0])
    theirs = " ".join(str(c.params.get("text")) for c in calls if c.params["chat_id"] == other.id)
    assert "阳山片区 · week 47 of 2026" in theirs
    assert not [c for c in calls if c.params["chat_id"] == quiet.id]

    # Moving home to another zone moves the follow with it.
    await bot.send(follower, "/settings")
    await bot.button(follower, "更换网格")
    await bot.button(follower, "阳山")
    await bot.button(follower, "阳山社区")
    await bot.button(follower, "第一网格")
    zones = await bot.services.db.fetchall(
        "SELECT z.code FROM subscriptions s JOIN zones z ON z.id = s.zone_id WHERE person_id = ?",
        (follower.id,),
    )
    assert [r[0] for r in zones] == ["YS"]

    # Unfollowing stops it.
    await bot.send(follower, "/settings")
    await bot.button(follower, "🔕 不再接收")
    assert not await bot.services.db.fetchval(
        "SELECT COUNT(*) FROM subscriptions WHERE person_id = ?", (follower.id,)
    )
