"""The resident's name and phone as staff type them (代办), and who may file."""

from __future__ import annotations

import pytest

from bot.proxy import rules


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("0572-2345678", "05722345678"),
        ("(0572) 2345 678", "05722345678"),
        ("010-12345678", "01012345678"),
        ("１３８ １２３４ ５６７８", "13812345678"),  # full-width, as some input methods type
        ("０５７２", None),
        ("12345678901", None),  # a mobile starts 13-19
        ("1381234567", None),  # 10 digits
        ("138123456789", None),  # 12 digits
        ("2345678", None),  # a landline without its area code
        ("+1 415 555 0100", None),
        ("", None),
        ("王阿姨", None),
    ],
)
def test_a_phone_is_a_mainland_number_kept_as_digits(typed: str, stored: str | None) -> None:
    assert rules.phone_of(typed) == stored


def test_a_wrong_phone_is_refused_with_its_reason() -> None:
    with pytest.raises(rules.ProxyRefused) as refused:
        rules.phone_typed("12345")
    assert refused.value.reason == "phone"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("王", "name_length"),
        ("", "name_length"),
        ("王" * 31, "name_length"),
        ("王1", "name_digits"),
    ],
)
def test_a_name_has_two_to_thirty_characters_and_no_digit(typed: str, reason: str) -> None:
    with pytest.raises(rules.ProxyRefused) as refused:
        rules.name_of(typed)
    assert refused.value.reason == reason


def test_a_name_keeps_its_words_with_single_spaces() -> None:
    assert rules.name_of("  欧阳  秀英 ") == "欧阳 秀英"
    assert rules.name_of("王" * 30) == "王" * 30


def test_phones_are_shown_grouped() -> None:
    assert rules.shown_phone("13812345678") == "138 1234 5678"
    assert rules.shown_phone("05722345678") == "0572-2345678"
    assert rules.shown_phone("01012345678") == "010-12345678"
    assert rules.shown_phone(None) == ""


def test_staff_file_for_residents_and_representatives_or_residents_do_not() -> None:
    for role in ("grid_worker", "department", "dispatcher", "admin"):
        assert rules.may_file([role])
    assert not rules.may_file(["representative"])
    assert not rules.may_file([])
