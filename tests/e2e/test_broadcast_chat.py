"""An admin broadcasts through the chat, over HTTP: preview, send, progress edited to done."""

from __future__ import annotations

import httpx

from tests.e2e.test_resident_journey import register
from tests.support.e2e import BOT_ID, BotProcess, Chat
from tests.support.e2e_delivery import add_people, bot_message_counts


def test_an_admin_broadcasts_to_everyone_and_watches_it_finish(
    minhu: BotProcess, client: httpx.Client
) -> None:
    client.post("/api/users", json={"id": 619999, "first_name": "镇办老陈"}).raise_for_status()
    admin = Chat(client, 619999)  # MINHU_ADMIN_IDS of the e2e bot
    register(admin)
    ids = add_people(client, minhu.database, 1_500_000, 40)

    admin.say("/broadcast")
    admin.expect("发给谁")
    admin.press("全体居民")
    admin.expect("公告内容")
    admin.say("本周六上午九点，上强社区党群服务中心义诊，欢迎参加。")
    admin.expect("普通公告")
    admin.press("普通公告")
    summary = admin.expect("确认发送")
    assert "41" in summary["text"]  # 40 residents and the admin
    admin.press("确认发送")
    admin.expect("发送中")
    done = admin.expect("已发完", timeout=30)
    assert "41 / 41" in done["text"]
    counts = bot_message_counts(client)
    assert [counts.get(uid, 0) for uid in ids] == [1] * 40
    view = client.get(f"/api/chats/{ids[0]}/messages", params={"bot": BOT_ID}).json()
    assert "义诊" in view["messages"][-1]["text"]
