"""A bulletin's tables as files to forward and archive: a standalone HTML page and a workbook.

The page must open anywhere, offline and years later, so it carries everything inside
itself (inline CSS, the chart as a data: URI) and loads nothing from the network; every
text is escaped, since grid and people's names come from users. The workbook is for
people who sort and filter: numbers stay numbers and shares are real fractions with a
percent format, so Excel orders them correctly. Both read the neutral `Table`, so they
never need to know how a ranking was computed.
"""

from __future__ import annotations

import base64
import io
import math
import re
import unicodedata
from html import escape

import xlsxwriter

from bot.bulletins.tables import Cell, Table

EMPTY = "—"  # how a missing value shows on the page
SHEET_NAME_MAX = 31  # Excel's limit
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
RESERVED_SHEET_NAMES = frozenset({"history"})  # Excel keeps it for itself
COLUMN_WIDTH_MIN, COLUMN_WIDTH_MAX = 6, 60

STYLE = """
:root { color-scheme: light; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
  "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; color: #222; margin: 1.5rem auto;
  max-width: 60rem; padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
.subtitle { color: #555; margin: 0 0 1rem; }
figure.chart { margin: 1rem 0; }
figure.chart img { max-width: 100%; height: auto; border: 1px solid #e3e6e8; }
section { margin: 1.5rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
caption { caption-side: top; text-align: left; font-weight: bold; font-size: 1.1rem;
  padding: .25rem 0 .5rem; }
th, td { border: 1px solid #cfd4d9; padding: .3rem .6rem; vertical-align: top; }
thead th { background: #eef1f4; text-align: left; border-bottom: 2px solid #8a939c; }
tbody tr:nth-child(even) { background: #f8f9fa; }
th.num, .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.empty { color: #888; text-align: center; }
.note { color: #555; font-size: .9rem; margin: .4rem 0 0; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  figure.chart img { border: none; max-height: 24cm; }
  section, figure.chart { break-inside: avoid-page; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  tbody tr:nth-child(even) { background: none; }
}
"""


def _missing(value: Cell) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def cell_text(value: Cell, *, percent: bool = False) -> str:
    """A value as a person reads it: 87.5% for a share, one decimal for a float, — for None."""
    if value is None or _missing(value):
        return EMPTY
    if isinstance(value, str):
        return value
    if percent:
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _check(table: Table) -> None:
    for number, row in enumerate(table.rows, start=1):
        if len(row) != len(table.columns):
            raise ValueError(
                f"table {table.key!r} row {number} has {len(row)} cells"
                f" for {len(table.columns)} columns"
            )


def _numeric(table: Table, column: int) -> bool:
    """Whether a column holds numbers (its heading then sits right, over them)."""
    return any(isinstance(row[column], int | float) for row in table.rows)


def _heading(table: Table, column: int) -> str:
    numeric = ' class="num"' if _numeric(table, column) else ""
    return f'<th scope="col"{numeric}>{escape(table.columns[column])}</th>'


def _html_table(table: Table) -> str:
    _check(table)
    anchor = re.sub(r"[^A-Za-z0-9_-]", "-", table.key) or "table"
    lines = [
        f'<section id="t-{anchor}">',
        "<table>",
        f"<caption>{escape(table.title)}</caption>",
        "<thead><tr>",
        *(_heading(table, index) for index in range(len(table.columns))),
        "</tr></thead>",
        "<tbody>",
    ]
    for row in table.rows:
        cells = []
        for index, value in enumerate(row):
            text = escape(cell_text(value, percent=index in table.percent_columns))
            if _missing(value):
                cells.append(f'<td class="empty">{text}</td>')
            elif isinstance(value, str):
                cells.append(f"<td>{text}</td>")
            else:
                cells.append(f'<td class="num">{text}</td>')
        lines.append(f"<tr>{''.join(cells)}</tr>")
    lines += ["</tbody>", "</table>"]
    if table.note:
        lines.append(f'<p class="note">{escape(table.note)}</p>')
    lines.append("</section>")
    return "\n".join(lines)


def html_page(
    title: str,
    subtitle: str,
    tables: list[Table],
    *,
    language: str = "zh-CN",
    chart_png: bytes | None = None,
) -> str:
    """A standalone HTML5 page of the tables (and the chart, embedded), needing no network."""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{escape(title)}</h1>",
    ]
    if subtitle:
        parts.append(f'<p class="subtitle">{escape(subtitle)}</p>')
    parts.append("</header>")
    if chart_png is not None:
        data = base64.b64encode(chart_png).decode("ascii")
        parts.append(
            f'<figure class="chart"><img src="data:image/png;base64,{data}"'
            f' alt="{escape(title)}"></figure>'
        )
    parts += [_html_table(table) for table in tables]
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _display_width(text: str) -> int:
    """Columns the text takes in a spreadsheet: a CJK character counts two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _sheet_names(titles: list[str]) -> list[str]:
    """Valid, distinct worksheet names (≤ 31 characters, none of []:*?/\\) from the titles."""
    names: list[str] = []
    taken = set(RESERVED_SHEET_NAMES)
    for title in titles:
        base = SHEET_NAME_FORBIDDEN.sub("_", " ".join(title.split())).strip("'").strip()
        base = base[:SHEET_NAME_MAX].strip("'").strip() or "Sheet"
        name, number = base, 1
        while name.casefold() in taken:  # Excel compares names without case
            number += 1
            suffix = f" ({number})"
            name = base[: SHEET_NAME_MAX - len(suffix)].rstrip("'").rstrip() + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def xlsx_workbook(title: str, tables: list[Table]) -> bytes:
    """An .xlsx workbook, one worksheet per table: numbers as numbers, shares as percents."""
    for table in tables:
        _check(table)
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    workbook.set_properties({"title": title})
    heading = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format({"bold": True, "bottom": 2, "bg_color": "#EEF1F4"})
    header_number = workbook.add_format(
        {"bold": True, "bottom": 2, "bg_color": "#EEF1F4", "align": "right"}
    )
    decimal = workbook.add_format({"num_format": "0.0"})
    percent = workbook.add_format({"num_format": "0.0%"})
    note = workbook.add_format({"italic": True, "font_color": "#555555"})

    for table, name in zip(tables, _sheet_names([t.title for t in tables]), strict=True):
        sheet = workbook.add_worksheet(name)
        sheet.write_string(0, 0, f"{title} — {table.title}", heading)
        widths = [_display_width(column) for column in table.columns]
        for column, text in enumerate(table.columns):
            sheet.write_string(
                1, column, text, header_number if _numeric(table, column) else header
            )
        for number, row in enumerate(table.rows, start=2):
            for column, value in enumerate(row):
                shown = column in table.percent_columns
                if _missing(value):
                    sheet.write_blank(number, column, None)
                    continue
                if isinstance(value, str):
                    sheet.write_string(number, column, value)  # never a formula or a link
                elif shown:
                    sheet.write_number(number, column, value, percent)
                elif isinstance(value, float):
                    sheet.write_number(number, column, value, decimal)
                else:
                    sheet.write_number(number, column, value)
                width = _display_width(cell_text(value, percent=shown))
                widths[column] = max(widths[column], width)
        for column, width in enumerate(widths):
            sheet.set_column(
                column, column, min(max(width + 2, COLUMN_WIDTH_MIN), COLUMN_WIDTH_MAX)
            )
        sheet.freeze_panes(2, 0)
        if table.columns:
            sheet.autofilter(1, 0, 1 + len(table.rows), len(table.columns) - 1)
        if table.note:
            sheet.write_string(len(table.rows) + 3, 0, table.note, note)
    workbook.close()
    return out.getvalue()
