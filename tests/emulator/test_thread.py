"""``run_emulator_in_thread``: a sync test drives the emulator with httpx.Client."""

from __future__ import annotations

import threading

import httpx
import pytest

from bot.emulator import EmulatorConfig, run_emulator_in_thread

from .conftest import TOKEN


def test_run_in_thread_sync_client() -> None:
    before = {t for t in threading.enumerate() if t.name == "emulator"}  # other suites' emulators
    with (
        run_emulator_in_thread(EmulatorConfig(port=0)) as emu,
        httpx.Client(base_url=emu.url, trust_env=False, timeout=30) as http,
    ):
        api = emu.bot_api_base + TOKEN
        assert http.get(f"{api}/getMe").json()["result"]["id"] == 123456
        uid = http.post("/api/users", json={"first_name": "李四"}).json()["user"]["id"]
        http.post(f"/api/users/{uid}/messages", json={"text": "/start"})
        updates = http.post(f"{api}/getUpdates", json={"timeout": 5}).json()["result"]
        assert updates[0]["message"]["text"] == "/start"
        reply = http.post(f"{api}/sendMessage", json={"chat_id": uid, "text": "hi"}).json()
        assert reply["ok"] is True
        view = http.get(f"/api/chats/{uid}/messages", params={"wait": 5}).json()
        assert [m["text"] for m in view["messages"]] == ["/start", "hi"]
        assert emu.url.startswith("http://127.0.0.1:")
    assert {t for t in threading.enumerate() if t.name == "emulator"} == before


def test_run_in_thread_reports_bind_errors() -> None:
    with run_emulator_in_thread(EmulatorConfig(port=0)) as emu:
        taken = emu.port
        with pytest.raises(OSError), run_emulator_in_thread(EmulatorConfig(port=taken)):
            pass
