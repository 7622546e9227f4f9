"""A district of towns for tests: a towns file read by the real loader, each town's database
made and seeded (a SQLite file each, or a schema each in one PostgreSQL database), and the
bot of one town driven in-process with the district it belongs to."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from bot.app import build_application
from bot.core.config import Settings
from bot.core.towns import District, load_towns
from bot.district.books import books_of
from storage.db import Database
from storage.seed import seed_demo
from tests.support import databases
from tests.support.bulletins import TZ
from tests.support.harness import TOKEN, Harness

DISTRICT_ADMIN = 700001
CHANNEL = -1009000000001
TOWNS = (("alpha", "甲镇", "7100001:alpha-token"), ("beta", "乙镇", "7100002:beta-token"),
         ("gamma", "丙镇", "7100003:gamma-token"))  # fmt: skip


def towns_file(
    where: Path,
    *,
    towns: int = 3,
    channel: int | None = CHANNEL,
    publisher: str = "alpha",
    postgres: str = "",
) -> Path:
    """A towns file of the first `towns` towns, the district admin and the channel; on
    PostgreSQL each town names its schema's URL itself (bot.core.towns derives
    `postgresql:/db?…` from a socket URL `postgresql:///db`, losing its `//`)."""
    lines = ["[district]", 'name = "测试区"', f"admins = [{DISTRICT_ADMIN}]"]
    if channel is not None:
        lines.append(f"channel = {channel}")
    lines.append(f'publisher = "{publisher}"')
    for key, name, token in TOWNS[:towns]:
        lines += ["", "[[town]]", f'key = "{key}"', f'name = "{name}"', f'token = "{token}"']
        if postgres:
            lines.append(f'database = "{postgres}?search_path={key}"')
    path = where / "towns.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def base_settings(database: str, admin_ids: frozenset[int] = frozenset()) -> Settings:
    return Settings(
        token=TOKEN,
        api_url="http://offline.invalid/bot",
        database=database,
        admin_ids=admin_ids,
        timezone=str(TZ),
        # bot.core.towns refuses a town whose derived secret is empty (no base secret)
        webhook_secret="district-test-secret",
    )


async def make_district(
    tmp_path: Path,
    db_backend: str,
    *,
    towns: int = 3,
    channel: int | None = CHANNEL,
    admin_ids: frozenset[int] = frozenset(),
    seeded: bool = True,
) -> tuple[District, list[str]]:
    """The district and each town's database made (seeded with the demo town); also the
    PostgreSQL databases to drop afterwards."""
    made: list[str] = []
    if db_backend == "postgres":
        base = await databases.fresh_postgres("empty")
        made.append(base)
        import asyncpg  # type: ignore[import-untyped]

        conn = await asyncpg.connect(base)
        try:
            for key, _, _ in TOWNS[:towns]:
                await conn.execute(f"CREATE SCHEMA {key}")
        finally:
            await conn.close()
    else:
        base = str(tmp_path / "minhu.db")
    district = load_towns(
        towns_file(tmp_path, towns=towns, channel=channel, postgres=made[0] if made else ""),
        base_settings(base, admin_ids),
    )
    for town in district.towns:
        async with Database(town.settings.database) as db:
            if seeded:
                await seed_demo(db)
    return district, made


@dataclass
class TownHarness(Harness):
    """One town's bot, knowing its district (the clock and fake Bot API as Harness's)."""

    district: District | None = None
    key: str = ""
    town_admins: frozenset[int] = field(default_factory=frozenset)

    @property
    def settings(self) -> Settings:
        assert self.district is not None
        own = self.district.town(self.key).settings
        return replace(own, admin_ids=self.town_admins or own.admin_ids, **self.extra_settings)

    async def start(self) -> TownHarness:
        self.app = build_application(
            self.settings,
            clock=self.clock,
            request=self.fake,
            raise_errors=True,
            rate_limit=False,
            district=self.district,
        )
        await self.app.initialize()
        assert self.app.post_init is not None
        await self.app.post_init(self.app)
        return self

    async def stop(self) -> None:
        """As Harness's, and the other towns' databases closed (as `post_shutdown` does)."""
        assert self.app is not None
        books = books_of(self.app.bot_data)
        if books is not None:
            await books.close()
        await super().stop()


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=TZ)
