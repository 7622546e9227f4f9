"""The button registry and the one date reader."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.core import buttons
from bot.core.dates import parse_day, parse_deadline, parse_moment

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests declare families of their own: keep them out of the product's registry."""
    monkeypatch.setattr(buttons, "_PREFIXES", dict(buttons._PREFIXES))
    monkeypatch.setattr(buttons, "_FAMILIES", list(buttons._FAMILIES))


def test_a_family_packs_what_its_pattern_matches_and_parses_back() -> None:
    prefix = buttons.Prefix("zzt")
    view = prefix("v", buttons.INT, buttons.optional(buttons.KEY))
    data = view.pack(42, "ab12")
    assert data == "zzt:v:42:ab12"
    assert view.parse(data) == (42, "ab12")
    assert view.parse("zzt:v:42") == (42, None)  # an older button without the key
    assert view.parse("zzt:v:x") is None  # forged
    assert view.parse("zzt:v:42:ab12:9") is None
    assert buttons.family_of(data) is view
    assert buttons.family_of("zzt:w:1") is None
    with pytest.raises(ValueError):
        view.pack("not a number")
    with pytest.raises(ValueError):
        view.pack(1, "x" * 40)


def test_a_prefix_or_a_verb_declared_twice_is_refused() -> None:
    prefix = buttons.Prefix("zzu")
    prefix("a")
    with pytest.raises(ValueError):
        prefix("a")
    with pytest.raises(ValueError):
        buttons.Prefix("zzu")
    with pytest.raises(ValueError):  # its groups would shift the fields `parse` reads
        prefix("b", buttons.Field("(a|b)", str, "a"))


def test_data_over_64_bytes_is_never_built() -> None:
    long = buttons.Prefix("zzv")("w", buttons.WORD, buttons.WORD)
    with pytest.raises(ValueError):
        long.pack("a" * 30, "b" * 30)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-05", date(2026, 12, 5)),
        ("2026/12/5", date(2026, 12, 5)),
        ("2026年12月5日", date(2026, 12, 5)),
        ("12-05", date(2026, 12, 5)),
        ("12月5日", date(2026, 12, 5)),
        ("01-10", date(2027, 1, 10)),  # typed in late November: the coming January
        ("11-29", date(2026, 11, 29)),  # yesterday stays this year (the caller says "past")
        ("2026-02-30", None),
        ("13-01", None),
        ("tomorrow", None),
    ],
)
def test_one_reader_of_typed_days(typed: str, expected: date | None) -> None:
    assert parse_day(typed, date(2026, 11, 30)) == expected


def test_moments_and_deadlines() -> None:
    now = datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("UTC"))
    at = datetime(2026, 12, 5, 9, 30, tzinfo=SHANGHAI)
    for typed in ("2026-12-05 09:30", "12月5日 9点30分", "12-05T9:30", "2026年12月5日9：30"):
        assert parse_moment(typed, SHANGHAI, now) == at
    assert parse_moment("12-05 25:00", SHANGHAI, now) is None
    assert parse_deadline("12-05", SHANGHAI, now, time(18)) == datetime(
        2026, 12, 5, 18, tzinfo=SHANGHAI
    )
    assert parse_deadline("12-05 9:30", SHANGHAI, now, time(18)) == at
