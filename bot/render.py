"""One Jinja2 environment renders every message a person reads.

Templates live in `templates/<language>/<feature>.html`; each message is a `{% block %}`
inside it, addressed as "feature.block", e.g. `render("zh-CN", "report.ask_description")`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def pick_language(code: str | None) -> str:
    """Map a Telegram language_code to one of ours (English speakers get en)."""
    if code and code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


class Renderer:
    """Renders named template blocks in a language."""

    def __init__(self, timezone: ZoneInfo, directory: Path = TEMPLATES_DIR) -> None:
        self.timezone = timezone
        self.env = Environment(
            loader=FileSystemLoader(str(directory)),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters["local"] = self._local_time
        self.env.filters["truncate_text"] = _truncate
        self.env.filters["pct"] = _percent
        self.env.filters["one"] = _one_decimal

    def _local_time(self, moment: datetime | str, fmt: str = "%Y-%m-%d %H:%M") -> str:
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        return moment.astimezone(self.timezone).strftime(fmt)

    def _template(self, language: str, feature: str) -> Template:
        if language not in LANGUAGES:
            language = DEFAULT_LANGUAGE
        return self.env.get_template(f"{language}/{feature}.html")

    def render(self, language: str, key: str, /, **context: Any) -> str:
        """Render block `feature.block` in `language`; surrounding whitespace is stripped."""
        feature, _, block = key.partition(".")
        template = self._template(language, feature)
        try:
            render_block = template.blocks[block]
        except KeyError:
            raise KeyError(f"no block {block!r} in {language}/{feature}.html") from None
        ctx = template.new_context(dict(context))
        return "".join(render_block(ctx)).strip()

    def blocks(self, language: str, feature: str) -> set[str]:
        """The block names a template defines (for the tests that compare languages)."""
        return set(self._template(language, feature).blocks)


def _truncate(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _percent(share: float | None) -> str:
    """0.875 -> "87.5%"; None (nothing to measure) -> "—"."""
    return "—" if share is None else f"{share * 100:.1f}%"


def _one_decimal(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"
