"""Unit tests: HTML parsing, safe rendering, UTF-16 counting, token buckets, media helpers."""

from __future__ import annotations

import pytest

from bot.emulator.config import EmulatorConfig
from bot.emulator.limits import ApiError, FloodControl, TokenBucket
from bot.emulator.media import image_info, make_png, thumb_dims
from bot.emulator.textparse import (
    EntityParseError,
    bot_command_entities,
    entities_to_html,
    parse_html,
    utf16_len,
)

from .conftest import FakeClock


def test_utf16_len() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("中文") == 2
    assert utf16_len("😀") == 2


def test_parse_html_offsets_are_utf16() -> None:
    text, entities = parse_html("😀<b>粗体</b>")
    assert text == "😀粗体"
    assert entities == [{"type": "bold", "offset": 2, "length": 2}]


def test_parse_html_nested_and_attributes() -> None:
    text, entities = parse_html(
        "<b>a<i>b</i></b><a href='tg://user?id=1'>u</a><tg-emoji emoji-id=\"5\">👍</tg-emoji>"
    )
    assert text == "abu👍"
    assert entities[1] == {"type": "italic", "offset": 1, "length": 1}
    assert entities[2]["url"] == "tg://user?id=1"
    assert entities[3]["custom_emoji_id"] == "5"
    with pytest.raises(EntityParseError):
        parse_html("<tg-emoji>x</tg-emoji>")
    with pytest.raises(EntityParseError):
        parse_html('<a href="x>y</a>')


def test_render_is_safe_and_handles_overlaps() -> None:
    text = "<script>alert(1)</script> & x"
    assert entities_to_html(text, []) == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; x"
    evil = [{"type": "text_link", "offset": 0, "length": 3, "url": "javascript:alert(1)"}]
    assert 'href="#"' in entities_to_html("abc", evil)
    overlap = [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 2, "length": 4},
    ]
    assert entities_to_html("abcdef", overlap) == "<b>ab<i>cd</i></b><i>ef</i>"
    emoji = [{"type": "bold", "offset": 2, "length": 1}]
    assert entities_to_html("😀x", emoji) == "😀<b>x</b>"
    text, entities = parse_html('<pre><code class="language-py">a&lt;b</code></pre>')
    assert entities_to_html(text, entities) == '<pre data-language="py">a&lt;b</pre>'


def test_bot_commands() -> None:
    assert bot_command_entities("/start abc") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert bot_command_entities("路径 a/b 和 /help@minhu_bot") == [
        {"type": "bot_command", "offset": 9, "length": 15}
    ]


def test_token_bucket_with_injected_clock() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2.0, burst=3, clock=clock)
    for _ in range(3):
        assert bucket.wait_time() == 0
        bucket.take()
    assert bucket.wait_time() == pytest.approx(0.5)
    clock.advance(0.25)
    assert bucket.wait_time() == pytest.approx(0.25)
    clock.advance(10)
    assert bucket.tokens <= 3 and bucket.wait_time(3) == 0


def test_flood_control_retry_after_is_integer_and_rejected_calls_are_free() -> None:
    clock = FakeClock()
    flood = FloodControl(clock)
    cfg = EmulatorConfig(group_burst=2, group_rate=0.1)
    flood.check(cfg, -1001, "supergroup", 2)
    with pytest.raises(ApiError) as err:
        flood.check(cfg, -1001, "supergroup")
    assert err.value.code == 429 and err.value.retry_after == 10
    clock.advance(9.5)
    with pytest.raises(ApiError) as err:
        flood.check(cfg, -1001, "supergroup")
    assert err.value.retry_after == 1
    clock.advance(0.5)
    flood.check(cfg, -1001, "supergroup")


def test_media_helpers() -> None:
    png = make_png(33, 17)
    assert image_info(png) == ("image/png", 33, 17)
    assert image_info(b"not an image") is None
    assert thumb_dims(900, 300) == (90, 30)
    assert thumb_dims(50, 20) == (50, 20)
