"""SIGKILL within 1.5 s of 确认提交, many times: one complaint per report, and every resident
learns their number.

Twelve residents wait at their summaries. One after another each presses 确认提交; the real
bot process (flushing conversation state every second, as in production) is killed 0–1,500 ms
later (spread evenly), then started again; some kills fall between the commit and the next
flush, so the summary step and the draft come back. If the summary
still offers 确认提交, the resident presses it again, as a person would. In the end each has
exactly one complaint, and the number of that complaint has reached their chat.
"""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

import httpx

from handlers.complaints.report.prompts import State
from tests.e2e.test_resident_journey import register
from tests.support.databases import raw_connection
from tests.support.e2e import BOT_ID, BotProcess, Chat, new_user

RESIDENTS = 12
LONGEST_DELAY = 1.5  # seconds from the press to the kill
SUMMARY = int(State.CONFIRM)  # the state saved at the summary


def _to_summary(chat: Chat, number: int) -> dict[str, Any]:
    """Walk /report to its summary (no photo, no location); the summary message."""
    chat.say("/report")
    chat.expect("类别")
    chat.press("环境卫生")
    chat.expect("描述问题")
    chat.say(f"第{number}栋楼下的路灯坏了一个星期")
    chat.expect("照片")
    chat.press("不需要照片")
    chat.expect("什么位置")
    chat.say("跳过")
    chat.expect("哪个网格")
    chat.press("我的网格")
    chat.expect("匿名")
    chat.press("实名")
    return chat.expect("请确认")


def _at_summary_on_disk(minhu: BotProcess, chats: list[Chat]) -> None:
    """Poll the database (a condition) until every summary step is flushed."""
    wanted = {f"[{c.user_id},{c.user_id}]" for c in chats}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with raw_connection(minhu.database) as db:
            rows = db.execute(
                "SELECT key, state FROM ptb_conversations WHERE name = 'report'"
            ).fetchall()
        if wanted <= {k.replace(" ", "") for k, s in rows if json.loads(s) == SUMMARY}:
            return
    raise AssertionError("the summaries never reached the database")


def _at_summary(minhu: BotProcess, chat: Chat) -> bool:
    """Whether the database holds this resident's report at its summary step."""
    with raw_connection(minhu.database) as db:
        row = db.execute(
            "SELECT state FROM ptb_conversations WHERE name = 'report' AND key = ?",
            (json.dumps([chat.user_id, chat.user_id]),),
        ).fetchone()
    return row is not None and json.loads(row[0]) == SUMMARY


def _press(chat: Chat, message: dict[str, Any]) -> str:
    """Press 确认提交 on this summary message; the callback query's id."""
    [button] = [
        b
        for row in message["reply_markup"]["inline_keyboard"]
        for b in row
        if "确认提交" in b["text"]
    ]
    sent = chat._post("callback", message_id=message["message_id"], data=button["callback_data"])
    return str(sent["callback_query_id"])


def _answered(chat: Chat, query_id: str, wait: float) -> dict[str, Any]:
    """Long-poll until the bot answered this press (unanswered: lost in the crash)."""
    r = chat.client.get(f"/api/callbacks/{query_id}", params={"wait": wait, "bot": BOT_ID})
    r.raise_for_status()
    return dict(r.json()["callback"])


def _press_old_button(chat: Chat, summary: dict[str, Any]) -> dict[str, Any]:
    """Press the summary's 确认提交 once more, as a client still showing it would; its answer."""
    [data] = [
        b["callback_data"]
        for row in summary["reply_markup"]["inline_keyboard"]
        for b in row
        if "确认提交" in b["text"]
    ]
    sent = chat._post("callback", message_id=summary["message_id"], data=data, forge=True)
    return _answered(chat, str(sent["callback_query_id"]), wait=10)


def _kill_after(minhu: BotProcess, seconds: float) -> None:
    """SIGKILL the bot `seconds` after now (the moment of the crash is this test's input)."""
    assert minhu.proc is not None
    try:
        code = minhu.proc.wait(timeout=seconds) if seconds > 0 else None
    except subprocess.TimeoutExpired:
        code = None
    assert code is None, f"the bot exited by itself with {code}"
    minhu.kill()


def _current(chat: Chat, message_id: int) -> dict[str, Any]:
    """The message as the chat shows it now (buttons removed or not)."""
    [found] = [m for m in chat.messages() if m["message_id"] == message_id]
    return found


def _numbers_seen(chat: Chat) -> list[str]:
    """Every MH number in the bot's messages to this chat, once per message."""
    seen = []
    for m in chat.messages():
        body = (m.get("text") or "") + (m.get("caption") or "")
        if m["from_bot"] and "MH-2026-" in body:
            seen.append(body.split("MH-2026-", 1)[1][:6])
    return [f"MH-2026-{n}" for n in seen]


def _wait_for_number(chat: Chat, timeout: float = 30) -> None:
    """Long-poll until a message with an MH number is in the chat."""
    chat.wait_until(
        lambda: _numbers_seen(chat), f"{chat.user_id} never learned their number", timeout
    )


def test_killed_right_after_confirm_each_report_is_filed_once_and_its_number_arrives(
    minhu: BotProcess, client: httpx.Client
) -> None:
    # Production's flush interval (1 s): a kill soon after the commit finds the summary step
    # and the draft still on disk, as on a real server.
    minhu.restart(MINHU_PERSISTENCE_INTERVAL="1")
    chats = [new_user(client, f"居民{i}") for i in range(RESIDENTS)]
    summaries = []
    for number, chat in enumerate(chats, start=1):
        register(chat)
        summaries.append(_to_summary(chat, number))
    _at_summary_on_disk(minhu, chats)

    pressed_again = stale = 0
    for i, (chat, summary) in enumerate(zip(chats, summaries, strict=True)):
        query_id = _press(chat, summary)
        _kill_after(minhu, LONGEST_DELAY * i / (RESIDENTS - 1))
        stale += _at_summary(minhu, chat)  # the kill came before the flush after the commit
        minhu.start()
        # A press the killed bot had not fetched is handled now; one it lost is not.
        _answered(chat, query_id, wait=3)
        now = _current(chat, summary["message_id"])
        if (now.get("reply_markup") or {}).get("inline_keyboard"):
            pressed_again += 1
            _press(chat, now)
        _wait_for_number(chat)
        again = _press_old_button(chat, summary)  # from whatever state the restart left
        assert "已提交过" in (again["text"] or ""), again

    with raw_connection(minhu.database) as db:
        filed = dict(
            db.execute("SELECT reporter_id, COUNT(*) FROM complaints GROUP BY reporter_id")
        )
        numbers = dict(db.execute("SELECT reporter_id, number FROM complaints"))
    assert filed == {c.user_id: 1 for c in chats}, f"complaints per resident: {filed}"
    duplicates = 0
    for chat in chats:
        seen = _numbers_seen(chat)
        assert set(seen) == {numbers[chat.user_id]}, (chat.user_id, seen)
        duplicates += len(seen) - 1
    # Only a message in flight at the very moment of a kill can arrive twice.
    assert duplicates <= 1, f"{duplicates} numbers arrived twice"
    assert stale >= 1, "no kill fell between a commit and the next flush"
    print(f"summary still on disk after the kill: {stale}, pressed again: {pressed_again}")
