"""A report as Telegram messages, a chart and export tables — every word from
templates/<language>/bulletin.html.

Messages are built from rows: a row (one grid, one worker …) is rendered as self-contained
HTML, and rows are packed into messages of at most 4,096 characters, never splitting a row; a
section that continues in the next message repeats its heading with "(continued)". Length is
measured in UTF-16 code units of the HTML source, which is never less than what Telegram
counts after parsing the tags.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.bulletins.packing import Section, fit, pack, strip_tags
from bot.bulletins.rankings import Change, Ranked
from bot.bulletins.report import AreaRow, CategoryRow, MeetingRow, Report
from bot.bulletins.tables import Bar, Cell, Table
from bot.bulletins.volunteers import VolunteerRow
from bot.core.render import Renderer
from bot.mediation.stats import Row as MediationRow

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024
CHART_BARS = 40
IDLE_PER_ROW = 60


class BulletinText:
    """Renders one report in one language."""

    def __init__(
        self, renderer: Renderer, report: Report, language: str, *, correction: bool = False
    ) -> None:
        """`correction`: the bulletin corrects one published before (its title says 更正)."""
        self.renderer, self.report, self.language = renderer, report, language
        self.base: dict[str, Any] = {
            "correction": correction,
            "p": report.period,
            "assessment": report.assessment,
            "report": report,
            "weights": report.config.weights,
            "min_cases": report.config.min_cases,
            "categories": {c.id: c for c in report.categories},
        }

    def r(self, block: str, **ctx: Any) -> str:
        return self.renderer.render(self.language, f"bulletin.{block}", **self.base, **ctx)

    def section(self, name: str, rows: list[str]) -> Section:
        return Section(self.r("heading", name=name), rows or [self.r("no_rows", name=name)])

    def ranked_rows(self, block: str, units: list[Ranked]) -> list[str]:
        """Ranked units, then the unranked ones under a note, then one line naming the units
        that had nothing at all this period."""
        rows: list[str] = []
        unranked_started = False
        idle = [u.stats.name for u in units if not u.ranked and _idle(u)]
        for unit in units:
            if not unit.ranked and _idle(unit):
                continue
            if not unit.ranked and not unranked_started:
                unranked_started = True
                rows.append(self.r("unranked", name=block))
            rows.append(self.r(block, u=unit, s=unit.stats))
        for first in range(0, len(idle), IDLE_PER_ROW):  # rows of names, each fits a message
            rows.append(self.r("idle", names=idle[first : first + IDLE_PER_ROW]))
        return rows

    def area_rows(self, areas: list[AreaRow]) -> list[str]:
        return [self.r("area_row", a=a) for a in areas]

    def messages(self) -> list[str]:
        report = self.report
        sections: list[Section] = []
        if report.assessment:
            sections.append(self.section("workers", self.ranked_rows("worker_row", report.workers)))
        sections += [
            self.section("grids", self.ranked_rows("grid_row", report.grids)),
            self.section("categories", [self.r("category_row", c=c) for c in report.categories]),
            self.section("zones", self.area_rows(report.zones)),
            self.section("communities", self.area_rows(report.communities)),
            self.section("departments", self.ranked_rows("department_row", report.departments)),
            self.section(
                "representatives", self.ranked_rows("representative_row", report.representatives)
            ),
            self.section(
                "meetings", [self.r("meeting_row", m=m) for m in self.meetings_with_total()]
            ),
        ]
        if report.mediations:
            rows = [self.r("mediation_row", r=r) for r in report.mediations]
            sections.append(self.section("mediations", rows))
        if report.volunteers:
            sections.append(self._volunteers(report.volunteers))
        return pack(
            self.r("title") + "\n" + self.r("summary"),
            sections,
            self.r("footer"),
            lambda heading: self.r("continued", heading=heading),
        )

    def meetings_with_total(self) -> list[MeetingRow]:
        rows = list(self.report.meetings)
        return [*rows, self.report.meetings_total] if len(rows) > 1 else rows

    def zone_messages(self, zone_code: str) -> list[str]:
        """What followers of one zone receive: their zone, its communities and grids."""
        report = self.report
        zone = next(z for z in report.zones if z.key == zone_code)
        grids = [g for g in report.grids if report.grid_zone.get(g.stats.key) == zone_code]
        communities = [c for c in report.communities if c.parent == zone.name]
        meetings = [m for m in report.meetings if m.zone == zone.name]
        volunteers = [v for v in report.volunteers if v.zone_code == zone_code and not v.total]
        return pack(
            self.r("zone_title", zone=zone) + "\n" + self.r("zone_summary", zone=zone),
            [
                self.section("grids", self.ranked_rows("grid_row", grids)),
                self.section("communities", self.area_rows(communities)),
                self.section("meetings", [self.r("meeting_row", m=m) for m in meetings]),
                *self._zone_mediations(zone.name),
                *([self._volunteers(volunteers)] if volunteers else []),
            ],
            self.r("zone_footer"),
            lambda heading: self.r("continued", heading=heading),
        )

    def _zone_mediations(self, zone: str) -> list[Section]:
        rows = [r for r in self.report.mediations if r.zone == zone]
        return (
            [self.section("mediations", [self.r("mediation_row", r=r) for r in rows])]
            if rows
            else []
        )

    def _volunteers(self, rows: list[VolunteerRow]) -> Section:
        lines = [self.r("volunteer_row", v=v) for v in rows]
        return self.section("volunteers", [*lines, self.r("volunteer_note")])

    def caption(self) -> str:
        return fit(self.r("chart_caption"), CAPTION_LIMIT)

    # Tables for the exports ------------------------------------------------------------

    def tables(self) -> list[Table]:
        report = self.report
        cats = report.categories
        out = [
            self._ranked_table("workers", report.workers, self._worker_cells),
            self._ranked_table("grids", report.grids, _visited_grid_cells),
            Table(
                "categories",
                self.plain("table_title", name="categories"),
                self._columns("categories"),
                [[self._cat_name(c), *self._change(c.change)] for c in cats],
                frozenset({4}),
            ),
            self._area_table("zones", report.zones),
            self._area_table("communities", report.communities),
            self._ranked_table("departments", report.departments, self._grid_cells),
            self._ranked_table("representatives", report.representatives, self._rep_cells),
            Table(
                "meetings",
                self.plain("table_title", name="meetings"),
                self._columns("meetings"),
                [self._meeting_cells(m) for m in self.meetings_with_total()],
                frozenset({7}),
            ),
        ]
        if report.mediations:
            out.append(
                Table(
                    "mediations",
                    self.plain("table_title", name="mediations"),
                    self._columns("mediations"),
                    [self._mediation_cells(r) for r in report.mediations],
                    frozenset({8, 10}),
                )
            )
        if report.volunteers:
            out.append(
                Table(
                    "volunteers",
                    self.plain("table_title", name="volunteers"),
                    self._columns("volunteers"),
                    [self._volunteer_cells(v) for v in report.volunteers],
                    frozenset({6}),
                    strip_tags(self.r("volunteer_note")),
                )
            )
        return out

    def _volunteer_cells(self, v: VolunteerRow) -> list[Cell]:
        zone = v.zone or self.plain("whole_town")
        place = self.plain("total") if v.total else v.community or self.plain("whole_zone")
        counts = [v.activities, v.volunteers, v.hours, v.hours_year_before]
        return [zone, place, *counts, v.change.signed]

    def _mediation_cells(self, r: MediationRow) -> list[Cell]:
        zone = r.zone or self.plain("whole_town")
        kind = self.plain("mediation_kind", kind=r.kind) if r.kind else self.plain("total")
        rate = None if r.success_rate is None else r.success_rate / 100
        change = None if r.change is None else r.change / 100
        counts = [r.opened, r.succeeded, r.partial, r.failed, r.declined, r.relapsed]
        return [zone, kind, *counts, rate, r.opened_year_before, change]

    def plain(self, block: str, **ctx: Any) -> str:
        """A rendered block as plain text (the exports escape for themselves)."""
        return strip_tags(self.r(block, **ctx))

    def _meeting_cells(self, m: MeetingRow) -> list[Cell]:
        name = self.plain("total") if m.total else m.zone or self.plain("whole_town")
        counts = [m.planned, m.held, m.cancelled, m.awaiting_result, m.booked, m.attended]
        return [name, *counts, m.attendance_rate]

    def _columns(self, name: str) -> list[str]:
        return self.plain("columns", name=name).split("|")

    def _ranked_table(
        self, name: str, units: list[Ranked], cells: Callable[[Ranked], list[Cell]]
    ) -> Table:
        rows: list[list[Cell]] = []
        for u in units:
            mark = self.plain("rank_cell", u=u)
            shown = u.stats.name_en if self.language == "en" and u.stats.name_en else u.stats.name
            rows.append([mark, shown, u.stats.place or None, u.score, *cells(u)])
        percent = frozenset({5, 6, 8, 9, 10}) if name != "representatives" else frozenset({4})
        if name in ("workers", "grids"):  # 走访覆盖 after 发现隐患
            percent |= {15}
        return Table(
            name,
            self.plain("table_title", name=name),
            self._columns(name),
            rows,
            percent,
            self.plain("table_note"),
        )

    @staticmethod
    def _grid_cells(u: Ranked) -> list[Cell]:
        s = u.stats
        avg = None if s.avg_rating is None else round(s.avg_rating, 2)
        return [
            s.received, s.ack_rate, s.resolve_rate, avg, s.no_reply_share, s.satisfaction_rate,
            s.redo_rate, s.relapses, s.overdue, s.patrols, s.hazards_found,
        ]  # fmt: skip

    def _worker_cells(self, u: Ranked) -> list[Cell]:
        return [*_visited_grid_cells(u), self.plain("honour_cell", u=u)]

    @staticmethod
    def _rep_cells(u: Ranked) -> list[Cell]:
        e = u.stats.extra
        return [
            u.stats.resolve_rate, e["assigned"], e["done_on_time"], e["done_late"],
            u.stats.overdue, e["visits"], e["sessions"], e["received"],
        ]  # fmt: skip

    def _area_table(self, name: str, areas: list[AreaRow]) -> Table:
        cats = self.report.categories
        rows: list[list[Cell]] = []
        for a in areas:
            by_cat: list[Cell] = [a.current.get(c.id, 0) for c in cats]
            rows.append([a.name, a.parent or None, *self._change(a.change), *by_cat])
        names = [self._cat_name(c) for c in cats]
        return Table(
            name,
            self.plain("table_title", name=name),
            [*self._columns("areas"), *names],
            rows,
            frozenset({5}),
        )

    def _change(self, change: Change) -> list[Cell]:
        """Columns: this period, a year earlier, the change in words, the change as a share."""
        return [change.current, change.previous, self.plain("change", c=change), change.signed]

    def _cat_name(self, category: CategoryRow) -> str:
        return category.name if self.language == "zh-CN" else category.name_en

    # The chart ---------------------------------------------------------------------------

    def bars(self) -> list[Bar]:
        units = self.report.workers if self.report.assessment else self.report.grids
        return [  # the ranking only: an unranked unit's score is not shown anywhere
            Bar(u.stats.name, u.score or 0.0, u.rank, u.honoured)
            for u in units
            if u.score is not None and u.ranked
        ]

    def chart(self) -> bytes | None:
        """The main ranking as a PNG, or None (nothing scored, or no CJK font: logged)."""
        from bot.bulletins import charts  # matplotlib loads only when a chart is drawn

        bars = self.bars()
        if not bars:
            return None
        try:
            return charts.ranking_chart(
                self.plain("chart_title"),
                bars,
                axis_label=self.plain("chart_axis"),
                unranked_note=self.plain("chart_note"),
                max_bars=CHART_BARS,
            )
        except charts.NoFont as exc:
            log.warning("bulletin chart left out: %s", exc)
            return None


def _visited_grid_cells(u: Ranked) -> list[Cell]:
    """A grid's or a worker's columns: a department's, then home-visit coverage (网格走亲)."""
    return [*BulletinText._grid_cells(u), u.stats.visit_share]


def _idle(unit: Ranked) -> bool:
    s = unit.stats
    busy = s.received or s.handled or s.patrols or s.visit_registered or s.extra.get("activity")
    return not busy


def messages(renderer: Renderer, report: Report, language: str) -> list[str]:
    return BulletinText(renderer, report, language).messages()


def tables(renderer: Renderer, report: Report, language: str) -> list[Table]:
    return BulletinText(renderer, report, language).tables()


def chart(renderer: Renderer, report: Report, language: str) -> bytes | None:
    return BulletinText(renderer, report, language).chart()
