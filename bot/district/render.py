"""A district report as Telegram messages — every word from templates/<language>/district.html.

Rows (one town each) are packed as the town bulletins pack theirs (bot/bulletins/packing.py):
at most 4,096 characters a message, a row never split, a section continued with its heading.
"""

from __future__ import annotations

from typing import Any

from bot.bulletins.packing import Section, pack
from bot.bulletins.rankings import Ranked
from bot.core.render import Renderer
from bot.district.rules import DistrictReport


class DistrictText:
    """Renders one district report in one language."""

    def __init__(self, renderer: Renderer, report: DistrictReport, language: str) -> None:
        self.renderer, self.report, self.language = renderer, report, language
        self.base: dict[str, Any] = {
            "report": report,
            "p": report.period,
            "min_cases": report.min_cases,
            "weights": report.weights,
        }

    def r(self, block: str, **ctx: Any) -> str:
        return self.renderer.render(self.language, f"district.{block}", **self.base, **ctx)

    def _row(self, block: str, unit: Ranked) -> str:
        return self.r(block, u=unit, s=unit.stats, c=self.report.changes[unit.stats.key])

    def messages(self) -> list[str]:
        """The bulletin: the ranking, the towns under the sample, the towns unread."""
        report = self.report
        ranked = [self._row("town_row", u) for u in report.ranked]
        sections = [Section(self.r("heading", name="ranked"), ranked or [self.r("no_rows")])]
        if report.short:
            short = [self._row("short_row", u) for u in report.short]
            sections.append(Section(self.r("heading", name="short"), short))
        if report.unread:
            unread = [self.r("unread_row", names=report.unread)]
            sections.append(Section(self.r("heading", name="unread"), unread))
        return pack(
            self.r("title") + "\n" + self.r("summary"),
            sections,
            self.r("footer"),
            lambda heading: self.r("continued", heading=heading),
        )
