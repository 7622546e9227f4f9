"""A bulletin's exports: a page that opens offline and escapes names, a workbook that sorts."""

from __future__ import annotations

import base64
import io
from html.parser import HTMLParser

import openpyxl
import pytest

from bot.bulletins.exports import cell_text, html_page, xlsx_workbook
from bot.bulletins.tables import Table

VOID = frozenset({"meta", "img", "br", "hr", "link", "input", "col", "source", "wbr"})

GRIDS = Table(
    key="grids",
    title="网格排名 <b>&",
    columns=["名次", "网格", "得分", "按期办结率", "平均办理天数"],
    rows=[
        [1, "上强社区第一网格", 96.5, 0.875, 2.25],
        [2, "老虎潭村网格", 91.0, 1.0, None],
        [None, "新设网格", None, None, 4.0],
    ],
    percent_columns=frozenset({3}),
    note="得分 = 按期办结率 × 60 + 满意度 × 40",
)
WORKERS = Table(
    key="workers",
    title="网格员排名",
    columns=["名次", "网格员", "办结件数"],
    rows=[[1, "王阿姨", 12], [2, "=SUM(A1:A2)", 7]],  # a name that looks like a formula
)
REPRESENTATIVES = Table(
    key="reps",
    title="人大代表:联系群众/接待[情况]*统计?与第三季度晾晒排名的说明",  # forbidden and long
    columns=["代表", "接待次数"],
    rows=[["李代表", 3]],
)
TABLES = [GRIDS, WORKERS, REPRESENTATIVES]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


class BalanceChecker(HTMLParser):
    """Fails on a closing tag that does not match the innermost open one."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.seen: list[str] = []
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append(tag)
        self.sources += [value or "" for name, value in attrs if name in ("src", "href")]
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()


def parse(page: str) -> BalanceChecker:
    checker = BalanceChecker()
    checker.feed(page)
    checker.close()
    assert checker.open == []
    return checker


def test_the_page_is_balanced_html_with_escaped_text() -> None:
    page = html_page("晾晒 <script>alert(1)</script>", "2025年第三季度 & 全镇", TABLES)

    parsed = parse(page)
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in page and '<meta charset="utf-8">' in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>" not in page and "网格排名 &lt;b&gt;&amp;" in page
    assert "2025年第三季度 &amp; 全镇" in page
    assert parsed.seen.count("table") == 3
    assert parsed.seen.count("caption") == 3 and parsed.seen.count("thead") == 3
    assert "=SUM(A1:A2)" in page


def test_the_page_shows_shares_as_percents_and_missing_values_as_a_dash() -> None:
    page = html_page("晾晒", "", [GRIDS])

    assert '<td class="num">87.5%</td>' in page
    assert '<td class="num">100.0%</td>' in page
    assert '<td class="num">96.5</td>' in page
    assert '<td class="empty">—</td>' in page
    assert "得分 = 按期办结率 × 60 + 满意度 × 40" in page  # the note under the table
    assert 'class="subtitle"' not in page


def test_the_page_loads_nothing_from_the_network_and_embeds_the_chart() -> None:
    page = html_page("晾晒", "第三季度", TABLES, chart_png=PNG, language="en")

    parsed = parse(page)
    assert "http" not in page
    assert '<html lang="en">' in page
    assert parsed.sources == ["data:image/png;base64," + base64.b64encode(PNG).decode()]
    assert "<img" not in html_page("晾晒", "第三季度", TABLES)


def test_cells_read_the_same_everywhere() -> None:
    assert cell_text(0.875, percent=True) == "87.5%"
    assert cell_text(None, percent=True) == "—"
    assert cell_text(float("nan")) == "—"
    assert cell_text(91.04) == "91.0"
    assert cell_text(12) == "12"
    assert cell_text("王阿姨") == "王阿姨"


def test_a_row_of_the_wrong_length_is_refused() -> None:
    broken = Table(key="broken", title="坏表", columns=["a", "b"], rows=[[1]])

    with pytest.raises(ValueError, match="row 1 has 1 cells for 2 columns"):
        html_page("晾晒", "", [broken])
    with pytest.raises(ValueError, match="row 1 has 1 cells for 2 columns"):
        xlsx_workbook("晾晒", [broken])


def test_the_workbook_keeps_numbers_sortable() -> None:
    data = xlsx_workbook("2025年第三季度晾晒", TABLES)

    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["网格排名 <b>&"]
    assert sheet["A1"].value == "2025年第三季度晾晒 — 网格排名 <b>&"
    assert sheet["A1"].font.b
    assert [cell.value for cell in sheet[2]] == GRIDS.columns
    assert all(cell.font.b for cell in sheet[2])
    assert sheet["A3"].value == 1 and isinstance(sheet["A3"].value, int)
    assert sheet["C3"].value == 96.5 and isinstance(sheet["C3"].value, float)
    assert sheet["D3"].value == 0.875 and "%" in sheet["D3"].number_format
    assert sheet["D4"].value == 1
    assert sheet["E4"].value is None and sheet["A5"].value is None
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:E5"
    assert sheet["A7"].value == GRIDS.note
    assert sheet.column_dimensions["B"].width >= 2 * len("上强社区第一网格")

    workers = book["网格员排名"]
    assert workers["B4"].value == "=SUM(A1:A2)" and workers["B4"].data_type == "s"


def test_worksheet_names_are_valid_distinct_and_short() -> None:
    same = [Table(key=f"t{i}", title="网格员排名", columns=["x"], rows=[[i]]) for i in range(3)]

    data = xlsx_workbook("晾晒", [*TABLES, *same, Table("h", "History", ["x"], [[1]])])

    names = openpyxl.load_workbook(io.BytesIO(data)).sheetnames
    assert len(names) == 7 and len({name.casefold() for name in names}) == 7
    assert names[:2] == ["网格排名 <b>&", "网格员排名"]
    assert names[3:6] == ["网格员排名 (2)", "网格员排名 (3)", "网格员排名 (4)"]
    assert names[6].casefold() != "history"
    for name in names:
        assert 0 < len(name) <= 31
        assert not set(name) & set("[]:*?/\\")
    assert names[2].startswith("人大代表_联系群众_接待_情况__统计_")
