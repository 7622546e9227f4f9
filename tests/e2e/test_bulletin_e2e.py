"""The scheduled bulletin reaches a real channel on the emulator from the real `minhu run`
process, once per week — also when the process is killed with SIGKILL and started again; an
admin publishes a bulletin, the records change, and its export still gives the published
figures until the admin publishes a correction (更正); a month's assessment counts its volunteers
(志愿服务) in the preview, the channel and the workbook, and names none of them."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import openpyxl
import pytest

from bot.core.periods import last_complete
from bot.emulator import Emulator
from storage.db import Database
from tests.e2e.test_resident_journey import register
from tests.support.bulletins import Town
from tests.support.databases import raw_connection
from tests.support.e2e import BOT_ID, TOKEN, BotProcess, Chat, new_user

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def channel(client: httpx.Client) -> int:
    response = client.post(
        "/api/chats", json={"bot": BOT_ID, "type": "channel", "title": "埭溪镇晾晒"}
    )
    response.raise_for_status()
    return int(response.json()["chat"]["id"])


@pytest.fixture
def minhu_with_channel(
    emulator: Emulator, tmp_path: Path, e2e_database: Path | str, channel: int
) -> Iterator[BotProcess]:
    bot = BotProcess(
        emulator.bot_api_base,
        e2e_database,
        tmp_path / "bot.log",
        extra_env={"MINHU_BULLETIN_CHAT_ID": str(channel), "MINHU_BULLETIN_MONTHLY": "off"},
    )
    bot.seed()
    bot.start()
    yield bot
    if bot.proc is not None:
        assert bot.stop() == 0
    log = (tmp_path / "bot.log").read_text()
    assert "Traceback" not in log, log
    assert TOKEN.split(":")[1] not in log


def _channel_texts(client: httpx.Client, channel: int) -> list[str]:
    body = client.get(f"/api/chats/{channel}/messages", params={"bot": BOT_ID}).json()
    return [(m.get("text") or "") + (m.get("caption") or "") for m in body["messages"]]


def _wait_for(
    client: httpx.Client, channel: int, text: str, count: int, timeout: float = 30.0
) -> None:
    """Long-poll the channel (no sleeps) until `count` messages contain `text`."""
    deadline = time.monotonic() + timeout
    seq = 0
    while time.monotonic() < deadline:
        if sum(text in t for t in _channel_texts(client, channel)) >= count:
            return
        body = client.get(
            f"/api/chats/{channel}/messages",
            params={"bot": BOT_ID, "after_seq": seq, "wait": 2},
        ).json()
        seq = int(body["seq"])
    raise AssertionError(f"{text!r} never reached the channel: {_channel_texts(client, channel)}")


def _wait_until_recorded(database: Path | str, timeout: float = 10.0) -> None:
    """Until the bot has recorded the channel posts as sent (a read of the real file)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with raw_connection(database) as db:
            left = db.execute(
                "SELECT COUNT(*) FROM outbox WHERE kind = 'bulletin' AND state <> 'sent'"
            ).fetchone()[0]
        if not left:  # recorded right after each send: a few milliseconds at most
            return
    raise AssertionError("the bulletin's posts were never recorded as sent")


def _next_monday_nine(after: datetime) -> datetime:
    local = after.astimezone(TZ)
    day = local.date() + timedelta(days=(7 - local.weekday()) % 7 or 7)
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=TZ)


def _week_title(monday: datetime) -> str:
    last = monday - timedelta(days=7)
    return f"第{last.isocalendar()[1]}周（{last.month}月{last.day}日—"


async def _cases(database: Path | str, week_start: datetime) -> None:
    """Three cases handled well in the week the bulletin reports (so there is a chart)."""
    async with Database(database) as db:
        town = await Town(db).load()
        await town.handled_well("SQ-01-01", week_start + timedelta(days=1), 3)


def test_the_weekly_bulletin_is_published_once_across_a_kill(
    minhu_with_channel: BotProcess, client: httpx.Client, channel: int
) -> None:
    bot = minhu_with_channel
    first = _next_monday_nine(datetime.now(UTC))
    asyncio.run(_cases(bot.database, first - timedelta(days=7)))
    bot.advance((first - datetime.now(UTC)).total_seconds() + 2)
    _wait_for(client, channel, _week_title(first), 2)
    texts = _channel_texts(client, channel)
    assert sum(_week_title(first) in t for t in texts) == 2  # the chart's caption and the text

    _wait_until_recorded(bot.database)
    bot.kill()
    bot.start()
    second = first + timedelta(days=7)
    bot.advance(7 * 24 * 3600)
    _wait_for(client, channel, _week_title(second), 1)
    texts = _channel_texts(client, channel)
    assert sum(_week_title(first) in t for t in texts) == 2  # not again after the restart
    assert sum(_week_title(second) in t for t in texts) == 1  # no case, no chart: the text
    assert all(len(t) <= 4096 for t in texts)


async def _change_records(database: Path | str, week_start: datetime) -> None:
    """After publishing: one of the week's cases reopened, and a late one arrives closed."""
    async with Database(database) as db:
        town = await Town(db).load()
        async with db.transaction() as conn:
            await conn.execute(
                """UPDATE complaints SET status = 'accepted', resolved_at = NULL,
                       closed_at = NULL, close_reason = NULL, rating = NULL
                   WHERE id = (SELECT MIN(id) FROM complaints)"""
            )
        created = week_start + timedelta(days=2)
        done = created + timedelta(days=9)
        await town.complaint(
            "SQ-01-02", created, accepted=created + timedelta(hours=1), resolved=done,
            closed=done, close_reason="no_reply",
        )  # fmt: skip


