"""Every message exists in both languages and user text is always escaped."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.core.render import LANGUAGES, TEMPLATES_DIR, Renderer

FEATURES = sorted(p.stem for p in (TEMPLATES_DIR / "zh-CN").glob("*.html") if p.stem != "labels")


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize("feature", FEATURES)
def test_both_languages_define_the_same_messages(renderer: Renderer, feature: str) -> None:
    blocks = [renderer.blocks(lang, feature) for lang in LANGUAGES]
    assert blocks[0] == blocks[1], f"{feature}: {blocks[0] ^ blocks[1]}"


def test_every_english_template_exists() -> None:
    assert sorted(p.name for p in (TEMPLATES_DIR / "zh-CN").glob("*.html")) == sorted(
        p.name for p in (TEMPLATES_DIR / "en").glob("*.html")
    )


def test_user_text_is_escaped(renderer: Renderer) -> None:
    text = renderer.render("zh-CN", "report.address_received", address="<b>3幢</b> & co")
    assert text == "地址：&lt;b&gt;3幢&lt;/b&gt; &amp; co"


def test_a_missing_value_is_an_error_not_a_blank(renderer: Renderer) -> None:
    with pytest.raises(Exception, match="undefined"):
        renderer.render("en", "report.address_received")
