"""The client API: users acting on the bot, callbacks, long-polled messages and events."""

from __future__ import annotations

import asyncio

import httpx

from bot.emulator import Emulator

from .conftest import OTHER_TOKEN, BotCaller, Client


async def test_bots_and_users(api: Client, http: httpx.AsyncClient) -> None:
    bots = await api.get("/api/bots")
    assert bots["default"] == 123456
    assert bots["bots"][0]["username"] == "minhu123456_bot"
    created = await api.post("/api/bots", token=OTHER_TOKEN, first_name="Echo", username="echo_bot")
    assert created["bot"]["username"] == "echo_bot"
    await api.post("/api/bots", 400, token="bad")
    await api.post("/api/bots", 400, token="654321:different")
    user = (
        await api.post("/api/users", first_name="王五", username="wangwu", language_code="zh-CN")
    )["user"]
    assert user == {
        "id": 100001,
        "is_bot": False,
        "first_name": "王五",
        "username": "wangwu",
        "language_code": "zh-CN",
    }
    fixed = (await api.post("/api/users", id=777, first_name="Admin", language_code="en"))["user"]
    assert fixed["id"] == 777
    assert (await api.post("/api/users", first_name="Next"))["user"]["id"] == 100002
    await api.post("/api/users", 400, last_name="no first name")
    assert len((await api.get("/api/users"))["users"]) == 3
    assert (await api.get("/api/users/777"))["blocked"] is False
    body = await api.get("/api/users/5", 404)
    assert body == {"ok": False, "error": "unknown user 5"}
    await api.post("/api/users/777/messages", 404, text="hi", bot=999)


async def test_messages_wait_returns_when_bot_replies(bot: BotCaller, api: Client) -> None:
    uid = await api.user()
    sent = await api.say(uid, "/start")
    seq = sent["message"]["seq"]
    waiter = asyncio.create_task(
        api.get(f"/api/chats/{uid}/messages", after_seq=seq, wait=20, min_bot=2)
    )
    await asyncio.sleep(0)
    await bot.ok("sendMessage", chat_id=uid, text="one")
    await asyncio.sleep(0)
    assert not waiter.done()  # min_bot=2: still waiting
    await bot.ok("sendMessage", chat_id=uid, text="<b>two</b>", parse_mode="HTML")
    result = await asyncio.wait_for(waiter, 10)
    assert result["timed_out"] is False
    assert [m["text"] for m in result["messages"]] == ["one", "two"]
    assert result["messages"][1]["html"] == "<b>two</b>"
    assert result["seq"] == result["messages"][-1]["seq"]
    # nothing new: times out (wait=0 answers at once)
    empty = await api.get(f"/api/chats/{uid}/messages", after_seq=result["seq"])
    assert empty["messages"] == [] and empty["seq"] == result["seq"]
    # edits and deletes show up as changes after the seq
    first = result["messages"][0]
    await bot.ok("editMessageText", chat_id=uid, message_id=first["message_id"], text="一")
    changed = await api.get(f"/api/chats/{uid}/messages", after_seq=result["seq"], wait=5)
    assert changed["messages"][0]["text"] == "一" and changed["messages"][0]["edited"] is True


async def test_callback_press_checks_buttons(bot: BotCaller, api: Client) -> None:
    uid = await api.user()
    await api.say(uid, "/start")
    markup = {"inline_keyboard": [[{"text": "确认", "callback_data": "confirm:1"}]]}
    msg = await bot.ok("sendMessage", chat_id=uid, text="确认?", reply_markup=markup)
    await bot.ok("getUpdates", offset=10**6)
    path = f"/api/users/{uid}/callback"
    bad = await api.post(path, 400, message_id=msg["message_id"], data="confirm:2")
    assert "no inline button" in bad["error"]
    await api.post(path, 400, message_id=999, data="confirm:1")
    pressed = await api.post(path, message_id=msg["message_id"], data="confirm:1")
    query_id = pressed["callback_query_id"]
    updates = await bot.ok("getUpdates")
    query = updates[-1]["callback_query"]
    assert query["id"] == query_id and query["data"] == "confirm:1"
    assert query["message"]["message_id"] == msg["message_id"]
    assert query["from"]["id"] == uid
    waiter = asyncio.create_task(api.get(f"/api/callbacks/{query_id}", wait=20))
    await asyncio.sleep(0)
    assert await bot.ok(
        "answerCallbackQuery", callback_query_id=query_id, text="已确认", show_alert=True
    )
    answer = (await asyncio.wait_for(waiter, 10))["callback"]
    assert (
        answer["answered"] is True and answer["text"] == "已确认" and answer["show_alert"] is True
    )
    body = await bot.error("answerCallbackQuery", 400, callback_query_id=query_id)
    assert "query is too old" in body["description"]
    await bot.error("answerCallbackQuery", 400, callback_query_id="12345")
    # crafted payloads / stale buttons only with forge
    forged = await api.post(path, message_id=999, data="admin:delete_all", forge=True)
    updates = await bot.ok("getUpdates", offset=updates[-1]["update_id"] + 1)
    stale = updates[-1]["callback_query"]
    assert stale["id"] == forged["callback_query_id"]
    assert stale["message"]["date"] == 0 and stale["message"]["message_id"] == 999
    await bot.ok("editMessageReplyMarkup", chat_id=uid, message_id=msg["message_id"])
    await api.post(path, 400, message_id=msg["message_id"], data="confirm:1")
    unanswered = await api.get(f"/api/callbacks/{forged['callback_query_id']}", wait=0)
    assert unanswered["callback"]["answered"] is False