def _workbook(client: httpx.Client, admin: Chat) -> list[list[object]]:
    """Press Excel on the latest /bulletin message; every cell of the workbook it sends."""
    admin.press("Excel")
    message = admin.expect("全部表格")
    data = client.get(f"/api/files/{BOT_ID}/{message['document']['file_id']}")
    data.raise_for_status()
    book = openpyxl.load_workbook(io.BytesIO(data.content))
    return [[c.value for c in row] for sheet in book for row in sheet.iter_rows()]


def test_a_published_bulletin_exports_the_same_figures_after_the_records_change(
    minhu_with_channel: BotProcess, client: httpx.Client, channel: int
) -> None:
    bot = minhu_with_channel
    week = last_complete("week", datetime.now(UTC), TZ)
    week_start = datetime.combine(week.start, datetime.min.time(), tzinfo=TZ)
    asyncio.run(_cases(bot.database, week_start))
    client.post("/api/users", json={"id": 619999, "first_name": "镇办老陈"}).raise_for_status()
    admin = Chat(client, 619999)  # MINHU_ADMIN_IDS of the e2e bot
    register(admin)

    admin.say("/bulletin")
    admin.expect("统计周期")
    admin.press("上周")
    admin.expect("以上是预览")
    admin.press("发布")
    admin.expect("已发布")
    _wait_for(client, channel, "上强社区第一网格", 1)

    admin.say("/bulletin")
    admin.expect("统计周期")
    admin.press("上周")
    admin.expect("无需更正")
    published = _workbook(client, admin)

    asyncio.run(_change_records(bot.database, week_start))
    admin.say("/bulletin")
    admin.expect("统计周期")
    admin.press("上周")
    note = admin.expect("【变化】")["text"]
    assert "受理 0→1" in note and "上强社区第二网格" in note
    admin.expect("处变化")
    assert _workbook(client, admin) == published  # the published figures, not the recount

    admin.press("发布更正")
    admin.expect("更正已发布")
    _wait_for(client, channel, "【变化】", 1)
    admin.say("/bulletin")
    admin.expect("统计周期")
    admin.press("上周")
    admin.expect("无需更正")
    corrected = _workbook(client, admin)
    assert corrected != published
    assert any(row[1] == "上强社区第二网格" and row[4] == 0 for row in published)
    assert any(row[1] == "上强社区第二网格" and row[4] == 1 for row in corrected)


async def _volunteering(database: Path | str, month_start: datetime) -> None:
    """Last month: one activity in 上强社区, two volunteers (one agreed to be named) served
    90 and 60 minutes."""
    at = month_start + timedelta(days=3, hours=10)
    iso = at.astimezone(UTC).isoformat()
    async with Database(database) as db, db.transaction() as conn:
        for person, name in ((900001, "王秀英"), (900002, "李建国")):
            await conn.execute(
                """INSERT INTO people (id, first_name, grid_id, consented_at, created_at,
                       updated_at) VALUES (?, ?, (SELECT MIN(id) FROM grids), ?, ?, ?)""",
                (person, name, iso, iso, iso),
            )
        await conn.execute(
            "INSERT INTO volunteer_honour (person_id, named, at) VALUES (900001, 1, ?)", (iso,)
        )
        cur = await conn.execute(
            """INSERT INTO volunteer_activities (title, task, place, starts_at, duration_minutes,
                   places, points_per_hour, zone_id, community_id, checkin_code, checkout_code,
                   status, created_by, created_at)
               VALUES ('河道清洁', '清扫', '东门河', ?, 120, 8, 10,
                       (SELECT id FROM zones WHERE code = 'SQ'),
                       (SELECT id FROM communities WHERE code = 'SQ-01'),
                       'E2EIN', 'E2EOUT', 'confirmed', 1, ?)""",
            (iso, iso),
        )
        for person, minutes in ((900001, 90), (900002, 60)):
            await conn.execute(
                """INSERT INTO volunteer_signups (activity_id, person_id, status, code, minutes,
                       created_at, updated_at) VALUES (?, ?, 'attended', ?, ?, ?, ?)""",
                (cur.lastrowid, person, f"E2E{person}", minutes, iso, iso),
            )


def test_the_monthly_assessment_counts_volunteers_and_never_names_them(
    minhu_with_channel: BotProcess, client: httpx.Client, channel: int
) -> None:
    bot = minhu_with_channel
    month = last_complete("month", datetime.now(UTC), TZ)
    month_start = datetime.combine(month.start, datetime.min.time(), tzinfo=TZ)
    asyncio.run(_volunteering(bot.database, month_start))
    # An admin of their own: the configured one's chat may still be inside Telegram's
    # per-chat window from the test before, which this new bot process knows nothing of.
    admin = new_user(client, "镇办小周")
    register(admin)
    subprocess.run(
        [sys.executable, "-m", "bot", "grant", "admin", str(admin.user_id)],
        env=bot.env(),
        check=True,
        capture_output=True,
    )

    admin.say("/bulletin")
    admin.expect("统计周期")
    admin.press("上月")
    preview = admin.expect("【志愿服务】", timeout=60)["text"]
    assert "上强社区（上强片区） 开展活动1场 · 参与志愿者2人 · 服务2.5小时" in preview
    assert "/points" in preview
    admin.expect("以上是预览")
    admin.press("发布")
    admin.expect("已发布")
    _wait_for(client, channel, "【志愿服务】", 1)
    admin.say("/bulletin")
    admin.expect("统计周期")
    admin.press("上月")
    admin.expect("无需更正")
    cells = _workbook(client, admin)
    assert ["上强片区", "上强社区", 1, 2, 2.5, 0, None] in cells
    shown = [*_channel_texts(client, channel), str(cells)]
    assert not any(name in text for text in shown for name in ("王秀英", "李建国"))
