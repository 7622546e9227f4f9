"""Logging set-up: the bot token never reaches a log line."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_TOKEN_RE = re.compile(r"\d{5,20}:[A-Za-z0-9_-]{20,}")


class RedactTokens(logging.Filter):
    """Replace anything shaped like a bot token (and the configured one) with a marker."""

    def __init__(self, token: str = "", more: Iterable[str] = ()) -> None:
        super().__init__()
        self.tokens = [t for t in (token, *more) if t]  # more: the towns' of MINHU_TOWNS

    def _clean(self, text: str) -> str:
        for token in self.tokens:
            text = text.replace(token, "<token>")
        return _TOKEN_RE.sub("<token>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_text is None and record.exc_info[1] is not None:
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
        return True


def setup_logging(token: str = "", level: int = logging.INFO, more: Iterable[str] = ()) -> None:
    """Plain, timestamped logs on stderr; httpx request lines (they carry URLs) only at WARNING."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens(token, more))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
