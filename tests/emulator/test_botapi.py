"""Bot API basics over real HTTP: getMe, tokens, long polling, webhooks, files, counters."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from bot.emulator import Emulator

from .conftest import OTHER_TOKEN, TOKEN, BotCaller, Client


async def test_get_me_and_tokens(bot: BotCaller, http: httpx.AsyncClient, emu: Emulator) -> None:
    me = await bot.ok("getMe")
    assert me == {
        "id": 123456,
        "is_bot": True,
        "first_name": "Minhu",
        "username": "minhu123456_bot",
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }
    resp = await http.get(f"{emu.bot_api_base}not-a-token/getMe")
    assert resp.status_code == 401
    assert resp.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    resp = await http.get(f"{emu.bot_api_base}123456:wrong-secret/getMe")
    assert resp.status_code == 401
    other = BotCaller(http, emu.bot_api_base, OTHER_TOKEN)
    assert (await other.ok("getMe"))["id"] == 654321


async def test_unknown_method_and_counters(bot: BotCaller, api: Client) -> None:
    body = await bot.error("sendTelepathy", 404)
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}
    await bot.ok("getme")  # method names are case-insensitive
    await bot.error("sendMessage", 400, chat_id=42, text="x")
    counters = await api.get("/api/counters", bot=123456)
    assert counters["methods"] == {"sendTelepathy": 1, "getMe": 1, "sendMessage": 1}
    assert counters["status"]["400"] == 1
    assert counters["status"]["404"] == 1
    assert counters["errors"][-1]["description"] == "Bad Request: chat not found"
    assert counters["error_counts"]["Bad Request: chat not found"] == 1
    everything = await api.get("/api/counters")
    assert everything["bots"]["123456"]["methods"]["getMe"] == 1
    await api.post("/api/counters/reset")
    assert (await api.get("/api/counters", bot=123456))["methods"] == {}


async def test_form_and_query_parameters(
    bot: BotCaller, api: Client, http: httpx.AsyncClient, emu: Emulator
) -> None:
    uid = await api.user()
    await api.say(uid, "/start")
    keyboard = json.dumps({"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]})
    resp = await http.post(
        f"{emu.bot_api_base}{TOKEN}/sendMessage",
        data={
            "chat_id": str(uid),
            "text": "<i>表单</i>",
            "parse_mode": "HTML",
            "reply_markup": keyboard,
        },
    )
    result = resp.json()["result"]
    assert result["entities"] == [{"type": "italic", "offset": 0, "length": 2}]
    assert result["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ok"
    resp = await http.get(f"{emu.bot_api_base}{TOKEN}/sendMessage?chat_id={uid}&text=query")
    assert resp.json()["result"]["text"] == "query"


async def poll_started(emu: Emulator, generation: int = 1) -> None:
    """Wait (event-driven, no sleeping) until the bot's getUpdates call is being served."""
    record = emu.state.bots[123456]
    assert await emu.state.notifier.wait_for(lambda: record.poll_generation >= generation, 10)


async def test_get_updates_long_poll_and_offset(bot: BotCaller, api: Client, emu: Emulator) -> None:
    uid = await api.user()
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.ok("getUpdates", timeout=20))
    await poll_started(emu)
    assert not poll.done()
    sent = await api.say(uid, "/start 邀请码")
    updates = await poll
    assert loop.time() - started < 10
    assert [u["update_id"] for u in updates] == [sent["update_id"]]
    message = updates[0]["message"]
    assert message["text"] == "/start 邀请码"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["chat"] == {"id": uid, "type": "private", "first_name": "张三"}
    # not confirmed yet: the same update again
    assert (await bot.ok("getUpdates"))[0]["update_id"] == sent["update_id"]
    # confirm; the queue stays confirmed for a restarted bot process too
    assert await bot.ok("getUpdates", offset=sent["update_id"] + 1) == []
    assert await bot.ok("getUpdates") == []
    second = await api.say(uid, "second")
    assert second["update_id"] == sent["update_id"] + 1
    got = await bot.ok("getUpdates", offset=-1)
    assert [u["update_id"] for u in got] == [second["update_id"]]


