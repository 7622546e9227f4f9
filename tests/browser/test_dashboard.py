"""The command centre's screen in a real Chromium, beside the chat page of ``minhu demo``.

The demo admin asks the bot for /dashboard in the chat page and opens the link: the map shows
the demo town's grids; a case the admin then files in the chat (with a location) appears on the
board and the map within 2 s, without a reload. The link used again is refused; a page with no
session gets nothing; a dispatcher of 阳山 granted in the chat sees 阳山 alone. The screenshot in
the README is taken here (``bot/dashboard/static/screenshot.jpg``, with
``MINHU_UPDATE_SCREENSHOT=1``; every run saves ``test-artifacts/dashboard.png``).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import (
    DEMO_STOP_SECONDS,
    ROOT,
    Demo,
    _free_port,
    _minhu_command,
    _wait_until_ready,
)
from tests.browser.test_chat_page import WAIT_MS, bot_message, create_user, press, send
from tests.support.browser import CHROMIUM_ARGS

with contextlib.suppress(ImportError):  # then chromium_path skips (or fails when CI=true)
    from playwright.sync_api import Browser, Page, expect, sync_playwright

pytestmark = pytest.mark.browser

NUMBER = re.compile(r"MH-\d{4}-\d{6}")
SCREENSHOT = ROOT / "bot" / "dashboard" / "static" / "screenshot.jpg"
LIVE_SECONDS = 2.0
SQ_01_01 = "30.578,119.94"  # inside 上强社区第一网格 (storage/demo_places.py, cell 2,3)
DESCRIPTION = "东升路路灯坏了一排，晚上很黑"


@pytest.fixture
def screen_demo(tmp_path: Path) -> Iterator[tuple[Demo, str]]:
    """``minhu demo`` with its screen on a free port: (the demo, the screen's address)."""
    port, web_port = _free_port(), _free_port()
    log = tmp_path / "demo.log"
    command = [
        *_minhu_command(),
        "demo",
        "--port",
        str(port),
        "--web-port",
        str(web_port),
        "--database",
        str(tmp_path / "demo.db"),
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    demo = Demo(url=f"http://127.0.0.1:{port}", log=log)
    try:
        _wait_until_ready(proc, demo)
        yield demo, f"http://127.0.0.1:{web_port}"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=DEMO_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert proc.returncode == 0, demo.output()


@pytest.fixture
def browser(chromium_path: str) -> Iterator[Browser]:
    with sync_playwright() as pw:
        found = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield found
        found.close()


def dashboard_link(chat: Page, user_tab: str) -> str:
    """/dashboard in the chat page as this user; the link the bot sent."""
    chat.get_by_test_id("user-tab").filter(has_text=user_tab).click(timeout=WAIT_MS)
    send(chat, "/dashboard")
    message = bot_message(chat, "综合指挥大屏")
    expect(message).to_be_visible(timeout=WAIT_MS)
    href = message.locator("a").first.get_attribute("href")
    assert href and "/login?t=" in href
    return href


def open_cases(screen: Page) -> int:
    return int(screen.get_by_test_id("count-open").locator("b").inner_text())


def map_open(screen: Page) -> int:
    """The open cases the map's grids count, together."""
    return int(
        screen.evaluate(
            """() => [...document.querySelectorAll('[data-testid="map-grid"]')]
                   .reduce((n, p) => n + Number(p.dataset.open), 0)"""
        )
    )


def file_with_location(chat: Page) -> float:
    """The admin reports a problem with a location in the chat; the moment it was confirmed."""
    send(chat, "/report")
    press(chat, "请选择问题的类别", "环境卫生")
    expect(bot_message(chat, "第 2 步")).to_be_visible(timeout=WAIT_MS)
    send(chat, DESCRIPTION)
    press(chat, "第 3 步", "不需要照片")
    expect(bot_message(chat, "第 4 步")).to_be_visible(timeout=WAIT_MS)
    chat.get_by_test_id("composer-input").fill(SQ_01_01)
    chat.get_by_test_id("send-location").click()
    press(chat, "是否匿名反映", "实名反映")
    expect(bot_message(chat, "请确认您要反映的问题")).to_contain_text(DESCRIPTION, timeout=WAIT_MS)
    press(chat, "请确认您要反映的问题", "✅ 确认提交")
    return time.monotonic()


def test_the_admin_watches_a_case_filed_in_the_chat_arrive_on_the_screen(
    screen_demo: tuple[Demo, str], browser: Browser, artifacts_dir: Path
) -> None:
    demo, screen_url = screen_demo
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")

    nobody = context.new_page()  # no session: a refusal, and none of the town
    answer = nobody.goto(screen_url + "/")
    assert answer is not None and answer.status == 401
    expect(nobody.locator("body")).to_contain_text("/dashboard")
    api = nobody.goto(screen_url + "/api/state")
    assert api is not None and api.status == 401 and "上强" not in nobody.content()
    nobody.close()

    chat = context.new_page()
    chat.on("pageerror", lambda exc: errors.append(str(exc)))
    chat.goto(demo.url)
    expect(chat.get_by_test_id("screen-link")).to_have_attribute("href", screen_url)
    link = dashboard_link(chat, "管理员 老陈")

    screen = context.new_page()
    screen.on("pageerror", lambda exc: errors.append(str(exc)))
    screen.goto(link)
    expect(screen.get_by_test_id("live")).to_have_class("on", timeout=WAIT_MS)
    expect(screen.get_by_test_id("scope")).to_have_text("全镇")
    grids = screen.get_by_test_id("map-grid")
    expect(grids).to_have_count(13, timeout=WAIT_MS)  # the demo town's grids
    before, on_map = open_cases(screen), map_open(screen)
    assert on_map == before
    screen.evaluate("window.__notReloaded = true")

    confirmed = file_with_location(chat)
    number_found = NUMBER.search(bot_message(chat, NUMBER).inner_text())
    assert number_found is not None
    number = number_found.group(0)
    left_ms = max(0.0, LIVE_SECONDS - (time.monotonic() - confirmed)) * 1000
    card = screen.get_by_test_id("case").filter(has_text=number)
    expect(card).to_be_visible(timeout=left_ms)
    assert time.monotonic() - confirmed <= LIVE_SECONDS
    expect(screen.get_by_test_id("count-open").locator("b")).to_have_text(str(before + 1))
    assert map_open(screen) == before + 1
    expect(screen.locator(f'[data-testid="map-point"][data-case="{number}"]')).to_have_count(1)
    assert screen.evaluate("window.__notReloaded") is True

    card.click()
    expect(screen.get_by_test_id("card")).to_contain_text(DESCRIPTION, timeout=WAIT_MS)
    expect(screen.get_by_test_id("card")).not_to_contain_text("老陈")  # no reporter named
    screen.get_by_test_id("card").get_by_role("button").first.click()
    expect(screen.get_by_test_id("chart-month").locator("svg")).to_be_visible(timeout=WAIT_MS)
    screen.screenshot(path=str(artifacts_dir / "dashboard.png"), full_page=True)
    if os.environ.get("MINHU_UPDATE_SCREENSHOT") == "1":  # the README's picture, on request
        screen.screenshot(path=str(SCREENSHOT), type="jpeg", quality=60)

    again = browser.new_context(locale="zh-CN")  # the same link in another browser: refused
    reused = again.new_page()
    refused = reused.goto(link)
    assert refused is not None and refused.status == 403
    expect(reused.locator("body")).to_contain_text("已使用")
    again.close()

    # A dispatcher of 阳山 (granted in the chat) sees 阳山 alone: not the case of 上强.
    chat.get_by_test_id("user-tab").filter(has_text="管理员 老陈").click()
    leader_id = create_user(chat)
    chat.get_by_test_id("user-tab").filter(has_text="管理员 老陈").click()
    send(chat, f"/grant dispatcher {leader_id} YS 阳山分中心")
    expect(bot_message(chat, str(leader_id))).to_be_visible(timeout=WAIT_MS)
    leader_link = dashboard_link(chat, "测试居民")
    leader = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = leader.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(leader_link)
    expect(page.get_by_test_id("live")).to_have_class("on", timeout=WAIT_MS)
    expect(page.get_by_test_id("scope")).to_have_text("阳山片区")
    expect(page.get_by_test_id("map-grid")).to_have_count(3)
    expect(page.get_by_test_id("board")).not_to_contain_text(number)
    assert "上强" not in page.content()
    state = page.evaluate("() => fetch('/api/state').then(r => r.text())")
    assert number not in state and "上强" not in state
    leader.close()
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"
