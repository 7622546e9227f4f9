"""Corrections (更正): what changed between a published bulletin and a recount of its period.

Publishing a period again is a correction. It compares the figures the bulletin published
(its snapshot) with the recount, table by table and row by row, on exactly what the tables of
the exports show — every column, as a person reads it (87.5%, 并列2, —) — so the correction
states every published figure that moved: a rank, a score, a share, a count; a row that
appeared or left. The admin sees the note before confirming, and it is posted first, then
the corrected bulletin; a zone's followers get their zone's lines, only if their zone moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.bulletins.exports import EMPTY, cell_text
from bot.bulletins.packing import Section, pack
from bot.bulletins.render import BulletinText
from bot.bulletins.report import Report
from bot.bulletins.tables import Cell, Table
from bot.core.render import Renderer

NOTE_ROWS = 30  # rows of differences stated in the note; the rest are counted
RANKED = frozenset({"workers", "grids", "departments", "representatives"})
TOTAL_KEY = "\x00total"  # the meetings table's total row


@dataclass(frozen=True)
class Difference:
    """One row of one table that changed: (column, before, after) as shown, or a row that was
    added or removed."""

    table: str
    title: str
    row: str  # the row's name as shown
    zone: str | None  # the zone code the row belongs to, if any (for followers' parts)
    status: str  # "changed", "added" or "removed"
    changes: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class _Row:
    key: str
    zone: str | None
    name: str
    cells: dict[str, str]  # column heading -> the cell as shown


def differences(
    renderer: Renderer, published: Report, recount: Report, language: str
) -> list[Difference]:
    """Every row whose shown figures differ between the published report and the recount, in
    the order of the tables and of the recount's rows (removed rows after)."""
    before = _rows(BulletinText(renderer, published, language))
    after = _rows(BulletinText(renderer, recount, language))
    found: list[Difference] = []
    for key, (title, rows) in after.items():
        old_title, old_rows = before.get(key, (title, {}))
        for row_key, row in rows.items():
            old = old_rows.get(row_key)
            if old is None:
                found.append(Difference(key, title, row.name, row.zone, "added"))
                continue
            changes = tuple(
                (column, old.cells.get(column, EMPTY), value)
                for column, value in _union(old.cells, row.cells)
                if old.cells.get(column, EMPTY) != value
            )
            if changes:
                found.append(Difference(key, title, row.name, row.zone, "changed", changes))
        found += [
            Difference(key, old_title, row.name, row.zone, "removed")
            for row_key, row in old_rows.items()
            if row_key not in rows
        ]
    return found


def _union(old: dict[str, str], new: dict[str, str]) -> list[tuple[str, str]]:
    """The recount's columns, then those only the published table had (shown as —)."""
    return [*new.items(), *((column, EMPTY) for column in old if column not in new)]


def _rows(text: BulletinText) -> dict[str, tuple[str, dict[str, _Row]]]:
    """Each table's rows by a stable key (a unit's code, an area's code, a category's code)."""
    report = text.report
    zone_of_name = {z.name: z.key for z in report.zones}
    keys: dict[str, list[tuple[str, str | None]]] = {
        # A worker is one person wherever they work: their code is "<first grid>/<user>".
        "workers": [(u.stats.key.rpartition("/")[2], None) for u in report.workers],
        "grids": [(u.stats.key, report.grid_zone.get(u.stats.key)) for u in report.grids],
        "departments": [(u.stats.key, None) for u in report.departments],
        "representatives": [(u.stats.key, None) for u in report.representatives],
        "categories": [(c.code, None) for c in report.categories],
        "zones": [(a.key, a.key) for a in report.zones],
        "communities": [(a.key, zone_of_name.get(a.parent)) for a in report.communities],
        "meetings": [
            (TOTAL_KEY if m.total else m.zone, zone_of_name.get(m.zone))
            for m in text.meetings_with_total()
        ],
        "mediations": [
            (f"{r.zone}/{r.kind}" if r.zone else TOTAL_KEY + r.kind, zone_of_name.get(r.zone))
            for r in report.mediations
        ],
        "volunteers": [
            (TOTAL_KEY if v.total else f"{v.zone_code}/{v.community_code}", v.zone_code or None)
            for v in report.volunteers
        ],
    }
    # The change in words (同比下降62.4%) says again what the counts and the change as a share
    # say: left out of the note.
    words = text.plain("columns", name="categories").split("|")[3]
    found: dict[str, tuple[str, dict[str, _Row]]] = {}
    for table in text.tables():
        name_column = 1 if table.key in RANKED else 0
        rows: dict[str, _Row] = {}
        for (key, zone), cells in zip(keys[table.key], table.rows, strict=True):
            shown = _shown(table, cells, name_column)
            shown.pop(words, None)
            rows[key] = _Row(key, zone, str(cells[name_column]), shown)
        found[table.key] = (table.title, rows)
    return found


def _shown(table: Table, cells: list[Cell], name_column: int) -> dict[str, str]:
    return {
        column: cell_text(value, percent=index in table.percent_columns)
        for index, (column, value) in enumerate(zip(table.columns, cells, strict=True))
        if index != name_column
    }


def note(
    renderer: Renderer,
    recount: Report,
    language: str,
    found: list[Difference] | None,
    published_at: datetime,
    *,
    zone: str | None = None,
) -> list[str]:
    """The correction note as messages: what it corrects and, row by row, what changed (the
    first NOTE_ROWS rows, the rest counted). `found` None: the earlier bulletin kept no
    figures, so the changes cannot be listed. With `zone`, only that zone's rows."""
    text = BulletinText(renderer, recount, language, correction=True)
    if found is not None and zone is not None:
        found = [d for d in found if d.zone == zone]
    rows = [] if found is None else [text.r("correction_row", d=d) for d in found[:NOTE_ROWS]]
    if found is not None and len(found) > NOTE_ROWS:
        rows.append(text.r("correction_more", more=len(found) - NOTE_ROWS))
    return pack(
        text.r("correction_title", published_at=published_at, unknown=found is None),
        [Section(text.r("correction_heading"), rows)] if rows else [],
        text.r("correction_footer"),
        lambda heading: text.r("continued", heading=heading),
    )
