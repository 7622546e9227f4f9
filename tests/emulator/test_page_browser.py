"""Smoke test of the chat page in a real Chromium (skipped when no browser is available)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import Emulator
from bot.emulator.media import make_png
from tests.support.browser import CHROMIUM_ARGS

from .conftest import BotCaller

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.async_api")


@pytest.fixture
async def page(emu: Emulator, chromium_path: str) -> AsyncIterator[Any]:
    """A phone-sized page showing the emulator (Debian's Chromium; a failure under CI=true)."""
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        tab = await browser.new_page(viewport={"width": 360, "height": 740})
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        await tab.goto(emu.url)
        yield tab
        await browser.close()
        assert errors == []


async def next_update(bot: BotCaller, offset: int) -> dict[str, Any]:
    """Long-poll the next update after ``offset``."""
    updates = await bot.ok("getUpdates", offset=offset, timeout=10)
    assert updates, "no update arrived"
    result: dict[str, Any] = updates[-1]
    return result


async def test_chat_page_flow(page: Any, bot: BotCaller, tmp_path: Path) -> None:
    await page.get_by_test_id("new-user-name").fill("张三")
    await page.get_by_test_id("new-user-lang").select_option("zh-CN")
    await page.get_by_test_id("new-user-create").click()
    tab = page.get_by_test_id("user-tab").first
    await tab.wait_for()
    uid = int(await tab.get_attribute("data-user-id"))
    await page.get_by_test_id("composer-input").fill("/start")
    await page.get_by_test_id("composer-send").click()
    update = await next_update(bot, 0)
    assert update["message"]["text"] == "/start"

    markup = {"inline_keyboard": [[{"text": "上报", "callback_data": "report"}]]}
    html = "<b>欢迎</b>使用"
    await bot.ok("sendMessage", chat_id=uid, text=html, parse_mode="HTML", reply_markup=markup)
    bubble = page.locator('[data-testid="message"][data-from="bot"]').first
    await bubble.wait_for()
    assert "<b>欢迎</b>使用" in await bubble.inner_html()
    await page.get_by_test_id("inline-button").first.click()
    update = await next_update(bot, update["update_id"] + 1)
    query = update["callback_query"]
    assert query["data"] == "report"
    await bot.ok("answerCallbackQuery", callback_query_id=query["id"], text="收到")
    await page.get_by_test_id("toast").filter(has_text="收到").wait_for()

    keyboard = {"keyboard": [[{"text": "发送位置", "request_location": True}]]}
    await bot.ok("sendMessage", chat_id=uid, text="位置?", reply_markup=keyboard)
    await page.get_by_test_id("reply-button").first.click()
    update = await next_update(bot, update["update_id"] + 1)
    assert update["message"]["location"] == {"latitude": 30.7, "longitude": 119.95}

    image = tmp_path / "p.png"
    image.write_bytes(make_png(64, 48))
    await page.get_by_test_id("photo-input").set_input_files(str(image))
    update = await next_update(bot, update["update_id"] + 1)
    assert update["message"]["photo"][-1]["width"] == 64

    await bot.ok(
        "editMessageText", chat_id=uid, message_id=query["message"]["message_id"], text="改"
    )
    await page.locator('[data-testid="message"].edited', has_text="改").wait_for()
