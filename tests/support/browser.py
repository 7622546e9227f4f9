"""Debian's Chromium for the browser tests: skip where it cannot run, fail under CI=true."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

# Debian's Chromium (Playwright's own browser download is not used); overridable for checks.
CHROMIUM = os.environ.get("MINHU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browser_unavailable(reason: str) -> NoReturn:
    """Skip, or fail when running on CI (CI=true), because the browser cannot be used."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and the browser is unusable: {reason}", pytrace=False)
    pytest.skip(reason)


def find_chromium() -> str:
    """The Chromium executable, after checking that Playwright can launch it."""
    path = Path(CHROMIUM)
    if not path.is_file() or not os.access(path, os.X_OK):
        browser_unavailable(f"{CHROMIUM} is missing or not executable")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        browser_unavailable(f"the playwright package is not installed ({exc})")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(path), args=CHROMIUM_ARGS, timeout=30_000
            )
            browser.close()
    except Exception as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        browser_unavailable(f"{CHROMIUM} cannot be launched: {first_line}")
    return str(path)
