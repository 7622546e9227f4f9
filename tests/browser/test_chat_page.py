"""A person uses the emulator's chat page in a real Chromium: registers, then reports a problem.

Everything is done the way a person would: typing into the composer, clicking inline and
reply-keyboard buttons, choosing a photo file. The bot runs in a ``minhu demo`` subprocess.
"""

from __future__ import annotations

import contextlib
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import Demo
from tests.support.browser import CHROMIUM_ARGS

with contextlib.suppress(ImportError):  # then chromium_path skips (or fails when CI=true)
    from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

pytestmark = pytest.mark.browser

NUMBER = re.compile(r"MH-\d{4}-\d{6}")
WAIT_MS = 15_000  # the bot answers in well under a second; this only bounds a hang
NAME = "测试居民"
DESCRIPTION = "小区东门垃圾桶满了三天没人清理"


def make_png(width: int = 48, height: int = 32) -> bytes:
    """A small RGB PNG (a colour gradient) built with the standard library only."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 5 % 256, y * 8 % 256, 160)) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def browser(chromium_path: str) -> Iterator[Browser]:
    """A headless Chromium (the system one; Playwright's download is not used)."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def bot_message(page: Page, text: str | re.Pattern[str]) -> Locator:
    """The latest bot message containing ``text``."""
    return page.locator('[data-testid="message"][data-from="bot"]').filter(has_text=text).last


def press(page: Page, message_text: str, button: str) -> None:
    """Click the inline button ``button`` under the latest bot message containing the text."""
    message = bot_message(page, message_text)
    expect(message).to_be_visible(timeout=WAIT_MS)
    message.get_by_test_id("inline-button").filter(has_text=re.compile(f"^{button}$")).click(
        timeout=WAIT_MS
    )


def send(page: Page, text: str) -> None:
    """Type a message into the composer and press Send."""
    page.get_by_test_id("composer-input").fill(text)
    page.get_by_test_id("composer-send").click()
    expect(
        page.locator('[data-testid="message"][data-from="user"]').filter(has_text=text).last
    ).to_be_visible(timeout=WAIT_MS)


def create_user(page: Page) -> str:
    """Create a zh-CN user with the page's form; return its id (it becomes the active tab)."""
    form = page.get_by_test_id("new-user-form")
    if not form.get_by_test_id("new-user-name").is_visible():
        page.get_by_test_id("toggle-new-user").click()
    page.get_by_test_id("new-user-name").fill(NAME)
    page.get_by_test_id("new-user-lang").select_option("zh-CN")
    page.get_by_test_id("new-user-create").click()
    tab = page.get_by_test_id("user-tab").filter(has_text=f"{NAME} · zh-CN")
    expect(tab).to_have_class(re.compile(r"\bactive\b"), timeout=WAIT_MS)
    expect(page.get_by_test_id("new-user-name")).to_be_hidden()
    user_id = tab.get_attribute("data-user-id")
    assert user_id and user_id.isdigit()
    return user_id


def register(page: Page) -> None:
    """/start, accept the privacy notice, pick zone, community and grid by clicking."""
    send(page, "/start")
    notice = bot_message(page, "隐私说明")
    expect(notice).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("隐私说明", exact=True)).to_be_visible()  # CJK text is rendered
    for label in ("✅ 同意并继续", "不同意", "🌐 English"):
        expect(notice.get_by_test_id("inline-button").filter(has_text=label)).to_be_visible()
    press(page, "隐私说明", "✅ 同意并继续")
    press(page, "片区", "上强片区")
    press(page, "村社", "上强社区")
    press(page, "网格", "上强社区第一网格")
    expect(bot_message(page, "登记完成")).to_contain_text("上强社区第一网格", timeout=WAIT_MS)


