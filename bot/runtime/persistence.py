"""python-telegram-bot persistence in Minhu's own SQLite database (no pickle files).

Conversation states and user data are written on PTB's flush interval (one second by
default), so a crash loses at most that much input and never half a record: the writes PTB
hands over together (it gathers them) go in one transaction. User data is
written only for people who consented: the row references `people` and disappears with them.
When a person is erased, `forget` drops what the running bot holds of them in memory, which
PTB would otherwise write back at its next flush.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.ext import Application, BasePersistence, ConversationHandler, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from storage import conversations, inbound
from storage.db import Database

UserData = dict[Any, Any]


class SQLitePersistence(BasePersistence[UserData, dict[Any, Any], dict[Any, Any]]):
    """Stores conversations and per-user data in the `ptb_*` tables."""

    def __init__(self, db: Database, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.db = db
        # In a cluster several workers share the database: a person's data is read afresh
        # before each of their updates (another worker may have changed it).
        self.shared = False
        # A cluster's worker reads a person's data with the update it takes (one round trip,
        # storage.inbound.advance) and leaves it here for the refresh just after: used once.
        self.fresh: dict[int, UserData | None] = {}
        self._round: tuple[conversations.Writes, asyncio.Future[None]] | None = None

    async def _ready(self) -> Database:
        await self.db.open()
        return self.db

    async def get_user_data(self) -> dict[int, UserData]:
        return await conversations.user_data(await self._ready())

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        return await conversations.states(await self._ready(), name)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        await self._save(conversations.Writes(states={(name, key): new_state}))

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        # Only for people who consented: nothing personal before consent (storage checks).
        await self._save(conversations.Writes(user_data={user_id: data}))

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        await self._save(conversations.Writes(user_data={user_id: {}}))

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        if not self.shared:
            return
        if user_id in self.fresh:
            saved = self.fresh.pop(user_id)
        else:
            saved = await inbound.user_data_of(await self._ready(), user_id)
        if saved is not None:
            user_data.clear()
            user_data.update(saved)

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None

    async def _save(self, these: conversations.Writes) -> None:
        """Join this round's writes; the first to come writes them all once the others of the
        round (PTB starts them together) have joined, and it alone raises when that fails."""
        if self._round is not None:
            writes, written = self._round
            writes.add(these)
            await written
            return
        writes, written = these, asyncio.get_running_loop().create_future()
        self._round = (writes, written)
        await asyncio.sleep(0)  # the others of the round, already scheduled, join
        self._round = None
        try:
            await conversations.save(await self._ready(), writes)
        finally:
            written.set_result(None)


def forget(application: Application[Any, Any, Any, Any, Any, Any], user_id: int) -> int:
    """Drop a person from the running bot: their user data, their private chat's data and
    every conversation they are in, so an old button of one gets the stale-button answer.
    Returns how many conversations ended."""
    application.drop_user_data(user_id)
    application.drop_chat_data(user_id)  # a private chat has the person's id
    return sum(
        _end_conversations(handler, user_id)
        for group in application.handlers.values()
        for handler in group
        if isinstance(handler, ConversationHandler)
    )


def _end_conversations(handler: ConversationHandler[Any], user_id: int) -> int:
    """End this person's conversations of one handler (keys are (chat_id, user_id))."""
    # PTB has no public way to end a conversation from outside it. Its state mapping is a
    # TrackingDict: a key popped from it is also deleted from persistence at the next flush.
    states = handler._conversations
    keys = [key for key in states if user_id in key]
    for key in keys:
        states.pop(key, None)
    return len(keys)