async def test_get_updates_timeout_and_allowed_updates(bot: BotCaller, api: Client) -> None:
    assert await bot.ok("getUpdates", timeout=0) == []
    uid = await api.user()
    await api.say(uid, "hello")
    assert await bot.ok("getUpdates", allowed_updates=["callback_query"]) == []
    await api.say(uid, "again")  # dropped: not subscribed
    assert await bot.ok("getUpdates", allowed_updates=[]) == []
    await api.say(uid, "third")
    assert [u["message"]["text"] for u in await bot.ok("getUpdates")] == ["third"]


async def test_second_poller_terminates_first(bot: BotCaller, emu: Emulator) -> None:
    first = asyncio.create_task(bot.call("getUpdates", timeout=20))
    await poll_started(emu)
    assert await bot.ok("getUpdates", timeout=0) == []
    resp = await first
    assert resp.status_code == 409
    assert resp.json()["description"].startswith("Conflict: terminated by other getUpdates")


class Receiver(RequestHandler):
    """Webhook receiver: records requests; answers with queued status codes."""

    def initialize(self, queue: asyncio.Queue[tuple[dict[str, Any], str | None]]) -> None:
        self.queue = queue

    def post(self) -> None:
        statuses: list[int] = self.application.settings["statuses"]
        self.queue.put_nowait(
            (
                json.loads(self.request.body),
                self.request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
            )
        )
        self.set_status(statuses.pop(0) if statuses else 200)
        self.finish("")


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, asyncio.Queue[Any], list[int]]]:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    statuses: list[int] = []
    sockets = bind_sockets(0, "127.0.0.1")
    server = HTTPServer(Application([(r"/hook", Receiver, {"queue": queue})], statuses=statuses))
    server.add_sockets(sockets)
    try:
        yield f"http://127.0.0.1:{sockets[0].getsockname()[1]}/hook", queue, statuses
    finally:
        server.stop()
        await server.close_all_connections()


async def test_webhook_delivery(
    bot: BotCaller, api: Client, receiver: tuple[str, asyncio.Queue[Any], list[int]]
) -> None:
    url, queue, statuses = receiver
    uid = await api.user()
    await api.say(uid, "queued before the webhook")
    statuses.append(500)  # the first delivery fails and is retried
    assert await bot.ok("setWebhook", url=url, secret_token="s3cret_-X") is True
    body = await bot.error("getUpdates", 409)
    assert body["description"].startswith("Conflict: can't use getUpdates method while webhook")
    first, secret = await asyncio.wait_for(queue.get(), 10)
    assert secret == "s3cret_-X"
    assert first["message"]["text"] == "queued before the webhook"
    again, _ = await asyncio.wait_for(queue.get(), 10)
    assert again == first
    await api.say(uid, "second")
    second, _ = await asyncio.wait_for(queue.get(), 10)
    assert second["message"]["text"] == "second"
    assert second["update_id"] == first["update_id"] + 1
    info = await bot.ok("getWebhookInfo")
    assert info["url"] == url
    assert info["last_error_message"].startswith("Wrong response from the webhook: 500")
    assert await bot.ok("deleteWebhook") is True
    assert (await bot.ok("getWebhookInfo"))["url"] == ""
    assert await bot.ok("getUpdates") == []


async def test_set_webhook_validation(bot: BotCaller) -> None:
    await bot.error("setWebhook", 400, url="http://127.0.0.1:1/x", secret_token="bad token!")
    await bot.error("setWebhook", 400, url="ftp://example.org")
    assert await bot.ok("setWebhook", url="", drop_pending_updates=True) is True