def report(page: Page) -> str:
    """/report with a description, one photo from a file, no location; return the number."""
    send(page, "/report")
    press(page, "请选择问题的类别", "环境卫生")
    expect(bot_message(page, "第 2 步")).to_be_visible(timeout=WAIT_MS)
    send(page, DESCRIPTION)
    expect(bot_message(page, "第 3 步")).to_be_visible(timeout=WAIT_MS)

    page.get_by_test_id("photo-input").set_input_files(
        {"name": "trash.png", "mimeType": "image/png", "buffer": make_png()}
    )
    sent_photo = page.locator('[data-testid="message"][data-from="user"] img.photo').last
    expect(sent_photo).to_be_visible(timeout=WAIT_MS)
    assert sent_photo.evaluate("img => img.complete && img.naturalWidth") == 48
    press(page, "已收到第 1 张照片", "✅ 照片发完了")

    expect(bot_message(page, "第 4 步")).to_be_visible(timeout=WAIT_MS)
    keyboard = page.get_by_test_id("reply-keyboard")
    expect(keyboard.get_by_test_id("reply-button")).to_have_text(["📍 发送我的位置", "跳过"])
    keyboard.get_by_test_id("reply-button").filter(has_text="跳过").click()
    expect(bot_message(page, "不提供位置")).to_be_visible(timeout=WAIT_MS)
    # The step's keyboard gives way to the resident's own buttons.
    expect(keyboard.get_by_test_id("reply-button").first).to_have_text("📝 反映问题")

    press(page, "问题在哪个网格", "🏠 我的网格（.*）")
    press(page, "是否匿名反映", "实名反映")
    summary = bot_message(page, "请确认您要反映的问题")
    expect(summary).to_contain_text(DESCRIPTION, timeout=WAIT_MS)
    expect(summary).to_contain_text("照片：1 张")
    expect(summary).to_contain_text("位置：未提供")
    press(page, "请确认您要反映的问题", "✅ 确认提交")

    submitted = bot_message(page, NUMBER)
    expect(submitted).to_contain_text("已提交", timeout=WAIT_MS)
    found = NUMBER.search(submitted.inner_text())
    assert found is not None
    return found.group(0)


def test_a_person_registers_and_reports_a_problem_in_the_chat_page(
    demo: Demo, browser: Browser, artifacts_dir: Path
) -> None:
    context = browser.new_context(viewport={"width": 900, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(demo.url)
    expect(page.get_by_test_id("user-tab").filter(has_text="居民 王阿姨")).to_be_visible(
        timeout=WAIT_MS
    )

    user_id = create_user(page)
    register(page)
    number = report(page)

    assert re.fullmatch(r"MH-\d{4}-\d{6}", number)
    expect(page.get_by_text(number)).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "chat-page.png"))
    context.close()

    # The same conversation at phone size, as a fresh visitor who picks the user's tab.
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = phone.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(demo.url)
    tab = page.locator(f'[data-testid="user-tab"][data-user-id="{user_id}"]')
    tab.click(timeout=WAIT_MS)
    expect(tab).to_have_class(re.compile(r"\bactive\b"))
    expect(bot_message(page, NUMBER)).to_contain_text(number, timeout=WAIT_MS)
    expect(bot_message(page, NUMBER)).to_be_in_viewport()
    page.screenshot(path=str(artifacts_dir / "chat-page-phone.png"))
    phone.close()

    assert errors == [], f"JavaScript errors on the chat page: {errors}"


def test_an_admin_publishes_the_bulletin_and_the_channel_shows_it(
    demo: Demo, browser: Browser, artifacts_dir: Path
) -> None:
    """老陈 previews last month's assessment, publishes it, and the demo channel shows the
    chart (drawn with a CJK font) and the ranking."""
    context = browser.new_context(viewport={"width": 900, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(demo.url)
    page.get_by_test_id("user-tab").filter(has_text="管理员 老陈").click(timeout=WAIT_MS)
    send(page, "/bulletin")
    press(page, "晾晒通报", re.compile(r"上月 · .*").pattern)
    preview = bot_message(page, "网格工作考核通报")
    expect(preview).to_contain_text("🏅", timeout=WAIT_MS)
    press(page, "以上是预览", "📢 发布")
    expect(bot_message(page, "晾晒已发布")).to_be_visible(timeout=WAIT_MS)

    page.get_by_test_id("chat-tab").filter(has_text="埭溪镇基层治理晾晒").click(timeout=WAIT_MS)
    post = bot_message(page, "网格工作考核通报")
    expect(post).to_contain_text("月度先进", timeout=WAIT_MS)
    chart = page.locator('[data-testid="message"][data-from="bot"] img.photo').last
    expect(chart).to_be_visible(timeout=WAIT_MS)
    assert chart.evaluate("img => img.complete && img.naturalWidth") == 1000
    page.screenshot(path=str(artifacts_dir / "bulletin-channel.png"), full_page=True)
    context.close()
    assert errors == [], f"JavaScript errors on the chat page: {errors}"
