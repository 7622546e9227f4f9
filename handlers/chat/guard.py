"""One rule for where personal things happen: a private chat, with messages as first sent.

Registered in group -1, before every conversation and command, it decides what goes on:

- a private chat's new message or button press passes to the handlers;
- an edited message is never read: in a private chat one polite answer, elsewhere nothing;
  a shared live location moving on the map (Telegram reports each move as an edit, every
  few seconds) gets nothing, not an answer per move;
- in a group, a command addressed to the bot gets one brief answer with a button that opens
  the private chat (at most once per group and person per window, and a few per group per
  minute, below Telegram's 20 a minute); other chatter gets nothing; a button pressed there
  gets a short toast and changes nothing — nothing personal is ever shown in a group;
- a channel's posts are not read (the bot only publishes bulletins there);
- `my_chat_member` of a private chat records that the person blocked the bot (kicked) or
  came back (member), so the outbox skips them or writes to them again.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telegram import (
    Chat,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationHandlerStop, BaseHandler, ChatMemberHandler, TypeHandler

from bot.core.render import pick_language
from bot.people import service
from bot.runtime.services import MinhuContext
from handlers.kit.common import say, t

log = logging.getLogger(__name__)

# One answer per (group, person) in this window; at most GROUP_BURST answers per group a minute.
PER_PERSON_WINDOW = timedelta(minutes=10)
GROUP_BURST = 10


@dataclass
class GroupAnswers:
    """Which group answers were given lately (so a busy group is not flooded)."""

    last: dict[tuple[int, int], datetime] = field(default_factory=dict)
    recent: dict[int, deque[datetime]] = field(default_factory=dict)

    def allow(self, chat_id: int, user_id: int, now: datetime) -> bool:
        """Whether to answer this person in this group now (and record it if so)."""
        self._forget(now)
        if (chat_id, user_id) in self.last:
            return False
        sent = self.recent.setdefault(chat_id, deque())
        if len(sent) >= GROUP_BURST:
            return False
        self.last[(chat_id, user_id)] = now
        sent.append(now)
        return True

    def _forget(self, now: datetime) -> None:
        for key in [k for k, at in self.last.items() if now - at >= PER_PERSON_WINDOW]:
            del self.last[key]
        for chat_id in list(self.recent):
            sent = self.recent[chat_id]
            while sent and now - sent[0] >= timedelta(minutes=1):
                sent.popleft()
            if not sent:
                del self.recent[chat_id]


def _addressed_command(message: Message, username: str) -> bool:
    """Whether the message is a /command meant for this bot (bare, or /cmd@this_bot)."""
    entities = message.entities
    if not message.text or not entities or entities[0].type != MessageEntity.BOT_COMMAND:
        return False
    if entities[0].offset != 0:
        return False
    command = message.text[1 : entities[0].length]
    _, _, target = command.partition("@")
    return not target or target.lower() == username.lower()


class ChatGuard:
    """The guard of group -1 (one instance per application, holding its group answers)."""

    def __init__(self) -> None:
        self.answers = GroupAnswers()

    async def guard(self, update: Update, context: MinhuContext) -> None:
        """Let a private chat's new messages through; answer or drop everything else."""
        chat = update.effective_chat
        edited = update.edited_message or update.edited_channel_post
        if edited is not None:
            if chat is not None and chat.type == Chat.PRIVATE and edited.location is None:
                await say(update, context, "chat.edited_not_read")
            raise ApplicationHandlerStop
        query = update.callback_query
        if query is not None:
            user = update.effective_user
            if chat is None or chat.type != Chat.PRIVATE or user is None or user.id != chat.id:
                lang = pick_language(query.from_user.language_code)
                try:
                    await query.answer(
                        context.services.renderer.toast(lang, "chat.button_private_only")
                    )
                except (BadRequest, Forbidden) as exc:  # a query too old to answer
                    log.info("could not answer a button pressed outside a private chat: %s", exc)
                raise ApplicationHandlerStop
            return
        if chat is None or chat.type == Chat.PRIVATE:
            message = update.message
            if message is not None and (message.text or "").startswith("/start"):
                # Telegram's "restart" after unblocking sends /start: they are back, even
                # when the unblock update itself was lost while the bot was down.
                await service.came_back(context.services, chat.id if chat else 0)
            return  # not about a chat (an inline query, …), or a private chat: handlers decide
        message = update.message
        if (
            message is not None
            and message.from_user is not None
            and _addressed_command(message, context.bot.username)
            and self.answers.allow(chat.id, message.from_user.id, context.services.clock.now())
        ):
            await self._go_private(message, context)
        raise ApplicationHandlerStop

    async def _go_private(self, message: Message, context: MinhuContext) -> None:
        """The one brief answer in a group: a button that opens the private chat."""
        assert message.from_user is not None
        lang = pick_language(message.from_user.language_code)
        link = f"https://t.me/{context.bot.username}"
        button = InlineKeyboardButton(t(context, lang, "chat.btn_open_private"), url=link)
        try:
            await message.reply_text(
                t(context, lang, "chat.go_private"),
                parse_mode=ParseMode.HTML,
                reply_markup=InlineKeyboardMarkup([[button]]),
                reply_parameters=ReplyParameters(
                    message.message_id, allow_sending_without_reply=True
                ),
            )
        except (BadRequest, Forbidden) as exc:  # the group does not let the bot write
            log.info("could not answer in chat %s: %s", message.chat_id, exc)

    async def membership(self, update: Update, context: MinhuContext) -> None:
        """A person blocked the bot (kicked) or came back (member) in their private chat."""
        changed = update.my_chat_member
        assert changed is not None
        if changed.chat.type == Chat.PRIVATE:
            status, user_id = changed.new_chat_member.status, changed.chat.id
            if status == ChatMember.BANNED:
                await service.blocked_the_bot(context.services, user_id)
                log.info("%s blocked the bot; notices to them stop", user_id)
            elif status == ChatMember.MEMBER:
                await service.came_back(context.services, user_id)
                log.info("%s unblocked the bot; notices to them resume", user_id)
        raise ApplicationHandlerStop

    def handlers(self) -> list[BaseHandler]:
        """Group -1, in this order: membership changes, then the guard of everything else."""
        return [
            ChatMemberHandler(self.membership, ChatMemberHandler.MY_CHAT_MEMBER),
            TypeHandler(Update, self.guard),
        ]


def handlers() -> list[BaseHandler]:
    """The guard's handlers for group -1 of a new application."""
    return ChatGuard().handlers()
