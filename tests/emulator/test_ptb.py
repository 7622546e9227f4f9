"""python-telegram-bot 22 against the emulator: every object the emulator returns must parse."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    ChatFullInfo,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    MenuButtonCommands,
    Message,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, RetryAfter
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.emulator import Emulator
from bot.emulator.media import make_png

from .conftest import TOKEN, Client


def make_bot(emu: Emulator) -> Bot:
    """A PTB Bot pointed at the emulator."""
    return Bot(TOKEN, base_url=emu.bot_api_base, base_file_url=emu.file_base)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_ptb_bot_methods(emu: Emulator, api: Client) -> None:
    async with make_bot(emu) as tg:
        assert tg.username == "minhu123456_bot"
        uid = await api.user()
        await api.say(uid, "/start")
        updates = await tg.get_updates(timeout=5)
        start = updates[0].message
        assert start is not None and start.text == "/start"
        assert start.entities[0].type == MessageEntity.BOT_COMMAND
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("好的", callback_data="ok")]])
        msg = await tg.send_message(
            uid,
            "<b>你好</b> <a href='https://example.org'>链接</a>",
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard,
            reply_parameters=ReplyParameters(start.message_id),
        )
        assert msg.text == "你好 链接"
        assert [e.type for e in msg.entities] == [MessageEntity.BOLD, MessageEntity.TEXT_LINK]
        assert msg.reply_to_message is not None and msg.reply_to_message.text == "/start"
        assert msg.reply_markup == keyboard
        edited = await msg.edit_text("已处理", reply_markup=keyboard)
        assert isinstance(edited, Message) and edited.edit_date is not None
        with pytest.raises(BadRequest, match="not modified"):
            await edited.edit_text("已处理", reply_markup=keyboard)

        pressed = await api.post(f"/api/users/{uid}/callback", message_id=msg.message_id, data="ok")
        updates = await tg.get_updates(offset=updates[-1].update_id + 1, timeout=5)
        query = updates[-1].callback_query
        assert query is not None and query.data == "ok" and query.id == pressed["callback_query_id"]
        assert await query.answer("收到", show_alert=True)

        photo = await tg.send_photo(
            uid, make_png(120, 60), caption="<i>照片</i>", parse_mode="HTML"
        )
        assert photo.photo[-1].width == 120 and photo.caption == "照片"
        file = await tg.get_file(photo.photo[-1].file_id)
        assert bytes(await file.download_as_bytearray()).startswith(b"\x89PNG")
        album = await tg.send_media_group(
            uid,
            [InputMediaPhoto(make_png(30, 30)), InputMediaPhoto(make_png(40, 40), caption="二")],
        )
        assert len(album) == 2 and album[1].caption == "二"
        doc = await tg.send_document(uid, b"report", filename="r.txt")
        assert doc.document is not None and doc.document.file_name == "r.txt"
        loc = await tg.send_location(uid, 30.7, 119.95)
        assert loc.location is not None and loc.location.latitude == 30.7
        reply_kb = ReplyKeyboardMarkup(
            [[KeyboardButton("定位", request_location=True)]], one_time_keyboard=True
        )
        await tg.send_message(uid, "请发送位置", reply_markup=reply_kb)
        assert await tg.delete_message(uid, loc.message_id)

        commands = [BotCommand("report", "上报")]
        scope = BotCommandScopeChat(uid)
        assert await tg.set_my_commands(commands, scope=scope, language_code="zh")
        assert await tg.get_my_commands(scope=scope, language_code="zh") == tuple(commands)
        assert await tg.set_chat_menu_button(menu_button=MenuButtonCommands())
        assert isinstance(await tg.get_chat_menu_button(), MenuButtonCommands)
        chat = await tg.get_chat(uid)
        assert isinstance(chat, ChatFullInfo) and chat.first_name == "张三"

        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await tg.send_message(uid, "<div>x</div>", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="Chat not found"):
            await tg.send_message(424242, "x")

        await api.post("/api/config", private_burst=1, private_rate=0.5)
        await tg.send_message(uid, "one")
        with pytest.raises(RetryAfter):
            await tg.send_message(uid, "two")
        await api.post("/api/config", flood_control=False)

        assert await tg.set_webhook("http://127.0.0.1:9/hook", secret_token="abc")
        info = await tg.get_webhook_info()
        assert info.url == "http://127.0.0.1:9/hook"
        with pytest.raises(Conflict):
            await tg.get_updates()
        assert await tg.delete_webhook()

        await api.post(f"/api/users/{uid}/block")
        with pytest.raises(Forbidden, match="blocked"):
            await tg.send_message(uid, "x")
        updates = await tg.get_updates(offset=updates[-1].update_id + 1)
        change = updates[-1].my_chat_member
        assert change is not None and change.new_chat_member.status == "kicked"


async def test_ptb_application_polling(emu: Emulator, api: Client) -> None:
    """A tiny PTB application (polling) answers users through the emulator."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ping", callback_data="ping")]])
        await update.effective_message.reply_text("欢迎 / welcome", reply_markup=keyboard)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        await update.effective_message.reply_text(update.effective_message.text)

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("pong")
        await update.callback_query.edit_message_text("pong!")

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(emu.bot_api_base)
        .base_file_url(emu.file_base)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(button))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=10)
        try:
            uid = await api.user()
            sent = await api.say(uid, "/start")
            seq = sent["message"]["seq"]
            reply = await api.get(f"/api/chats/{uid}/messages", after_seq=seq, wait=10)
            welcome = reply["messages"][0]
            assert welcome["text"] == "欢迎 / welcome" and welcome["from_bot"] is True
            sent = await api.say(uid, "你好")
            reply = await api.get(
                f"/api/chats/{uid}/messages", after_seq=sent["message"]["seq"], wait=10
            )
            assert [m["text"] for m in reply["messages"] if m["from_bot"]] == ["你好"]
            pressed = await api.post(
                f"/api/users/{uid}/callback", message_id=welcome["message_id"], data="ping"
            )
            answer = await api.get(f"/api/callbacks/{pressed['callback_query_id']}", wait=10)
            assert answer["callback"]["text"] == "pong"
            edited = await api.get(f"/api/chats/{uid}/messages", after_seq=reply["seq"], wait=10)
            assert edited["messages"][0]["text"] == "pong!" and edited["messages"][0]["edited"]
        finally:
            await app.updater.stop()
            await app.stop()