async def test_user_media_and_contact(bot: BotCaller, api: Client, http: httpx.AsyncClient) -> None:
    uid = await api.user()
    png = (await http.get("/static/index.html")).status_code
    assert png == 200
    loc = await api.post(f"/api/users/{uid}/location", latitude=30.7, longitude=119.95)
    assert loc["message"]["location"] == {"latitude": 30.7, "longitude": 119.95}
    await api.post(f"/api/users/{uid}/location", 400, latitude=100, longitude=0)
    contact = await api.post(f"/api/users/{uid}/contact", phone_number="+8613800000000")
    assert contact["message"]["contact"]["user_id"] == uid
    await api.post(f"/api/users/{uid}/sticker", emoji="🐱")
    await api.post(f"/api/users/{uid}/voice", duration=4)
    image = (
        await http.get((await api.post(f"/api/users/{uid}/photos"))["message"]["photo"][-1]["url"])
    ).content
    resp = await http.post(
        f"/api/users/{uid}/photos",
        data={"caption": "上传"},
        files={"photo": ("a.png", image, "image/png")},
    )
    assert resp.json()["message"]["caption"] == "上传"
    resp = await http.post(
        f"/api/users/{uid}/photos", files={"photo": ("a.txt", b"text", "text/plain")}
    )
    assert resp.status_code == 400
    doc = await api.post(f"/api/users/{uid}/documents", file_name="a.txt", content="内容")
    assert doc["message"]["document"]["file_name"] == "a.txt"
    updates = await bot.ok("getUpdates")
    kinds = [
        next(
            k
            for k in u["message"]
            if k in ("location", "contact", "sticker", "voice", "photo", "document")
        )
        for u in updates
    ]
    assert kinds == ["location", "contact", "sticker", "voice", "photo", "photo", "document"]
    voice = updates[3]["message"]["voice"]
    assert (await bot.ok("getFile", file_id=voice["file_id"]))["file_path"].endswith(".oga")


async def test_groups_channels_and_events(bot: BotCaller, api: Client) -> None:
    resident = await api.user("居民")
    worker = await api.user("网格员")
    await api.say(resident, "/start")
    channel = (
        await api.post(
            "/api/chats",
            type="channel",
            title="社区公告",
            members=[resident, worker],
            username="notice",
        )
    )["chat"]
    group = (await api.post("/api/chats", type="group", title="网格群", members=[worker]))["chat"]
    updates = await bot.ok("getUpdates")
    statuses = [
        u["my_chat_member"]["new_chat_member"]["status"] for u in updates if "my_chat_member" in u
    ]
    assert statuses == ["administrator", "member"]
    start = (await api.get("/api/events"))["seq"]
    waiter = asyncio.create_task(api.get("/api/events", after_seq=start, timeout=20))
    await asyncio.sleep(0)
    post = await bot.ok("sendMessage", chat_id="@notice", text="停水通知")
    assert post["sender_chat"]["id"] == channel["id"] and "from" not in post
    events = (await asyncio.wait_for(waiter, 10))["events"]
    assert events[0]["chat_id"] == channel["id"] and events[0]["message"]["text"] == "停水通知"
    chats = (await api.get("/api/chats", user_id=resident))["chats"]
    assert {c["id"] for c in chats} == {resident, channel["id"]}
    worker_chats = (await api.get("/api/chats", user_id=worker))["chats"]
    assert {c["id"] for c in worker_chats} == {channel["id"], group["id"]}
    await api.post(f"/api/users/{resident}/messages", 400, text="x", chat_id=channel["id"])
    await api.post(f"/api/users/{resident}/messages", 400, text="x", chat_id=group["id"])
    said = await api.post(f"/api/users/{worker}/messages", text="收到 /ok", chat_id=group["id"])
    assert said["message"]["entities"] == [{"type": "bot_command", "offset": 3, "length": 3}]
    await api.post(f"/api/chats/{group['id']}/members", user_ids=[resident])
    await api.post(f"/api/users/{resident}/messages", text="我也在", chat_id=group["id"])
    member = await bot.ok("getChatMember", chat_id=group["id"], user_id=resident)
    assert member["status"] == "member"
    messages = (await api.get(f"/api/chats/{group['id']}/messages"))["messages"]
    assert [m["text"] for m in messages] == ["收到 /ok", "我也在"]


async def test_reset_keeps_bots(bot: BotCaller, api: Client, emu: Emulator) -> None:
    uid = await api.user()
    await api.say(uid, "/start")
    await api.post("/api/reset")
    assert (await api.get("/api/users"))["users"] == []
    assert await bot.ok("getUpdates") == []
    assert (await api.get("/api/bots"))["default"] == 123456
    assert emu.state.seq > 0
    pending = await api.get("/api/updates")
    assert pending["updates"] == []


async def test_chat_page_served(http: httpx.AsyncClient) -> None:
    page = (await http.get("/")).text
    for testid in (
        "new-user-name",
        "new-user-lang",
        "new-user-create",
        "composer-input",
        "composer-send",
        "photo-input",
        "send-location",
    ):
        assert f'data-testid="{testid}"' in page
    script = (await http.get("/static/app.js")).text
    for testid in ("user-tab", "message", "inline-button", "reply-button"):
        assert f'"{testid}"' in script
    css = await http.get("/static/style.css")
    assert "Noto Sans CJK SC" in css.text
