"""A bulletin's tables in a neutral form: the exports (HTML page, XLSX workbook) and the
chart read these, so they never need to know how a ranking was computed."""

from __future__ import annotations

from dataclasses import dataclass, field

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    """One table: a title, column headings and rows of plain values (None shows as "—").

    `percent_columns` are indexes of columns holding a share in 0..1 (shown as 87.5%);
    `note` is a line under the table (e.g. how the score is made)."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    percent_columns: frozenset[int] = field(default_factory=frozenset)
    note: str = ""


@dataclass(frozen=True)
class Bar:
    """One bar of a ranking chart: a label (a grid or a worker), its score, its rank or None
    when listed but not ranked, and whether it is honoured (top six)."""

    label: str
    value: float
    rank: int | None
    honoured: bool = False
