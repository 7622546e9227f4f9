"""The bulletin's ranking chart: Chinese text drawn in a CJK font, never as missing-glyph boxes.

Without a CJK font these tests are skipped locally and fail under CI=true, where
fonts-noto-cjk is part of the environment (.ci/install-browser installs it).
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import matplotlib
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from bot.bulletins import charts
from bot.bulletins.charts import NoFont, cjk_font, covers, ranking_chart
from bot.bulletins.tables import Bar

TITLE = "2025年第三季度 网格晾晒：群众满意度"
AXIS = "得分（满分100）"
UNRANKED_NOTE = "灰色斜线：新设网格不足三个月，不参与排名。"
MORE_NOTE = "只画出前40名，完整名单见附件。"

BARS = [
    Bar("阳山工业园网格", 91.0, 2, honoured=True),  # given out of order on purpose
    Bar("上强社区第一网格", 96.5, 1, honoured=True),
    Bar("新设网格", 40.0, None),
    Bar("老虎潭村网格", 91.0, 2, honoured=True),  # a tie with 阳山工业园网格
    Bar("城东社区第二网格", 72.34, 4),
]


@pytest.fixture
def font() -> Path:
    """The CJK font the charts use (a skip locally, a failure under CI=true, when missing)."""
    found = cjk_font()
    if found is None:
        reason = "no CJK font is installed (Debian: apt-get install fonts-noto-cjk)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    return found


def draw(bars: list[Bar], *, more_note: str = "") -> bytes:
    """The chart's PNG, with every warning (a missing glyph among them) turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return ranking_chart(
            TITLE, bars, axis_label=AXIS, unranked_note=UNRANKED_NOTE, more_note=more_note
        )


def figure_of(bars: list[Bar], *, more_note: str = "") -> Figure:
    """The figure behind the PNG, to look at what was drawn."""
    return charts._figure(
        TITLE,
        bars,
        axis_label=AXIS,
        unranked_note=UNRANKED_NOTE,
        more_note=more_note,
        max_bars=charts.MAX_BARS,
        width_px=1000,
    )


def image(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    picture = Image.open(io.BytesIO(png))
    picture.load()
    return picture


def within_telegram_photo_limits(png: bytes) -> None:
    width, height = image(png).size
    assert len(png) < 1_000_000
    assert width + height <= 10_000
    assert max(width, height) / min(width, height) <= 20


def tick_labels(figure: Figure) -> list[str]:
    axes = figure.axes[0]
    return [tick.get_text() for tick in axes.get_yticklabels()]


def test_the_font_found_covers_simplified_chinese(font: Path) -> None:
    name = font.name.lower()
    assert any(mark in name for mark in ("cjk", "sc", "han", "wqy", "wenquanyi")), font
    for text in (TITLE, AXIS, UNRANKED_NOTE, MORE_NOTE, *(bar.label for bar in BARS)):
        assert covers(font, text), text
    assert not covers(font, "网格\ue000")


def test_a_ranking_is_drawn_as_a_png_without_a_single_warning(font: Path) -> None:
    png = draw(BARS)

    width, height = image(png).size
    assert width == 1000
    assert 250 <= height <= 1200
    within_telegram_photo_limits(png)


def test_best_first_ties_share_a_number_and_the_unranked_come_last(font: Path) -> None:
    figure = figure_of(BARS)

    assert tick_labels(figure) == [
        "1 上强社区第一网格",
        "2 阳山工业园网格",
        "2 老虎潭村网格",
        "4 城东社区第二网格",
        "新设网格",
    ]
    patches = figure.axes[0].patches
    assert [patch.get_hatch() for patch in patches] == [None, None, None, None, "//"]
    honoured = patches[0].get_facecolor()
    assert patches[1].get_facecolor() == honoured
    assert patches[3].get_facecolor() != honoured
    texts = [text.get_text() for text in figure.findobj(Text)]
    assert "96.5" in texts and "72.3" in texts  # one decimal at the end of each bar
    assert any(UNRANKED_NOTE in text for text in texts)


def test_every_text_is_drawn_in_the_cjk_font_and_rcparams_are_untouched(font: Path) -> None:
    before = dict(matplotlib.rcParams)
    figure = figure_of(BARS)
    figure.canvas.draw()

    drawn = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert len(drawn) >= 2 * len(BARS) + 2  # labels, values, title, axis label, ...
    for text in drawn:
        used = text.get_fontproperties().get_file()
        assert used is not None, text.get_text()
        assert Path(os.fsdecode(used)).parent == font.parent, text.get_text()
        assert covers(Path(os.fsdecode(used)), text.get_text()), text.get_text()
    assert dict(matplotlib.rcParams) == before


def test_a_character_the_font_lacks_raises_no_font_instead_of_drawing_a_box(font: Path) -> None:
    with pytest.raises(NoFont, match="U\\+E000"):
        draw([*BARS, Bar("网格\ue000", 50.0, 5)])
    with pytest.raises(NoFont):
        ranking_chart("\ue000", BARS, axis_label=AXIS)


def test_without_any_cjk_font_the_chart_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts, "_cjk_face", lambda: None)

    with pytest.raises(NoFont):
        ranking_chart(TITLE, BARS, axis_label=AXIS)


def test_a_hundred_bars_are_capped_at_forty_with_a_footnote(font: Path) -> None:
    bars = [Bar(f"网格{i}", 100 - i * 0.5, i + 1, honoured=i < 6) for i in range(100)]

    png = draw(bars, more_note=MORE_NOTE)
    figure = figure_of(bars, more_note=MORE_NOTE)

    within_telegram_photo_limits(png)
    assert len(figure.axes[0].patches) == 40
    assert tick_labels(figure)[-1] == "40 网格39"
    assert any(MORE_NOTE in text.get_text() for text in figure.findobj(Text))


def test_a_single_bar_still_makes_a_reasonable_photo(font: Path) -> None:
    png = draw([Bar("上强社区第一网格", 0.0, 1, honoured=True)])

    within_telegram_photo_limits(png)
    assert image(png).size[1] >= 200


def test_an_empty_ranking_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least one bar"):
        ranking_chart(TITLE, [], axis_label=AXIS)


def test_a_font_missing_from_matplotlibs_cache_is_found_at_debians_path(
    font: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matplotlib import font_manager

    def nothing(*args: object, **kwargs: object) -> str:
        raise ValueError("not in the cache")

    monkeypatch.setattr(font_manager, "findfont", nothing)
    charts._cjk_face.cache_clear()
    try:
        found = charts._cjk_face()
    finally:
        charts._cjk_face.cache_clear()

    if not any(path.is_file() for path in charts.DEBIAN_FONTS):
        pytest.skip("the CJK font installed here is not at one of Debian's paths")
    assert found is not None
    path, face = found
    assert path in charts.DEBIAN_FONTS
    assert covers(path, TITLE + AXIS, face_index=face)
