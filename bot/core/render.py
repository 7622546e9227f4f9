"""One Jinja2 environment renders every message a person reads.

Templates live in `templates/<language>/<feature>.html`; each message is a `{% block %}`
inside it, addressed as "feature.block", e.g. `render("zh-CN", "report.ask_description")`.

Every message fits Telegram, by one rule: each string a template prints (`{{ value }}`, the
words people typed, names, titles …) is quoted user text, marked as it is printed; after
rendering, a message longer than Telegram allows — 4,096 UTF-16 units of parsed text, 1,024
for a caption, counted as Telegram counts them — has its longest quoted texts shortened with
"…" until it fits. The template's own words and tags are never cut, a cut never falls inside
an HTML entity or a surrogate pair, and what the template wrote stays valid HTML.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup, escape

from bot.core.telegram_text import EntityParseError, parse_html, utf16_len

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
MESSAGE_LIMIT = 4096  # UTF-16 units of a message's text after entity parsing
CAPTION_LIMIT = 1024  # the same for a photo's or a document's caption
TOAST_LIMIT = 200  # characters of a callback query's answer (plain text, no HTML)
ELLIPSIS = "…"

log = logging.getLogger(__name__)

# Quoted text is printed between two noncharacters (removed from the text itself first).
_OPEN, _CLOSE = "\ufdd0", "\ufdd1"
_QUOTED = re.compile(f"{_OPEN}([^{_OPEN}{_CLOSE}]*){_CLOSE}")
# Chinese dates read without leading zeros: 12月1日, not 12月01日.
_NATURAL = (("%m月", "month"), ("%d日", "day"))


def pick_language(code: str | None) -> str:
    """Map a Telegram language_code to one of ours (English speakers get en)."""
    if code and code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


class Renderer:
    """Renders named template blocks in a language, fitted to Telegram's limits."""

    def __init__(self, timezone: ZoneInfo, directory: Path = TEMPLATES_DIR) -> None:
        self.timezone = timezone
        self.env = Environment(
            loader=FileSystemLoader(str(directory)),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            finalize=_quote,
            # Templates are part of the release: no file-time check at every message.
            auto_reload=False,
        )
        self.env.filters["local"] = self._local_time
        self.env.filters["truncate_text"] = _truncate
        self.env.filters["pct"] = _percent
        self.env.filters["one"] = _one_decimal
        for name, function in self.env.filters.items():
            self.env.filters[name] = _on_unmarked(function)

    def _local_time(self, moment: datetime | str, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """The one date filter: local time in `fmt`; Chinese month and day unpadded."""
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        local = moment.astimezone(self.timezone)
        for code, part in _NATURAL:
            fmt = fmt.replace(code, f"{getattr(local, part)}{code[-1]}")
        return local.strftime(fmt)

    def _template(self, language: str, feature: str) -> Template:
        if language not in LANGUAGES:
            language = DEFAULT_LANGUAGE
        return self.env.get_template(f"{language}/{feature}.html")

    def render(self, language: str, key: str, /, **context: Any) -> str:
        """Render block `feature.block` in `language` as a message (at most 4,096 units)."""
        return self.render_within(MESSAGE_LIMIT, language, key, **context)

    def caption(self, language: str, key: str, /, **context: Any) -> str:
        """Render block `feature.block` as a caption (at most 1,024 units)."""
        return self.render_within(CAPTION_LIMIT, language, key, **context)

    def toast(self, language: str, key: str, /, **context: Any) -> str:
        """Render block `feature.block` as a button's toast: plain text, at most 200."""
        return parse_html(self.render_within(TOAST_LIMIT, language, key, **context))[0]

    def render_within(self, limit: int, language: str, key: str, /, **context: Any) -> str:
        """Render block `feature.block`, its quoted texts shortened to fit `limit` units;
        surrounding whitespace is stripped."""
        feature, _, block = key.partition(".")
        template = self._template(language, feature)
        try:
            render_block = template.blocks[block]
        except KeyError:
            raise KeyError(f"no block {block!r} in {language}/{feature}.html") from None
        ctx = template.new_context(dict(context))
        return fit("".join(render_block(ctx)).strip(), limit, key).strip()

    def blocks(self, language: str, feature: str) -> set[str]:
        """The block names a template defines (for the tests that compare languages)."""
        return set(self._template(language, feature).blocks)


def telegram_units(text: str) -> int:
    """Plain text's length as Telegram counts it: UTF-16 units (an emoji is two)."""
    return utf16_len(text)


def telegram_length(text: str) -> int:
    """A message's length as Telegram counts it: UTF-16 units of the parsed HTML's text."""
    return utf16_len(parse_html(text)[0])


def fits_caption(text: str) -> bool:
    """Whether a rendered message can go out as one photo's caption."""
    return _fits(text, CAPTION_LIMIT)


def fits_message(text: str) -> bool:
    """Whether rendered text can go out as one message."""
    return _fits(text, MESSAGE_LIMIT)


def _fits(text: str, limit: int) -> bool:
    # The raw length (tags and entities included) is an upper bound, checked first: cheap.
    return utf16_len(text) <= limit or telegram_length(text) <= limit


def fit(marked: str, limit: int, key: str = "?") -> str:
    """The rendered `marked` text without its marks, its longest quoted texts shortened
    with "…" just enough for the message to fit `limit` units."""
    parts = _QUOTED.split(marked)  # even: the template's own HTML; odd: quoted, escaped
    parts[::2] = [p.replace(_OPEN, "").replace(_CLOSE, "") for p in parts[::2]]  # strays
    whole = "".join(parts)
    if utf16_len(whole) <= limit:  # tags and entities only shrink when parsed
        return whole
    quoted = [html.unescape(p) for p in parts[1::2]]
    lengths = [utf16_len(q) for q in quoted]
    try:  # the template's own HTML is parsed; each quote counts as its text's length
        total = telegram_length("".join(parts[::2])) + sum(lengths)
    except EntityParseError:  # a broken template: Telegram will say so, and tests fail
        return whole
    if total <= limit:
        return whole
    cap = _cap(lengths, total - limit)
    while cap > 0:
        shortened = _with_quotes(parts, quoted, cap)
        if telegram_length(shortened) <= limit:
            return shortened
        cap = cap - max(1, cap // 8) if cap > 1 else 0  # quotes inside attributes
    # The template's own words alone are too long: a last resort, never a refusal.
    log.warning("message %s is too long even with its quoted texts cut; sent as plain text", key)
    plain = parse_html(_with_quotes(parts, quoted, 1))[0]
    return str(escape(shorten(plain, limit)))


def shorten(text: str, units: int) -> str:
    """`text` cut to at most `units` UTF-16 units, "…" included when it was cut; never
    inside a surrogate pair, never leaving a dangling zero-width joiner."""
    if utf16_len(text) <= units:
        return text
    if units <= 0:
        return ""
    room, end = units - 1, 0
    while end < len(text) and room >= (size := 2 if ord(text[end]) > 0xFFFF else 1):
        room -= size
        end += 1
    return text[:end].rstrip("\u200d") + ELLIPSIS


def _cap(lengths: list[int], excess: int) -> int:
    """The largest length every quoted text may keep so that the cuts save `excess` units
    (the shortest texts are not touched at all); 0 when cutting all of them cannot."""

    def saved(cap: int) -> int:
        return sum(n - cap for n in lengths if n > cap)

    low, high = 1, max(lengths, default=0)
    if high == 0 or saved(low) < excess:
        return 1 if lengths else 0
    while low < high:  # saved() shrinks as cap grows: find the largest cap that saves enough
        middle = (low + high + 1) // 2
        if saved(middle) >= excess:
            low = middle
        else:
            high = middle - 1
    return low


def _with_quotes(parts: list[str], quoted: list[str], cap: int) -> str:
    out = parts[:]
    for index, text in enumerate(quoted):
        if utf16_len(text) > cap:
            out[2 * index + 1] = str(escape(shorten(text, cap)))
    return "".join(out)


def _on_unmarked(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter applied to a macro's or a block's output (`L.kind(k)|capitalize`) sees its
    words, not the marks of the quotes inside (which then stay whole)."""
    skip = 1 if getattr(function, "jinja_pass_arg", None) else 0

    @functools.wraps(function)  # keeps Jinja's pass_context / pass_eval_context mark
    def on_words(*args: Any, **kwargs: Any) -> Any:
        value = args[skip] if len(args) > skip else None
        if isinstance(value, str) and (_OPEN in value or _CLOSE in value):
            value = value.replace(_OPEN, "").replace(_CLOSE, "")
            args = (*args[:skip], value, *args[skip + 1 :])
        return function(*args, **kwargs)

    return on_words


def _quote(value: Any) -> Any:
    """Jinja's finalize: a string a template prints is quoted text, marked for `fit`."""
    if isinstance(value, str) and not isinstance(value, Markup):
        clean = value.replace(_OPEN, "\ufffd").replace(_CLOSE, "\ufffd")
        return Markup(f"{_OPEN}{escape(clean)}{_CLOSE}")
    return value


def _truncate(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _percent(share: float | None) -> str:
    """0.875 -> "87.5%"; None (nothing to measure) -> "—"."""
    return "—" if share is None else f"{share * 100:.1f}%"


def _one_decimal(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"
