"""The buttons of /bulletin (prefix `bul`): a period to preview, then publish it, download it
as a workbook or a page, or close the menu. A period is its key, `week:2026-11-16`; a key
that names no period (not the first day of one) does not parse."""

from __future__ import annotations

import re

from bot.core.buttons import Field, Prefix
from bot.core.periods import KINDS, Period

PERIOD = Field(
    rf"(?:{'|'.join(map(re.escape, KINDS))}):\d{{4}}-\d{{2}}-\d{{2}}",
    Period.from_key,
    "week:2026-11-16",
)

BUL = Prefix("bul")
VIEW = BUL("v", PERIOD)  # bul:v:<period>: preview it
PUBLISH = BUL("pub", PERIOD)  # publish the previewed period
XLSX = BUL("xlsx", PERIOD)  # the bulletin as an Excel workbook
HTML = BUL("html", PERIOD)  # … as a standalone web page
CLOSE = BUL("cancel")  # close the menu
