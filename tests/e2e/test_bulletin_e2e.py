"""The scheduled bulletin reaches a real channel on the emulator from the real `minhu run`
process, once per week — also when the process is killed with SIGKILL and started again."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.emulator import Emulator
from storage.db import Database
from tests.support.bulletins import Town
from tests.support.e2e import BOT_ID, TOKEN, BotProcess

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def channel(client: httpx.Client) -> int:
    response = client.post(
        "/api/chats", json={"bot": BOT_ID, "type": "channel", "title": "埭溪镇晾晒"}
    )
    response.raise_for_status()
    return int(response.json()["chat"]["id"])


@pytest.fixture
def minhu_with_channel(emulator: Emulator, tmp_path: Path, channel: int) -> Iterator[BotProcess]:
    bot = BotProcess(
        emulator.bot_api_base,
        tmp_path / "e2e.db",
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


def _wait_until_recorded(database: Path, timeout: float = 10.0) -> None:
    """Until the bot has recorded the channel posts as sent (a read of the real file)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(database) as db:
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


async def _cases(database: Path, week_start: datetime) -> None:
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
