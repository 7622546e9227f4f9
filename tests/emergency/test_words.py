"""The rules of danger words, without Telegram: which words a text names, which list applies,
and that a message is answered once."""

from __future__ import annotations

from bot.core.config import load_settings
from bot.emergency.words import DEFAULT_WORDS, REMEMBERED, Answered, found, parse_words


def test_a_danger_word_inside_a_long_text_is_found() -> None:
    text = "我家楼下那家饭店每天晚上都很吵，油烟也大，今天厨房那边好像着火了，还在冒烟，" * 5
    assert found(text, DEFAULT_WORDS) == ["着火", "冒烟"]


def test_a_fear_is_not_a_danger_now_but_a_real_one_beside_it_is() -> None:
    assert found("3幢楼下的消防栓没水，万一着火就麻烦了", DEFAULT_WORDS) == []
    assert found("消防通道被堵了，如果发生火灾消防车进不来", DEFAULT_WORDS) == []
    assert found("如果着火怎么办？现在就冒烟了！", DEFAULT_WORDS) == ["冒烟"]
    assert found("担心漏气。刚才真的闻到漏气了", DEFAULT_WORDS) == ["漏气"]


def test_everyday_words_are_not_danger() -> None:
    assert found("3号楼楼道灯坏了好几天了", DEFAULT_WORDS) == []
    assert found("", DEFAULT_WORDS) == [] and found(None, DEFAULT_WORDS) == []


def test_the_list_is_configurable_and_defaults_when_empty() -> None:
    assert parse_words(" 着火，地震 , ,着火") == ("着火", "地震")
    settings = load_settings(
        {"MINHU_EMERGENCY_WORDS": "地震，Fire"}, dotenv=None, require_token=False
    )
    assert settings.emergency_words == ("地震", "Fire")
    assert found("the FIRE is spreading", settings.emergency_words) == ["Fire"]
    default = load_settings({}, dotenv=None, require_token=False)
    assert default.emergency_words == DEFAULT_WORDS and "燃气泄漏" in DEFAULT_WORDS


def test_a_message_is_answered_once_and_the_memory_is_bounded() -> None:
    answered = Answered.of(None)
    assert answered.first_time(7) and not answered.first_time(7)
    for i in range(100, 100 + REMEMBERED):
        assert answered.first_time(i)
    assert len(answered.ids) == REMEMBERED and 7 not in answered.ids
    assert Answered.of(answered.ids).ids == answered.ids
