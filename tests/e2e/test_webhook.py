"""Webhook mode: the emulator delivers updates to `minhu run --webhook` with the secret."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.emulator import Emulator
from tests.e2e.test_resident_journey import finish_report, register, report_until_photos
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, new_user


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def webhook_bot(
    emulator: Emulator, tmp_path: Path, e2e_database: Path | str
) -> Iterator[BotProcess]:
    bot = BotProcess(
        emulator.bot_api_base, e2e_database, tmp_path / "bot.log", webhook_port=free_port()
    )
    bot.seed()
    bot.start()
    yield bot
    assert bot.stop() == 0, (tmp_path / "bot.log").read_text()


def test_the_whole_report_over_a_webhook(webhook_bot: BotProcess, client: httpx.Client) -> None:
    resident = new_user(client, "周大爷")
    register(resident)
    report_until_photos(resident)
    assert "MH-2026-000001" in finish_report(resident)
    with raw_connection(webhook_bot.database) as db:
        assert db.execute("SELECT COUNT(*) FROM complaint_photos").fetchone() == (2,)

    # A request without the secret token is refused by the bot's webhook server.
    forged = httpx.post(
        f"http://127.0.0.1:{webhook_bot.webhook_port}/hook",
        json={"update_id": 999999, "message": {}},
        timeout=10,
    )
    assert forged.status_code == 403
