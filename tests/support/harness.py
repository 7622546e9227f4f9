"""Drive the real application in-process: real SQLite file, fake Bot API (no network)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import MinhuApp, build_application
from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.runtime.services import Services, services_of
from storage.catalog import tables
from tests.support.fake_telegram import BOT_USER, Call, FakeTelegram

TOKEN = "7000001:TEST-token-for-offline-tests_abcdef"
_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


@dataclass
class User:
    id: int
    first_name: str
    language_code: str = "zh-hans"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }


@dataclass
class Harness:
    """One bot over one database (a file, or a postgresql:// URL); `restart()` builds a fresh
    application on the same database."""

    db_path: Path | str
    admin_ids: frozenset[int] = frozenset()
    clock: ManualClock = field(
        default_factory=lambda: ManualClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    )
    fake: FakeTelegram = field(default_factory=FakeTelegram)
    app: MinhuApp | None = None
    extra_settings: dict[str, Any] = field(default_factory=dict)  # e.g. bulletin_chat_id

    @property
    def settings(self) -> Settings:
        return Settings(
            token=TOKEN,
            api_url="http://offline.invalid/bot",
            database=str(self.db_path),
            admin_ids=self.admin_ids,
            **self.extra_settings,
        )

    @property
    def services(self) -> Services:
        assert self.app is not None
        return services_of(self.app)

    async def start(self) -> Harness:
        self.app = build_application(
            self.settings, clock=self.clock, request=self.fake, raise_errors=True, rate_limit=False
        )
        await self.app.initialize()
        assert self.app.post_init is not None
        await self.app.post_init(self.app)
        return self

    async def stop(self) -> None:
        """A clean stop: persistence is flushed, storage closed."""
        assert self.app is not None
        crashes = list(self.services.crashes)
        await self.app.update_persistence()
        await self.app.shutdown()
        await self.services.db.close()
        self.app = None
        assert not crashes, f"handlers crashed: {crashes!r}"

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def _process(self, payload: dict[str, Any]) -> list[Call]:
        assert self.app is not None
        before = len(self.fake.calls)
        update = Update.de_json({"update_id": next(_update_ids), **payload}, self.app.bot)
        await self.app.process_update(update)
        await self.app.update_persistence()
        assert not self.services.crashes, f"a handler crashed: {self.services.crashes!r}"
        return self.fake.calls[before:]

    def _user_message(self, user: User, **content: Any) -> dict[str, Any]:
        return {
            "message": {
                "message_id": next(_message_ids),
                "date": int(self.clock.now().timestamp()),
                "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
                "from": user.as_dict(),
                **content,
            }
        }

    async def send(self, user: User, text: str) -> list[Call]:
        """The user types text (a leading /command gets its entity)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return await self._process(self._user_message(user, **content))

    async def send_photo(
        self, user: User, file_id: str, caption: str | None = None, *, album: str | None = None
    ) -> list[Call]:
        photo = [
            {
                "file_id": f"{file_id}-s",
                "file_unique_id": f"{file_id}-su",
                "width": 90,
                "height": 90,
            },
            {"file_id": file_id, "file_unique_id": f"{file_id}-u", "width": 1280, "height": 960},
        ]
        extra: dict[str, Any] = {"caption": caption} if caption is not None else {}
        if album is not None:
            extra["media_group_id"] = album
        return await self._process(self._user_message(user, photo=photo, **extra))

    async def send_location(self, user: User, latitude: float, longitude: float) -> list[Call]:
        return await self._process(
            self._user_message(user, location={"latitude": latitude, "longitude": longitude})
        )

    async def send_sticker(self, user: User) -> list[Call]:
        sticker = {
            "file_id": "sticker1",
            "file_unique_id": "s1",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        return await self._process(self._user_message(user, sticker=sticker))

    async def send_voice(
        self, user: User, *, seconds: int = 3, file_id: str = "voice1"
    ) -> list[Call]:
        voice = {"file_id": file_id, "file_unique_id": f"{file_id}-u", "duration": seconds}
        return await self._process(self._user_message(user, voice=voice))

    async def send_contact(
        self, user: User, phone: str, *, owner: int | None = None, forwarded: bool = False
    ) -> list[Call]:
        """The user shares a contact: their own by default (its user id is theirs), else
        `owner`'s; `forwarded` sends it as a forwarded message."""
        contact = {
            "phone_number": phone,
            "first_name": user.first_name,
            "user_id": user.id if owner is None else owner,
        }
        extra: dict[str, Any] = {}
        if forwarded:
            extra["forward_origin"] = {"type": "hidden_user", "date": 0, "sender_user_name": "x"}
        return await self._process(self._user_message(user, contact=contact, **extra))

    async def send_forwarded(self, user: User, text: str) -> list[Call]:
        """The user forwards someone else's words."""
        origin = {"type": "hidden_user", "sender_user_name": "邻居", "date": 0}
        return await self._process(self._user_message(user, text=text, forward_origin=origin))

    async def press(
        self,
        user: User,
        data: str,
        message_id: int | None = None,
        *,
        seen: dict[str, Any] | None = None,
    ) -> list[Call]:
        """The user presses an inline button (by default on the last bot message with buttons);
        `seen` is the message as their app still showed it (a second press before the first
        press's edit arrived)."""
        if message_id is None:
            try:
                message_id = self.last_keyboard_message(user.id)
            except AssertionError:
                message_id = 1  # a crafted press on a message that never had buttons
        message = (
            seen
            or self.fake.messages.get((user.id, message_id))
            or {
                "message_id": message_id,
                "date": 0,
                "chat": {"id": user.id, "type": "private"},
                "from": BOT_USER,
                "text": "old",
            }
        )
        return await self._process(
            {
                "callback_query": {
                    "id": str(next(_update_ids)),
                    "from": user.as_dict(),
                    "chat_instance": "ci",
                    "data": data,
                    "message": message,
                }
            }
        )

    def last_keyboard_message(self, chat_id: int) -> int:
        for (cid, mid), msg in sorted(self.fake.messages.items(), reverse=True):
            if cid == chat_id and msg.get("reply_markup"):
                return mid
        raise AssertionError(f"no message with buttons in chat {chat_id}")

    def buttons(self, chat_id: int) -> dict[str, str]:
        """Label → callback data of the last message with buttons in a chat."""
        msg = self.fake.messages[(chat_id, self.last_keyboard_message(chat_id))]
        return {
            b["text"]: b["callback_data"]
            for row in msg["reply_markup"]["inline_keyboard"]
            for b in row
            if "callback_data" in b
        }

    async def button(self, user: User, label_part: str) -> list[Call]:
        """Press the button whose label contains `label_part`."""
        matches = [d for label, d in self.buttons(user.id).items() if label_part in label]
        assert len(matches) == 1, f"{label_part!r} not unique in {self.buttons(user.id)}"
        return await self.press(user, matches[0])


def texts(calls: list[Call]) -> str:
    """All text sent in these calls, joined (for `in` assertions)."""
    return "\n".join(str(c.params.get("text") or c.params.get("caption") or "") for c in calls)


async def register(
    bot: Harness,
    user: User,
    *,
    zone: str = "上强",
    community: str = "上强社区",
    grid: str = "第一网格",
) -> list[Call]:
    """Walk a newcomer through /start: consent, zone, community, grid."""
    await bot.send(user, "/start")
    await bot.button(user, "✅")
    await bot.button(user, zone)
    await bot.button(user, community)
    return await bot.button(user, grid)


async def table_counts(bot: Harness) -> dict[str, int]:
    """Rows per table: a snapshot to prove that bad input changed nothing."""
    db = bot.services.db
    return {t: int(await db.fetchval(f"SELECT COUNT(*) FROM {t}")) for t in await tables(db)}
