"""The ladder's settings: defaults, every rung moved, and a bad value is one clear line."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.core.config import ConfigError, load_settings

BASE = {"TELEGRAM_BOT_TOKEN": "123:abc"}


def test_the_default_ladder() -> None:
    s = load_settings(BASE, dotenv=None)
    assert s.ladder_remind_before == timedelta(hours=4)
    assert (s.ladder_urge_at, s.ladder_report_after, s.ladder_digest_at) == (
        time(9),
        3,
        time(8, 30),
    )


def test_every_rung_can_move_and_the_digest_can_be_off() -> None:
    s = load_settings(
        BASE
        | {
            "MINHU_LADDER_REMIND_HOURS": "2.5",
            "MINHU_LADDER_URGE_AT": "8:15",
            "MINHU_LADDER_REPORT_AFTER": "5",
            "MINHU_LADDER_DIGEST_AT": "off",
        },
        dotenv=None,
    )
    assert s.ladder_remind_before == timedelta(hours=2.5)
    assert (s.ladder_urge_at, s.ladder_report_after, s.ladder_digest_at) == (
        time(8, 15),
        5,
        None,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MINHU_LADDER_REMIND_HOURS", "0"),
        ("MINHU_LADDER_REMIND_HOURS", "soon"),
        ("MINHU_LADDER_URGE_AT", "25:00"),
        ("MINHU_LADDER_REPORT_AFTER", "0"),
        ("MINHU_LADDER_REPORT_AFTER", "three"),
        ("MINHU_LADDER_DIGEST_AT", "8.30"),
    ],
)
def test_a_bad_value_is_one_clear_line(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings(BASE | {name: value}, dotenv=None)
