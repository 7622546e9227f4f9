"""SIGKILL within 1.5 s of 确认发送, six times: one broadcast per preview, every resident gets
each, and the admin always learns it is sending (the progress message comes after a restart).

The bot flushes conversation state every second, as in production, so some kills leave the
preview and its draft on disk; the admin presses 确认发送 again when the button is still there,
and the old button once more in any case: it must answer that the broadcast was sent.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import httpx

from handlers.broadcasts.flow import State
from tests.e2e.test_resident_journey import register
from tests.e2e.test_submit_crash import _answered, _current, _kill_after
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, Chat, new_user
from tests.support.e2e_delivery import add_people, bot_message_counts

ROUNDS = 6
LONGEST_DELAY = 1.5
PREVIEW = State.CONFIRM


def _admin(minhu: BotProcess, client: httpx.Client, n: int) -> Chat:
    """A new admin (granted by the command line) who opened the bot."""
    admin = new_user(client, f"镇办{n}")
    subprocess.run(
        [sys.executable, "-m", "bot", "grant", "admin", str(admin.user_id)],
        env=minhu.env(),
        check=True,
        capture_output=True,
    )
    register(admin)
    return admin


def _preview(admin: Chat, round_no: int) -> dict[str, Any]:
    admin.say("/broadcast")
    admin.expect("发给谁")
    admin.press("全体居民")
    admin.expect("公告内容")
    admin.say(f"第{round_no}号通知：本周六上午九点，上强社区党群服务中心义诊。")
    admin.expect("普通公告")
    admin.press("普通公告")
    return admin.expect("确认发送")


def _at_preview(minhu: BotProcess, admin: Chat) -> bool:
    """Whether the database holds this admin's broadcast at its preview step."""
    key = json.dumps([admin.user_id, admin.user_id])
    with raw_connection(minhu.database) as db:
        row = db.execute(
            "SELECT state FROM ptb_conversations WHERE name = 'broadcast' AND key = ?", (key,)
        ).fetchone()
    return row is not None and json.loads(row[0]) == PREVIEW


def _preview_on_disk(minhu: BotProcess, admin: Chat) -> None:
    """Poll the database (a condition) until the preview step is flushed: the admin reads
    the preview for a moment before sending."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if _at_preview(minhu, admin):
            return
    raise AssertionError("the preview never reached the database")


def _press_send(chat: Chat, message: dict[str, Any]) -> str:
    """Press 确认发送 (the summary's first button)."""
    [data] = [
        b["callback_data"]
        for row in message["reply_markup"]["inline_keyboard"]
        for b in row
        if "确认发送" in b["text"]
    ]
    sent = chat._post("callback", message_id=message["message_id"], data=data)
    return str(sent["callback_query_id"])


def _progress_messages(admin: Chat, broadcast_id: int) -> int:
    """How many progress messages of this broadcast the admin's chat holds."""
    return sum(
        1
        for m in admin.messages()
        if m["from_bot"] and f"公告 #{broadcast_id} " in (m.get("text") or "")
    )


def _wait_for_progress(admin: Chat, broadcast_id: int, timeout: float = 30) -> None:
    """Long-poll until the progress message of this broadcast is in the admin's chat."""
    admin.wait_until(
        lambda: _progress_messages(admin, broadcast_id),
        f"the admin never saw broadcast #{broadcast_id} sending",
        timeout,
    )


def test_killed_right_after_send_each_broadcast_goes_out_once_and_its_progress_shows(
    minhu: BotProcess, client: httpx.Client
) -> None:
    minhu.restart(MINHU_PERSISTENCE_INTERVAL="1")
    # One new chat each: no 429s, and no earlier test's messages in them (the configured
    # admin's chat lives the whole session: its flood window and its broadcasts #1… with it).
    admins = [_admin(minhu, client, n) for n in range(1, ROUNDS + 1)]
    ids = add_people(client, minhu.database, 1_600_000, 10)

    stale = 0
    for round_no, admin in enumerate(admins, start=1):
        summary = _preview(admin, round_no)
        _preview_on_disk(minhu, admin)
        query_id = _press_send(admin, summary)
        _kill_after(minhu, LONGEST_DELAY * (round_no - 1) / (ROUNDS - 1))
        stale += _at_preview(minhu, admin)  # the kill came before the flush after the commit
        minhu.start()
        _answered(admin, query_id, wait=3)
        now = _current(admin, summary["message_id"])
        if (now.get("reply_markup") or {}).get("inline_keyboard"):
            _press_send(admin, now)
        sent = admin._post(
            "callback",
            message_id=summary["message_id"],
            data=summary["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
            forge=True,
        )
        again = _answered(admin, str(sent["callback_query_id"]), wait=10)
        assert f"已经发出（#{round_no}）" in (again["text"] or ""), again
        _wait_for_progress(admin, round_no)  # the progress message, after any crash

    with raw_connection(minhu.database) as db:
        assert db.execute("SELECT COUNT(*) FROM broadcasts").fetchone() == (ROUNDS,)
        rows = db.execute("SELECT COUNT(*) FROM outbox WHERE broadcast_id IS NOT NULL").fetchone()
        assert rows == (ROUNDS * (len(ids) + len(admins)),)  # one row per person each
    counts = bot_message_counts(client)
    assert all(counts.get(uid, 0) >= ROUNDS for uid in ids), counts
    shown = [_progress_messages(admin, n) for n, admin in enumerate(admins, start=1)]
    assert min(shown) >= 1 and sum(shown) - ROUNDS <= 1, f"progress messages: {shown}"
    print(f"preview still on disk after the kill: {stale} of {ROUNDS}")
