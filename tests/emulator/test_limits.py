"""Telegram's limits enforced by the emulator, and switching each of them off."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import BotCaller, Client, FakeClock


@pytest.fixture
async def uid(api: Client) -> int:
    """A user who started the bot."""
    user = await api.user()
    await api.say(user, "/start")
    return user


async def test_text_length_counts_visible_utf16(bot: BotCaller, uid: int, api: Client) -> None:
    visible = "字" * 4096
    result = await bot.ok("sendMessage", chat_id=uid, text=f"<b>{visible}</b>", parse_mode="HTML")
    assert result["entities"] == [{"type": "bold", "offset": 0, "length": 4096}]
    body = await bot.error("sendMessage", 400, chat_id=uid, text="a" * 4097)
    assert body["description"] == "Bad Request: message is too long"
    tagged = "<i>" + "a" * 4000 + "</i>" + "&amp;" * 97
    await bot.error("sendMessage", 400, chat_id=uid, text=tagged, parse_mode="HTML")
    await bot.ok("sendMessage", chat_id=uid, text="😀" * 2048)  # 4096 UTF-16 units
    await bot.error("sendMessage", 400, chat_id=uid, text="😀" * 2049)
    body = await bot.error("sendMessage", 400, chat_id=uid, text="  ")
    assert body["description"] == "Bad Request: message text is empty"
    body = await bot.error("sendMessage", 400, chat_id=uid, text="<b></b>", parse_mode="HTML")
    assert body["description"] == "Bad Request: message text is empty"
    await bot.error("sendMessage", 400, chat_id=uid)
    await api.post("/api/config", max_text=5000)
    await bot.ok("sendMessage", chat_id=uid, text="a" * 4097)


async def test_caption_length(bot: BotCaller, uid: int, api: Client) -> None:
    photo = "https://example.org/p.jpg"
    await bot.ok("sendPhoto", chat_id=uid, photo=photo, caption="c" * 1024)
    body = await bot.error("sendPhoto", 400, chat_id=uid, photo=photo, caption="c" * 1025)
    assert body["description"] == "Bad Request: message caption is too long"
    await api.post("/api/config", max_caption=2048)
    await bot.ok("sendPhoto", chat_id=uid, photo=photo, caption="c" * 1025)


def inline(data: str) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": "按钮", "callback_data": data}]]}


async def test_an_inline_keyboard_holds_at_most_100_buttons(bot: BotCaller, uid: int) -> None:
    def rows(n: int) -> dict[str, Any]:
        buttons = [{"text": str(i), "callback_data": f"b{i}"} for i in range(n)]
        return {"inline_keyboard": [buttons[i : i + 2] for i in range(0, n, 2)]}

    await bot.ok("sendMessage", chat_id=uid, text="ok", reply_markup=rows(100))
    body = await bot.error("sendMessage", 400, chat_id=uid, text="x", reply_markup=rows(101))
    assert body["description"] == "Bad Request: reply markup is too long"


async def test_callback_data_bytes(bot: BotCaller, uid: int, api: Client) -> None:
    await bot.ok("sendMessage", chat_id=uid, text="ok", reply_markup=inline("审" * 21))
    body = await bot.error(
        "sendMessage", 400, chat_id=uid, text="x", reply_markup=inline("审" * 22)
    )
    assert body["description"] == "Bad Request: BUTTON_DATA_INVALID"
    await bot.error("sendMessage", 400, chat_id=uid, text="x", reply_markup=inline(""))
    await api.post("/api/config", max_callback_data=128)
    await bot.ok("sendMessage", chat_id=uid, text="ok", reply_markup=inline("审" * 22))


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("1 < 2", 'Character "<" must be escaped'),
        ("a > b", 'Character ">" must be escaped'),
        ("Tom & Jerry", 'Character "&" must be escaped'),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;"'),
        ("&#xD800;", "Invalid character reference"),
        ("x</b>", "Unexpected end tag"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
        ('<a href="https://x.org">x', "Can't find end tag"),
    ],
)
async def test_bad_html_rejected(
    bot: BotCaller, uid: int, api: Client, html: str, reason: str
) -> None:
    body = await bot.error("sendMessage", 400, chat_id=uid, text=html, parse_mode="HTML")
    assert body["description"].startswith("Bad Request: can't parse entities: ")
    assert reason in body["description"]
    await api.post("/api/config", strict_html=False)
    await bot.ok("sendMessage", chat_id=uid, text=html, parse_mode="HTML")


async def test_good_html_entities(bot: BotCaller, uid: int) -> None:
    html = (
        "<b>粗</b><strong>s</strong><i>i</i><u>u</u><s>s</s><tg-spoiler>p</tg-spoiler>"
        '<span class="tg-spoiler">q</span><a href="https://example.org/?a=1&amp;b=2">链</a>'
        '<code>c</code><pre><code class="language-python">print(1)</code></pre>'
        "<blockquote expandable>引用</blockquote>&lt;&gt;&quot;&#20013;&#x1F600;"
    )
    result = await bot.ok("sendMessage", chat_id=uid, text=html, parse_mode="HTML")
    assert result["text"] == '粗siuspq链cprint(1)引用<>"中😀'
    types = [(e["type"], e["offset"], e["length"]) for e in result["entities"]]
    assert types == [
        ("bold", 0, 1),
        ("bold", 1, 1),
        ("italic", 2, 1),
        ("underline", 3, 1),
        ("strikethrough", 4, 1),
        ("spoiler", 5, 1),
        ("spoiler", 6, 1),
        ("text_link", 7, 1),
        ("code", 8, 1),
        ("pre", 9, 8),
        ("expandable_blockquote", 17, 2),
    ]
    assert result["entities"][7]["url"] == "https://example.org/?a=1&b=2"
    assert result["entities"][9]["language"] == "python"


@pytest.mark.parametrize(
    "markup",
    [
        {"inline_keyboard": [{"text": "a", "callback_data": "a"}]},
        {"inline_keyboard": [[{"text": "no action"}]]},
        {"inline_keyboard": [[{"text": "two", "callback_data": "a", "url": "https://x.org"}]]},
        {"inline_keyboard": [[{"text": "", "callback_data": "a"}]]},
        {"inline_keyboard": [[{"text": "bad url", "url": "javascript:alert(1)"}]]},
        {"inline_keyboard": "nope"},
        {"keyboard": []},
        {"keyboard": "abc"},
        {"keyboard": [[{"text": ""}]]},
        {"keyboard": [[{"text": "x", "request_location": True, "request_contact": True}]]},
        {"remove_keyboard": False},
        {"something": True},
        [1, 2],
    ],
)
async def test_malformed_keyboards(bot: BotCaller, uid: int, markup: Any) -> None:
    body = await bot.error("sendMessage", 400, chat_id=uid, text="x", reply_markup=markup)
    assert body["description"].startswith("Bad Request: ")


async def test_reply_keyboards_accepted(bot: BotCaller, uid: int, api: Client) -> None:
    keyboard = {
        "keyboard": [["文字"], [{"text": "发送位置", "request_location": True}]],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }
    result = await bot.ok("sendMessage", chat_id=uid, text="选", reply_markup=keyboard)
    assert "reply_markup" not in result  # Telegram only echoes inline keyboards
    view = await api.get(f"/api/chats/{uid}/messages", after_seq=0)
    assert view["reply_keyboard"]["keyboard"][0] == [{"text": "文字"}]
    await api.say(uid, "文字")  # one-time keyboard hides after use
    assert (await api.get(f"/api/chats/{uid}"))["chat"]["reply_keyboard"] is None
    await bot.ok("sendMessage", chat_id=uid, text="x", reply_markup={"force_reply": True})
    await bot.ok("sendMessage", chat_id=uid, text="x", reply_markup={"remove_keyboard": True})


async def test_not_modified(bot: BotCaller, uid: int) -> None:
    markup = inline("a")
    msg = await bot.ok(
        "sendMessage", chat_id=uid, text="<b>x</b>", parse_mode="HTML", reply_markup=markup
    )
    args = {"chat_id": uid, "message_id": msg["message_id"]}
    body = await bot.error(
        "editMessageText", 400, text="<b>x</b>", parse_mode="HTML", reply_markup=markup, **args
    )
    assert body["description"] == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    # same text, keyboard dropped: modified (Telegram removes the keyboard)
    edited = await bot.ok("editMessageText", text="<b>x</b>", parse_mode="HTML", **args)
    assert "reply_markup" not in edited
    await bot.error("editMessageReplyMarkup", 400, **args)
    await bot.ok("editMessageReplyMarkup", reply_markup=markup, **args)
    await bot.error("editMessageReplyMarkup", 400, reply_markup=markup, **args)
    await bot.error("editMessageText", 400, text="x", reply_markup={"keyboard": [["a"]]}, **args)


async def test_blocked_and_unknown_chats(bot: BotCaller, uid: int, api: Client) -> None:
    msg = await bot.ok("sendMessage", chat_id=uid, text="hi")
    await api.post(f"/api/users/{uid}/block")
    updates = await bot.ok("getUpdates")
    change = updates[-1]["my_chat_member"]
    assert change["new_chat_member"]["status"] == "kicked"
    assert change["old_chat_member"]["status"] == "member"
    body = await bot.error("sendMessage", 403, chat_id=uid, text="hi")
    assert body["description"] == "Forbidden: bot was blocked by the user"
    await bot.error("sendPhoto", 403, chat_id=uid, photo="https://example.org/a.png")
    await bot.error("editMessageText", 403, chat_id=uid, message_id=msg["message_id"], text="y")
    await bot.error("sendChatAction", 403, chat_id=uid, action="typing")
    await api.post(f"/api/users/{uid}/messages", 400, text="blocked users cannot write")
    await api.post(f"/api/users/{uid}/unblock")
    await bot.ok("sendMessage", chat_id=uid, text="welcome back")
    stranger = await api.user("Never started")
    body = await bot.error("sendMessage", 400, chat_id=stranger, text="hi")
    assert body["description"] == "Bad Request: chat not found"
    await bot.error("sendMessage", 400, chat_id="@nochannel", text="hi")
    counters = await api.get("/api/counters", bot=123456)
    assert counters["status"]["403"] == 4


async def test_flood_overall(bot: BotCaller, api: Client, clock: FakeClock) -> None:
    users = [await api.user(f"u{i}") for i in range(2)]
    for user in users:
        await api.say(user, "/start")
    for i in range(30):
        await bot.ok("sendMessage", chat_id=users[i % 2], text=f"m{i}")
    body = await bot.error("sendMessage", 429, chat_id=users[0], text="31st")
    assert body["description"] == "Too Many Requests: retry after 1"
    assert body["parameters"] == {"retry_after": 1}
    clock.advance(1 / 30)  # exactly one token back
    await bot.ok("sendMessage", chat_id=users[1], text="after one token")
    await bot.error("sendMessage", 429, chat_id=users[1], text="again")
    # calls that do not produce messages are never limited
    await bot.ok("getMe")
    await bot.ok("sendChatAction", chat_id=users[0], action="typing")
    await bot.ok("getUpdates")
    counters = await api.get("/api/counters", bot=123456)
    assert counters["status"]["429"] == 2


async def test_flood_private_chat(bot: BotCaller, uid: int, clock: FakeClock) -> None:
    for i in range(20):
        await bot.ok("sendMessage", chat_id=uid, text=f"m{i}")
    body = await bot.error("sendMessage", 429, chat_id=uid, text="21st")
    assert body["parameters"]["retry_after"] == 1
    clock.advance(0.5)
    await bot.error("sendMessage", 429, chat_id=uid, text="still too early")
    clock.advance(0.5)  # rejected calls consumed nothing: one token after 1 s
    msg = await bot.ok("sendMessage", chat_id=uid, text="ok")
    await bot.error("editMessageText", 429, chat_id=uid, message_id=msg["message_id"], text="e")
    assert await bot.ok("deleteMessage", chat_id=uid, message_id=msg["message_id"]) is True


async def test_flood_group_and_media_group(bot: BotCaller, api: Client, clock: FakeClock) -> None:
    uid = await api.user()
    chat = (await api.post("/api/chats", type="supergroup", title="三村网格", members=[uid]))[
        "chat"
    ]
    assert str(chat["id"]).startswith("-100")
    media = [{"type": "photo", "media": f"https://example.org/{i}.jpg"} for i in range(10)]
    await bot.ok("sendMediaGroup", chat_id=chat["id"], media=media)  # counts 10
    for i in range(10):
        await bot.ok("sendMessage", chat_id=chat["id"], text=f"m{i}")
    body = await bot.error("sendMessage", 429, chat_id=chat["id"], text="21st in a minute")
    assert body["parameters"]["retry_after"] == 3
    clock.advance(3)
    await bot.ok("sendMessage", chat_id=chat["id"], text="ok again")
    await bot.error("sendMediaGroup", 429, chat_id=chat["id"], media=media[:2])


async def test_flood_control_switch(bot: BotCaller, uid: int, api: Client) -> None:
    resp = await api.http.patch("/api/config", json={"flood_control": False})
    assert resp.json()["config"]["flood_control"] is False
    for i in range(40):
        await bot.ok("sendMessage", chat_id=uid, text=f"m{i}")
    await api.post("/api/config", flood_control=True, private_burst=100)
    await bot.ok("sendMessage", chat_id=uid, text="burst raised")
    body = await api.post("/api/config", 400, flood_control="yes")
    assert body == {"ok": False, "error": "flood_control must be a boolean"}
    await api.post("/api/config", 400, nonsense=1)
    await api.post("/api/config", 400, port=1)
    assert (await api.get("/api/config"))["config"]["private_burst"] == 100
