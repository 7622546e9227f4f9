"""The buttons of filing for someone (代办), each family declared once (`bot.core.buttons`).

- `px` /proxy's own steps (inside the /report conversation): no phone, the resident agreed.
"""

from __future__ import annotations

from bot.core.buttons import Prefix

PROXY = Prefix("px")
NO_PHONE = PROXY("nophone")
CONSENT = PROXY("consent")

PREFIXES = (PROXY,)
