"""A district as real processes: three towns (three bots) in one PostgreSQL database, a schema
each, served by one `minhu receive` and several `minhu worker` (MINHU_TOWNS names the towns
file); people talk to each town's bot through the emulator."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bot.core.towns import town_database
from storage.db import Database
from storage.meetings import NewMeeting
from storage.meetings import insert as insert_meeting
from storage.seed import seed_demo
from tests.support.cluster import Cluster, Process
from tests.support.e2e import Chat

HOME_GRID = "SQ-01-01"


@dataclass(frozen=True)
class TownSpec:
    """One town of the test district: its bot, admin, reporters and seeded recipients."""

    key: str
    name: str
    bot_id: int
    admin_id: int
    reporters: int
    first_recipient: int
    recipients: int

    @property
    def token(self) -> str:
        return f"{self.bot_id}:E2E-district-{self.key}"

    @property
    def recipient_ids(self) -> list[int]:
        return list(range(self.first_recipient, self.first_recipient + self.recipients))

    @property
    def meeting_title(self) -> str:
        return f"{self.name}加装电梯协商议事会"


@dataclass
class TownChat(Chat):
    """A person talking to one town's bot (the emulator keeps a chat per bot)."""

    bot: int = 0
    actions: list[int] = field(default_factory=list)  # shared per town: updates caused

    def _post(self, path: str, **body: Any) -> dict[str, Any]:
        self.seq = self.current_seq()
        response = self.client.post(
            f"/api/users/{self.user_id}/{path}", json={"bot": self.bot, **body}
        )
        response.raise_for_status()
        self.actions.append(self.user_id)
        result: dict[str, Any] = response.json()
        return result

    def current_seq(self) -> int:
        r = self.client.get(
            f"/api/chats/{self.user_id}/messages", params={"after_seq": 1 << 40, "bot": self.bot}
        )
        return int(r.json()["seq"])

    def messages(self, after_seq: int = 0, wait: float = 0) -> list[dict[str, Any]]:
        r = self.client.get(
            f"/api/chats/{self.user_id}/messages",
            params={"after_seq": after_seq, "wait": wait, "bot": self.bot},
        )
        r.raise_for_status()
        return list(r.json()["messages"])

    def answer_of_last_press(self, query_id: str) -> dict[str, Any]:
        r = self.client.get(f"/api/callbacks/{query_id}", params={"wait": 10, "bot": self.bot})
        r.raise_for_status()
        return dict(r.json())


def person(
    client: httpx.Client, town: TownSpec, user_id: int, name: str, actions: list[int]
) -> TownChat:
    """A user of the emulator (made if new) talking to `town`'s bot."""
    client.post(
        "/api/users", json={"id": user_id, "first_name": name, "language_code": "zh-hans"}
    ).raise_for_status()
    return TownChat(client, user_id, bot=town.bot_id, actions=actions)


def add_bots(client: httpx.Client, towns: list[TownSpec]) -> None:
    """Each town's bot in the emulator, and its seeded recipients with a chat open with it."""
    for town in towns:
        client.post(
            "/api/bots",
            json={"token": town.token, "first_name": town.name, "username": f"{town.key}_bot"},
        ).raise_for_status()
        client.post(
            "/api/users/bulk",
            json={
                "bot": town.bot_id,
                "count": town.recipients,
                "start_id": town.first_recipient,
                "first_name": f"{town.name}居民",
                "started": True,
                "language_code": "zh-hans",
            },
        ).raise_for_status()


async def seed_town(base: str, town: TownSpec, reporter_ids: list[int]) -> None:
    """The demo town in the town's schema; consented residents (the reporters and the
    recipients) in its home grid; one upcoming meeting named after the town."""
    now = datetime.now(UTC)
    stamp = now.isoformat(timespec="seconds")
    async with Database(town_database(base, town.key)) as db:
        await seed_demo(db)
        grid = await db.fetchval("SELECT id FROM grids WHERE code = ?", (HOME_GRID,))
        zone = await db.fetchval("SELECT id FROM zones WHERE code = 'SQ'")
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO people (id, first_name, language, grid_id, consented_at,"
                " created_at, updated_at) VALUES (?, ?, 'zh-CN', ?, ?, ?, ?)",
                [
                    (uid, f"{town.name}居民", grid, stamp, stamp, stamp)
                    for uid in [*reporter_ids, *town.recipient_ids]
                ],
            )
            starts = now + timedelta(days=10)
            meeting = NewMeeting(
                title=town.meeting_title,
                topic=f"{town.name}老旧小区加装电梯的费用分摊",
                zone_id=int(zone),
                community_id=None,
                place=f"{town.name}党群服务中心",
                starts_at=starts,
                duration_minutes=90,
                capacity=30,
                reserved_seats=0,
                registration_until=starts - timedelta(days=1),
            )
            await insert_meeting(conn, meeting, town.first_recipient, now)


def towns_file(path: Path, towns: list[TownSpec]) -> Path:
    lines = ['[district]\nname = "吴兴区"\n']
    for town in towns:
        lines.append(
            f'[[town]]\nkey = "{town.key}"\nname = "{town.name}"\ntoken = "{town.token}"\n'
            f"admins = [{town.admin_id}]\n"
        )
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@dataclass
class District(Cluster):
    """A receiver and workers serving every town of `towns` from `database` (the deployment's
    postgresql:// URL; each town a schema in it): a cluster with its towns file written."""

    towns: list[TownSpec] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.towns_file = towns_file(self.folder / "towns.toml", self.towns)
        self.town_keys = tuple(town.key for town in self.towns)


def leads(worker: Process) -> int:
    """How many towns this worker says it leads (its log)."""
    return len(re.findall("this worker leads", worker.log()))


def counters(client: httpx.Client, bot_id: int) -> dict[str, Any]:
    r = client.get("/api/counters", params={"bot": bot_id})
    r.raise_for_status()
    return dict(r.json())


def bot_message_counts(client: httpx.Client, bot_id: int) -> dict[int, int]:
    r = client.get("/api/stats/bot-messages", params={"bot": bot_id})
    r.raise_for_status()
    return {int(k): int(v) for k, v in r.json()["counts"].items()}


def texts_from_bot(client: httpx.Client, bot_id: int, chat_id: int) -> Iterator[str]:
    r = client.get(f"/api/chats/{chat_id}/messages", params={"bot": bot_id})
    r.raise_for_status()
    for m in r.json()["messages"]:
        if m["from_bot"]:
            yield (m.get("text") or "") + (m.get("caption") or "")
