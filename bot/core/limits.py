"""Limits on what people type and attach, in characters (code points: most emoji are one).

Whatever they type, every message quoting it is fitted to Telegram by the renderer
(bot/core/render.py, "…" in the quote). Only a limit promising that a text is relayed whole in
one Telegram message (a broadcast, a caption) counts Telegram's UTF-16 units,
`render.telegram_units`. Shared by the rules (bot/) and the chat (handlers/kit/common.py).
"""

from __future__ import annotations

MAX_TEXT = 2000
MIN_DESCRIPTION = 5
MAX_ADDRESS = 200
MAX_PHOTOS = 5
MAX_VOICES = 3
