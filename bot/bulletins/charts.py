"""The picture of a bulletin: a horizontal bar chart of the main ranking, as PNG bytes.

Drawn on a `matplotlib.figure.Figure` with the Agg canvas and never through pyplot, so no
global state is touched and charts can be drawn from any thread of a server. Every text
carries its own CJK font (a `FontProperties` with the file found by `cjk_font`) instead of
changing rcParams. A chart must never show a missing-glyph box: when no CJK font is
installed, or some text has a character the font lacks, `NoFont` is raised before anything
is drawn, and the caller sends the bulletin without its picture.

matplotlib is imported inside the functions: importing this module stays cheap for the
parts of the bot that never draw.
"""

from __future__ import annotations

import functools
import io
import math
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.bulletins.tables import Bar

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ft2font import FT2Font

# Families covering Simplified Chinese, best first.
FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Serif CJK SC",
)
# Where Debian's packages put them, for when matplotlib's font cache predates the package.
DEBIAN_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
)
PROBE = "上强社区第一网格老虎潭村阳山工业园晾晒红榜"  # a font must cover these to be used

DPI = 100
BAR_INCHES = 0.42  # height of one bar's row
MAX_BARS = 40
HONOURED = "#c0392b"  # 红榜 red
RANKED = "#5b7a99"  # grey-blue
UNRANKED = "#d5d8dc"
UNRANKED_EDGE = "#a6acb3"
TEXT = "#222222"
MUTED = "#6b7075"


class NoFont(Exception):
    """No installed font can draw every character of the chart's text."""


@functools.cache
def _cjk_face() -> tuple[Path, int] | None:
    """The file and face index of the best installed font for Simplified Chinese."""
    from matplotlib import font_manager

    for family in FAMILIES:
        try:
            found = font_manager.findfont(
                font_manager.FontProperties(family=family), fallback_to_default=False
            )
        except ValueError:
            continue
        path, index = Path(found), int(getattr(found, "face_index", 0))
        if path.is_file() and covers(path, PROBE, face_index=index):
            return path, index
    for path in DEBIAN_FONTS:
        if path.is_file() and (best := _best_face(path)) is not None:
            return path, best
    return None


def _best_face(path: Path) -> int | None:
    """The face of a font file for Simplified Chinese (a .ttc holds several), if any."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    try:
        faces = FT2Font(str(path)).num_faces
    except (OSError, RuntimeError):
        return None
    if not hasattr(font_manager, "FontPath"):  # matplotlib < 3.11 draws a file's first face
        faces = 1
    names = {_open(path, index).family_name: index for index in range(faces)}
    preferred = [names[family] for family in FAMILIES if family in names]
    for index in [*preferred, *range(faces)]:
        if covers(path, PROBE, face_index=index):
            return index
    return None


def _open(path: Path, face_index: int) -> FT2Font:
    from matplotlib.ft2font import FT2Font

    if face_index == 0:  # matplotlib < 3.11 has no face_index parameter
        return FT2Font(str(path))
    return FT2Font(str(path), face_index=face_index)


def cjk_font() -> Path | None:
    """The installed font file used for the charts' Chinese text, or None (cached)."""
    face = _cjk_face()
    return face[0] if face is not None else None


def covers(font_path: Path, text: str, *, face_index: int = 0) -> bool:
    """Whether the font has a glyph for every character of `text` other than spaces."""
    font = _open(font_path, face_index)
    return all(font.get_char_index(ord(char)) != 0 for char in set(text) if not char.isspace())


@functools.cache
def _bold_face() -> tuple[Path, int] | None:
    """The bold sibling of the regular font (Noto ships one file per weight), if any."""
    face = _cjk_face()
    if face is None or "Regular" not in face[0].name:
        return face
    path, index = face[0].with_name(face[0].name.replace("Regular", "Bold")), face[1]
    try:
        return (path, index) if covers(path, PROBE, face_index=index) else face
    except (OSError, RuntimeError):
        return face


def _font(size: float, *, bold: bool = False) -> FontProperties:
    """The CJK font at `size` points, the right face of a .ttc where matplotlib allows."""
    from matplotlib import font_manager

    face = _bold_face() if bold else _cjk_face()
    if face is None:
        raise NoFont("no installed font covers Simplified Chinese")
    path, index = face
    fname = str(path)
    font_path = getattr(font_manager, "FontPath", None)  # matplotlib >= 3.11 reads the index
    if index and font_path is not None:
        fname = font_path(fname, index)
    return font_manager.FontProperties(fname=fname, size=size)


