"""Over real HTTP: a group gets only a pointer to the private chat; blocking is recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.e2e.test_resident_journey import register
from tests.support.databases import raw_connection
from tests.support.e2e import BOT_ID, BotProcess, new_user
from tests.support.e2e_delivery import wait_until


def _blocked_at(database: Path | str, user_id: int) -> Any:
    with raw_connection(database) as db:
        return db.execute("SELECT blocked_at FROM people WHERE id = ?", (user_id,)).fetchone()[0]


def test_mydata_in_a_group_only_points_to_the_private_chat(
    minhu: BotProcess, client: httpx.Client
) -> None:
    resident = new_user(client, "孙阿姨")
    register(resident)
    group = client.post(
        "/api/chats",
        json={
            "bot": BOT_ID,
            "type": "supergroup",
            "title": "上强居民群",
            "members": [resident.user_id],
        },
    ).json()["chat"]["id"]
    sent = client.post(
        f"/api/users/{resident.user_id}/messages",
        json={"bot": BOT_ID, "chat_id": group, "text": "/mydata"},
    ).json()
    reply = client.get(
        f"/api/chats/{group}/messages",
        params={"after_seq": sent["message"]["seq"], "wait": 15, "bot": BOT_ID},
    ).json()["messages"]
    from_bot = [m for m in reply if m["from_bot"]]
    assert len(from_bot) == 1 and "document" not in from_bot[0]
    assert from_bot[0]["reply_to_message_id"] == sent["message"]["message_id"]
    button = from_bot[0]["reply_markup"]["inline_keyboard"][0][0]
    assert button["url"] == "https://t.me/minhu_e2e_bot"
    assert "孙阿姨" not in from_bot[0]["text"]


def test_blocking_and_unblocking_the_bot_is_recorded(
    minhu: BotProcess, client: httpx.Client
) -> None:
    resident = new_user(client, "周大爷")
    register(resident)
    uid = resident.user_id
    client.post(f"/api/users/{uid}/block", json={"bot": BOT_ID}).raise_for_status()
    wait_until(lambda: _blocked_at(minhu.database, uid) is not None, client, 15, "the block")
    client.post(f"/api/users/{uid}/unblock", json={"bot": BOT_ID}).raise_for_status()
    wait_until(lambda: _blocked_at(minhu.database, uid) is None, client, 15, "the unblock")
    resident.say("/help")
    resident.expect("帮助")
