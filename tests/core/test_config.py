"""Configuration: good values load; a missing or malformed value is one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.config import TELEGRAM_API_URL, ConfigError, load_settings

TOKEN = "123456:ABCdef_ghi-JKL"


def test_defaults() -> None:
    s = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}, dotenv=None)
    assert s.api_url == TELEGRAM_API_URL and s.database == "minhu.db"
    assert s.timezone == "Asia/Shanghai" and s.admin_ids == frozenset()
    assert s.file_url == "https://api.telegram.org/file/bot"


def test_all_values(tmp_path: Path) -> None:
    s = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "MINHU_TELEGRAM_API_URL": "http://127.0.0.1:8080/bot",
            "MINHU_DATABASE": str(tmp_path / "x.db"),
            "MINHU_TIMEZONE": "UTC",
            "MINHU_ADMIN_IDS": "1, 2,3",
        },
        dotenv=None,
    )
    assert s.file_url == "http://127.0.0.1:8080/file/bot"
    assert s.admin_ids == frozenset({1, 2, 3}) and s.timezone == "UTC"


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f'TELEGRAM_BOT_TOKEN="{TOKEN}"\nMINHU_TIMEZONE=UTC\n# comment\n')
    s = load_settings({"MINHU_TIMEZONE": "Asia/Shanghai"}, dotenv=env_file)
    assert s.token == TOKEN and s.timezone == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "nonsense"}, "TELEGRAM_BOT_TOKEN is malformed"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "MINHU_TIMEZONE": "Mars/Olympus"}, "MINHU_TIMEZONE"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "MINHU_ADMIN_IDS": "1,abc"}, "MINHU_ADMIN_IDS"),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "MINHU_TELEGRAM_API_URL": "ftp://x"},
            "MINHU_TELEGRAM_API_URL",
        ),
    ],
)
def test_bad_values_are_one_clear_error(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env, dotenv=None)


def test_minhu_run_without_a_token_says_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "MINHU_DATABASE": str(tmp_path / "x.db")},
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "minhu: configuration error: TELEGRAM_BOT_TOKEN is not set (put it in the environment "
        "or .env)"
    ]


def test_bulletin_settings_and_their_errors() -> None:
    from datetime import time

    base = {"TELEGRAM_BOT_TOKEN": "123:abc"}
    defaults = load_settings(base, dotenv=None)
    assert defaults.bulletin_chat_id is None
    assert (defaults.bulletin_weekly, defaults.bulletin_monthly) == ((0, time(9)), (1, time(9)))
    s = load_settings(
        base
        | {
            "MINHU_BULLETIN_CHAT_ID": "-1001234567890",
            "MINHU_BULLETIN_WEEKLY": "Fri 17:30",
            "MINHU_BULLETIN_MONTHLY": "off",
            "MINHU_BULLETIN_WEIGHTS": "patrol=0, ack=40",
            "MINHU_BULLETIN_MIN_CASES": "5",
            "MINHU_BULLETIN_LANGUAGE": "en",
        },
        dotenv=None,
    )
    assert (s.bulletin_chat_id, s.bulletin_weekly, s.bulletin_monthly) == (
        -1001234567890,
        (4, time(17, 30)),
        None,
    )
    assert (s.bulletin_weights.ack, s.bulletin_weights.patrol, s.bulletin_min_cases) == (40, 0, 5)
    for name, value, message in (
        ("MINHU_BULLETIN_CHAT_ID", "@channel", "chat id"),
        ("MINHU_BULLETIN_WEEKLY", "monday 9am", "mon 09:00"),
        ("MINHU_BULLETIN_MONTHLY", "31 09:00", "day 1–28"),
        ("MINHU_BULLETIN_WEIGHTS", "speed=3", "unknown weight"),
        ("MINHU_BULLETIN_MIN_CASES", "0", "1..1000"),
        ("MINHU_BULLETIN_LANGUAGE", "fr", "zh-CN or en"),
    ):
        with pytest.raises(ConfigError, match=message):
            load_settings(base | {name: value}, dotenv=None)
