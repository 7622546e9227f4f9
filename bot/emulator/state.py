"""In-memory model of the emulator: bots, users, chats, messages, files, callbacks, updates."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .limits import FloodControl
from .media import FileRec, extension_for, thumb_dims
from .models import BotRec, CallbackRec, ChatRec, MessageRec, UserRec

__all__ = [
    "BotRec",
    "CallbackRec",
    "ChatRec",
    "MessageRec",
    "Notifier",
    "State",
    "UserRec",
]

FILE_PREFIX = {"photo": "AgAC", "document": "BQAC", "voice": "AwAC", "sticker": "CAAC"}


class Notifier:
    """Wakes every waiter on each state change; waiters re-check their own predicate."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        """Wake all current waiters."""
        for fut in self._waiters:
            if not fut.done():
                fut.set_result(None)
        self._waiters.clear()

    async def wait_for(self, predicate: Callable[[], bool], seconds: float | None) -> bool:
        """Wait until ``predicate()`` holds (True) or ``seconds`` passed (False; None: no limit)."""
        loop = asyncio.get_running_loop()
        deadline = None if seconds is None else loop.time() + seconds
        while True:
            if predicate():
                return True
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return False
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.add(fut)
            try:
                await asyncio.wait({fut}, timeout=remaining)
            finally:
                self._waiters.discard(fut)
                if not fut.done():
                    fut.cancel()


@dataclass
class State:
    """All emulator state; mutated only from the emulator's event loop."""

    clock: Callable[[], float] = time.monotonic
    base_url: str = ""
    users: dict[int, UserRec] = field(default_factory=dict)
    bots: dict[int, BotRec] = field(default_factory=dict)
    default_bot_id: int | None = None
    seq: int = 0
    changes: OrderedDict[tuple[int, int, int], MessageRec] = field(default_factory=OrderedDict)
    notifier: Notifier = field(default_factory=Notifier)
    next_user_id: int = 100001
    next_group_n: int = 1
    file_counter: int = 0
    closed: bool = False

    # -- bots and users -------------------------------------------------------------------
    def ensure_bot(
        self, token: str, first_name: str | None = None, username: str | None = None
    ) -> BotRec | None:
        """Return the bot for ``token`` (created on first use); None if the id has another token."""
        bot_id = int(token.split(":", 1)[0])
        bot = self.bots.get(bot_id)
        if bot is not None:
            if bot.token != token:
                return None
            if first_name:
                bot.user.first_name = first_name
            if username:
                bot.user.username = username
            return bot
        user = UserRec(
            id=bot_id,
            first_name=first_name or "Minhu",
            username=username or f"minhu{bot_id}_bot",
            is_bot=True,
        )
        bot = BotRec(token=token, user=user, flood=FloodControl(self.clock))
        self.bots[bot_id] = bot
        if self.default_bot_id is None:
            self.default_bot_id = bot_id
        return bot

    def add_user(
        self,
        first_name: str,
        *,
        user_id: int | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> UserRec:
        """Create (or replace the profile of) a human user."""
        if user_id is None:
            while self.next_user_id in self.users:
                self.next_user_id += 1
            user_id = self.next_user_id
            self.next_user_id += 1
        user = UserRec(user_id, first_name, last_name, username, language_code)
        self.users[user_id] = user
        return user

    # -- chats -----------------------------------------------------------------------------
    def private_chat(self, bot: BotRec, user: UserRec) -> ChatRec:
        """Return the private chat of ``user`` with ``bot``, creating it (the user started it)."""
        chat = bot.chats.get(user.id)
        if chat is None:
            chat = ChatRec(id=user.id, type="private", user=user, members={user.id})
            bot.chats[user.id] = chat
        return chat

    def create_group(
        self, bot: BotRec, chat_type: str, title: str, members: list[int], username: str | None
    ) -> ChatRec:
        """Create a group/supergroup/channel with ``bot`` as member (administrator in channels)."""
        chat_id = -(1_000_000_000_000 + self.next_group_n)
        self.next_group_n += 1
        chat = ChatRec(id=chat_id, type=chat_type, title=title, username=username)
        chat.members.update(members)
        bot.chats[chat_id] = chat
        status = "administrator" if chat_type == "channel" else "member"
        new_member: dict[str, Any] = {"status": status, "user": bot.user.to_api()}
        if status == "administrator":
            new_member.update(ADMIN_RIGHTS)
        actor = self.users.get(members[0]) if members else None
        self.add_update(
            bot,
            "my_chat_member",
            {
                "chat": chat.to_api(),
                "from": (actor or bot.user).to_api(),
                "date": int(time.time()),
                "old_chat_member": {"status": "left", "user": bot.user.to_api()},
                "new_chat_member": new_member,
            },
        )
        return chat

    # -- messages ----------------------------------------------------------------------------
    def touch(self, msg: MessageRec) -> None:
        """Record that ``msg`` changed (new sequence number) and wake waiters."""
        self.seq += 1
        msg.seq = self.seq
        key = (msg.bot_id, msg.chat_id, msg.message_id)
        self.changes[key] = msg
        self.changes.move_to_end(key)
        chat = self.bots[msg.bot_id].chats.get(msg.chat_id)
        if chat is not None:
            chat.recent[msg.message_id] = msg
            chat.recent.move_to_end(msg.message_id)
        self.notifier.notify()

    def add_message(
        self,
        bot: BotRec,
        chat: ChatRec,
        fields: dict[str, Any],
        *,
        sender: UserRec | None,
        markup: dict[str, Any] | None = None,
        reply_to: MessageRec | None = None,
    ) -> MessageRec:
        """Append a message to ``chat`` (from ``sender``; None = the bot) and return it."""
        from_bot = sender is None
        data: dict[str, Any] = {"message_id": chat.next_message_id}
        if from_bot and chat.type == "channel":
            data["sender_chat"] = chat.to_api()
        else:
            data["from"] = (sender or bot.user).to_api()
        data["chat"] = chat.to_api()
        data["date"] = int(time.time())
        data.update(fields)
        msg = MessageRec(
            bot_id=bot.user.id,
            chat_id=chat.id,
            message_id=chat.next_message_id,
            from_bot=from_bot,
            data=data,
            markup=markup,
            reply_to=reply_to,
        )
        chat.next_message_id += 1
        chat.messages[msg.message_id] = msg
        if from_bot and markup is not None:
            if "keyboard" in markup:
                chat.reply_keyboard = markup
            elif "remove_keyboard" in markup:
                chat.reply_keyboard = None
        elif not from_bot and chat.reply_keyboard and chat.reply_keyboard.get("one_time_keyboard"):
            chat.reply_keyboard = None
        self.touch(msg)
        return msg

    def iter_changed(self, after_seq: int, chat: ChatRec | None = None) -> Iterator[MessageRec]:
        """Yield messages changed after ``after_seq`` (newest first), in a chat or everywhere."""
        source = chat.recent if chat is not None else self.changes
        for msg in reversed(source.values()):
            if msg.seq <= after_seq:
                return
            yield msg

    # -- updates ------------------------------------------------------------------------------
    def add_update(self, bot: BotRec, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update for ``bot``; return its update_id (None: not in allowed_updates)."""
        if not bot.accepts(kind):
            return None
        update_id = bot.next_update_id
        bot.next_update_id += 1
        bot.updates.append({"update_id": update_id, kind: payload})
        self.notifier.notify()
        return update_id

    # -- files ---------------------------------------------------------------------------------
    def store_file(
        self,
        bot: BotRec,
        kind: str,
        *,
        data: bytes | None = None,
        url: str | None = None,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> FileRec:
        """Store a file for ``bot`` and return its record (file_id, file_path...)."""
        self.file_counter += 1
        n = self.file_counter
        file_id = f"{FILE_PREFIX.get(kind, 'BQAC')}{bot.user.id:x}x{n:06d}{secrets.token_hex(8)}"
        folder = {"photo": "photos", "voice": "voice", "sticker": "stickers"}.get(kind, "documents")
        rec = FileRec(
            file_id=file_id,
            file_unique_id=f"AQAD{n:08d}",
            file_path=f"{folder}/file_{n}.{extension_for(mime_type, file_name)}",
            kind=kind,
            data=data,
            url=url,
            mime_type=mime_type,
            file_name=file_name,
        )
        bot.files[file_id] = rec
        bot.files_by_path[rec.file_path] = rec
        return rec

    def store_photo(
        self,
        bot: BotRec,
        *,
        data: bytes | None,
        url: str | None,
        mime_type: str | None,
        width: int,
        height: int,
    ) -> list[dict[str, Any]]:
        """Store a photo (thumbnail + full size) and return its ``PhotoSize`` list."""
        sizes: list[dict[str, Any]] = []
        recs: list[FileRec] = []
        tw, th = thumb_dims(width, height)
        if (tw, th) != (width, height):
            thumb = self.store_file(bot, "photo", data=data, url=url, mime_type=mime_type)
            sizes.append(thumb.photo_size(tw, th))
            recs.append(thumb)
        full = self.store_file(bot, "photo", data=data, url=url, mime_type=mime_type)
        sizes.append(full.photo_size(width, height))
        recs.append(full)
        for rec in recs:
            rec.width, rec.height, rec.photo_set = width, height, sizes
        return sizes

    def file_url(self, bot_id: int, file_id: str) -> str:
        """URL of a file for the client API (no bot token needed)."""
        bot = self.bots.get(bot_id)
        rec = bot.files.get(file_id) if bot else None
        if rec is not None and rec.data is None and rec.url:
            return rec.url
        return f"{self.base_url}/api/files/{bot_id}/{file_id}"

    # -- maintenance ----------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget users, chats, messages, callbacks and queued updates (bots stay)."""
        self.users.clear()
        self.changes.clear()
        self.next_user_id = 100001
        for bot in self.bots.values():
            bot.chats.clear()
            bot.blocked.clear()
            bot.updates.clear()
            bot.callbacks.clear()
            bot.counters.reset()
            bot.flood = FloodControl(self.clock)
        self.notifier.notify()


ADMIN_RIGHTS: dict[str, Any] = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": False,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_post_messages": True,
    "can_edit_messages": True,
}