def _check_glyphs(texts: Iterable[str], *, bold: bool = False) -> None:
    """Raise NoFont unless the (bold) CJK font has every character of `texts`."""
    face = _bold_face() if bold else _cjk_face()
    if face is None:
        raise NoFont("no installed font covers Simplified Chinese")
    path, index = face
    font = _open(path, index)
    missing = sorted(
        {
            char
            for text in texts
            for char in text
            if not char.isspace() and font.get_char_index(ord(char)) == 0
        }
    )
    if missing:
        shown = ", ".join(f"U+{ord(char):04X}" for char in missing)
        raise NoFont(f"{path.name} has no glyph for {shown}")


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` columns, a CJK character counting two (no spaces needed)."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        line, used = "", 0
        for char in paragraph:
            size = 2 if unicodedata.east_asian_width(char) in "WF" else 1
            if used + size > width and line:
                lines.append(line.rstrip())
                line, used = char.lstrip(), size if not char.isspace() else 0
            else:
                line, used = line + char, used + size
        lines.append(line.rstrip())
    return [line for line in lines if line]


def _ordered(bars: Sequence[Bar]) -> list[Bar]:
    """Ranked bars by rank (ties keep the caller's order), then the unranked ones."""
    return sorted(bars, key=lambda bar: (bar.rank is None, bar.rank or 0))


def _label(bar: Bar) -> str:
    return bar.label if bar.rank is None else f"{bar.rank} {bar.label}"


def ranking_chart(
    title: str,
    bars: list[Bar],
    *,
    axis_label: str,
    unranked_note: str = "",
    more_note: str = "",
    max_bars: int = MAX_BARS,
    width_px: int = 1000,
) -> bytes:
    """A PNG of the ranking, best at the top; the honoured bars red, the unranked hatched.

    Only the first `max_bars` bars are drawn; then `more_note` (or "… +N") is a footnote.
    `unranked_note` is a footnote when an unranked bar is drawn. Raises NoFont when the
    text cannot be drawn without missing glyphs."""
    figure = _figure(
        title,
        bars,
        axis_label=axis_label,
        unranked_note=unranked_note,
        more_note=more_note,
        max_bars=max_bars,
        width_px=width_px,
    )
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return out.getvalue()


def _figure(
    title: str,
    bars: list[Bar],
    *,
    axis_label: str,
    unranked_note: str,
    more_note: str,
    max_bars: int,
    width_px: int,
) -> Figure:
    """The chart's figure, on its own Agg canvas (see `ranking_chart`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    if not bars:
        raise ValueError("a ranking chart needs at least one bar")
    if not 400 <= width_px <= 2000:
        raise ValueError(f"width_px must be within 400..2000, not {width_px}")
    ordered = _ordered(bars)
    shown = ordered[: max(1, max_bars)]
    hidden = len(ordered) - len(shown)
    labels = [_label(bar) for bar in shown]
    values = [bar.value if math.isfinite(bar.value) else 0.0 for bar in shown]
    texts = [f"{value:.1f}" for value in values]
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0
    limits = (low - (0.12 * span if low < 0 else 0.0), high + 0.12 * span)
    ticks = [t for t in MaxNLocator(nbins=6).tick_values(*limits) if low <= t <= limits[1]]
    tick_texts = [f"{tick:g}" for tick in ticks]  # an ASCII minus, unlike the default U+2212
    footnotes = []
    if unranked_note and any(bar.rank is None for bar in shown):
        footnotes.append(unranked_note)
    if hidden:
        footnotes.append(more_note or f"… +{hidden}")
    _check_glyphs([axis_label, *footnotes, *labels, *texts, *tick_texts])
    _check_glyphs([title], bold=True)

    title_lines = _wrap(title, width_px // 12) or [""]
    note_lines = [line for note in footnotes for line in _wrap(note, width_px // 9)]
    rows = max(len(shown), 3)
    height_in = 0.35 + 0.36 * len(title_lines) + BAR_INCHES * rows + 0.75 + 0.22 * len(note_lines)
    figure = Figure(figsize=(width_px / DPI, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()

    positions = list(range(len(shown)))
    colours = [HONOURED if bar.honoured else RANKED for bar in shown]
    container = axes.barh(positions, values, height=0.68, color=colours, zorder=2)
    for bar, patch in zip(shown, container.patches, strict=True):
        if bar.rank is None:
            patch.set_facecolor(UNRANKED)
            patch.set_edgecolor(UNRANKED_EDGE)
            patch.set_hatch("//")
    axes.bar_label(container, labels=texts, padding=4, fontproperties=_font(10.5), color=TEXT)

    axes.set_yticks(positions, labels, fontproperties=_font(11.5), parse_math=False)
    for bar, tick in zip(shown, axes.get_yticklabels(), strict=True):
        if bar.honoured:
            tick.set_color(HONOURED)
        elif bar.rank is None:
            tick.set_color(MUTED)
    axes.set_ylim(rows - 0.5, -0.5)  # best first, at the top; a short chart keeps its bars thin
    axes.set_xlim(*limits)
    axes.set_xticks(ticks, tick_texts, fontproperties=_font(10), color=MUTED)
    axes.tick_params(axis="y", length=0)
    axes.tick_params(axis="x", color="#b8bdc2")
    axes.set_xlabel(axis_label, fontproperties=_font(10.5), color=MUTED, parse_math=False)
    axes.grid(axis="x", color="#e3e6e8", linewidth=0.8, zorder=0)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color("#b8bdc2")

    figure.suptitle(
        "\n".join(title_lines),
        fontproperties=_font(15, bold=True),
        color=TEXT,
        x=0.01,
        ha="left",
        parse_math=False,
    )
    if note_lines:
        figure.supxlabel(
            "\n".join(note_lines),
            fontproperties=_font(10),
            color=MUTED,
            x=0.01,
            ha="left",
            linespacing=1.4,
            parse_math=False,
        )
    return figure