async def test_file_upload_get_file_and_download(
    bot: BotCaller, api: Client, http: httpx.AsyncClient, emu: Emulator
) -> None:
    uid = await api.user()
    await api.say(uid, "/start")
    png = (await http.get("/api/files/0/none")).status_code
    assert png == 404
    sent = await api.post(f"/api/users/{uid}/photos", caption="井盖坏了", width=200, height=100)
    sizes = sent["message"]["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [(90, 45), (200, 100)]
    updates = await bot.ok("getUpdates")
    photo = updates[-1]["message"]["photo"][-1]
    assert updates[-1]["message"]["caption"] == "井盖坏了"
    file = await bot.ok("getFile", file_id=photo["file_id"])
    assert file["file_size"] == photo["file_size"]
    resp = await http.get(f"{emu.file_base}{TOKEN}/{file['file_path']}")
    assert resp.status_code == 200
    assert resp.content.startswith(b"\x89PNG")
    assert resp.content == (await http.get(sizes[-1]["url"])).content
    # the bot re-sends the user's photo by file_id (e.g. to a grid worker)
    again = await bot.ok("sendPhoto", chat_id=uid, photo=photo["file_id"])
    assert again["photo"][-1]["file_id"] == photo["file_id"]
    # multipart upload by the bot
    resp = await http.post(
        f"{emu.bot_api_base}{TOKEN}/sendDocument",
        data={"chat_id": str(uid), "caption": "报告"},
        files={"document": ("report.txt", b"hello", "text/plain")},
    )
    doc = resp.json()["result"]["document"]
    assert doc["file_name"] == "report.txt" and doc["file_size"] == 5
    file = await bot.ok("getFile", file_id=doc["file_id"])
    assert (await http.get(f"{emu.file_base}{TOKEN}/{file['file_path']}")).content == b"hello"
    await bot.error("getFile", 400, file_id="nope")
    await bot.error("sendPhoto", 400, chat_id=uid, photo="unknown-file-id")
    await bot.error("sendPhoto", 400, chat_id=uid, photo=doc["file_id"])
    url_photo = await bot.ok("sendPhoto", chat_id=uid, photo="https://example.org/a.jpg")
    assert url_photo["photo"][-1]["width"] == 800


async def test_media_group_location_edit_delete(bot: BotCaller, api: Client) -> None:
    uid = await api.user()
    await api.say(uid, "/start")
    media = [
        {
            "type": "photo",
            "media": "https://example.org/1.jpg",
            "caption": "<b>一</b>",
            "parse_mode": "HTML",
        },
        {"type": "photo", "media": "https://example.org/2.jpg"},
    ]
    album = await bot.ok("sendMediaGroup", chat_id=uid, media=media)
    assert len(album) == 2 and album[0]["media_group_id"] == album[1]["media_group_id"]
    assert album[0]["caption_entities"] == [{"type": "bold", "offset": 0, "length": 1}]
    await bot.error("sendMediaGroup", 400, chat_id=uid, media=media[:1])
    loc = await bot.ok("sendLocation", chat_id=uid, latitude=30.7, longitude=119.95)
    assert loc["location"] == {"latitude": 30.7, "longitude": 119.95}
    await bot.error("sendLocation", 400, chat_id=uid, latitude=91, longitude=0)
    msg = await bot.ok("sendMessage", chat_id=uid, text="v1")
    edited = await bot.ok("editMessageText", chat_id=uid, message_id=msg["message_id"], text="v2")
    assert edited["text"] == "v2" and "edit_date" in edited
    cap = await bot.ok(
        "editMessageCaption", chat_id=uid, message_id=album[1]["message_id"], caption="新"
    )
    assert cap["caption"] == "新"
    assert await bot.ok("deleteMessage", chat_id=uid, message_id=msg["message_id"]) is True
    body = await bot.error("deleteMessage", 400, chat_id=uid, message_id=msg["message_id"])
    assert body["description"] == "Bad Request: message to delete not found"
    body = await bot.error("editMessageText", 400, chat_id=uid, message_id=999, text="x")
    assert body["description"] == "Bad Request: message to edit not found"
    assert await bot.ok("sendChatAction", chat_id=uid, action="typing") is True
    await bot.error("sendChatAction", 400, chat_id=uid, action="dancing")
    view = await api.get(f"/api/chats/{uid}/messages", after_seq=0)
    deleted = [m for m in view["messages"] if m["message_id"] == msg["message_id"]]
    assert deleted[0]["deleted"] is True and deleted[0]["edited"] is True


async def test_commands_scopes_and_chat_info(bot: BotCaller, api: Client) -> None:
    uid = await api.user()
    await api.say(uid, "/start")
    zh = [{"command": "report", "description": "上报问题"}]
    en = [{"command": "report", "description": "Report an issue"}]
    admin = [{"command": "admin", "description": "管理"}]
    await bot.ok("setMyCommands", commands=en)
    await bot.ok("setMyCommands", commands=zh, language_code="zh")
    await bot.ok("setMyCommands", commands=admin, scope={"type": "chat", "chat_id": uid})
    assert await bot.ok("getMyCommands") == en
    assert await bot.ok("getMyCommands", language_code="zh") == zh
    assert await bot.ok("getMyCommands", scope={"type": "all_private_chats"}) == []
    assert await bot.ok("getMyCommands", scope={"type": "chat", "chat_id": uid}) == admin
    await bot.error("setMyCommands", 400, commands=[{"command": "Bad Cmd", "description": "x"}])
    await bot.error("setMyCommands", 400, commands=en, language_code="zh-CN")
    await bot.error("setMyCommands", 400, commands=en, scope={"type": "chat", "chat_id": 1})
    assert (await api.get(f"/api/users/{uid}/commands"))["commands"] == admin
    other = await api.user("Li", "zh-CN")
    assert (await api.get(f"/api/users/{other}/commands"))["commands"] == zh
    third = await api.user("Bob", "en")
    assert (await api.get(f"/api/users/{third}/commands"))["commands"] == en
    await bot.ok("deleteMyCommands", scope={"type": "chat", "chat_id": uid})
    assert (await api.get(f"/api/users/{uid}/commands"))["commands"] == zh
    await bot.ok("setChatMenuButton", menu_button={"type": "commands"})
    assert await bot.ok("getChatMenuButton", chat_id=uid) == {"type": "commands"}
    chat = await bot.ok("getChat", chat_id=uid)
    assert chat["type"] == "private" and chat["first_name"] == "张三"
    member = await bot.ok("getChatMember", chat_id=uid, user_id=uid)
    assert member["status"] == "member"


async def test_explicit_entities_copy_and_forward(bot: BotCaller, api: Client) -> None:
    resident = await api.user("居民")
    worker = await api.user("网格员")
    for uid in (resident, worker):
        await api.say(uid, "/start")
    report = await api.post(f"/api/users/{resident}/photos", caption="路灯坏了")
    entities = [{"type": "bold", "offset": 0, "length": 2}]
    msg = await bot.ok("sendMessage", chat_id=worker, text="新的上报", entities=entities)
    assert msg["entities"] == entities
    await bot.error("sendMessage", 400, chat_id=worker, text="x", entities=[{"type": "bold"}])
    copied = await bot.ok(
        "copyMessage",
        chat_id=worker,
        from_chat_id=resident,
        message_id=report["message"]["message_id"],
    )
    view = await api.get(f"/api/chats/{worker}/messages", after_seq=msg["message_id"])
    copy = next(m for m in view["messages"] if m["message_id"] == copied["message_id"])
    assert copy["caption"] == "路灯坏了" and copy["from_bot"] is True
    forwarded = await bot.ok(
        "forwardMessage",
        chat_id=worker,
        from_chat_id=resident,
        message_id=report["message"]["message_id"],
    )
    assert forwarded["forward_origin"]["sender_user"]["id"] == resident
    await bot.error("copyMessage", 400, chat_id=worker, from_chat_id=resident, message_id=99)
