"""The buttons of volunteer points, each family declared once (`bot.core.buttons`).

- `va` activities: open one's card, sign up (or join the waiting list), cancel, the
  organiser's confirmation of attendance, and the organiser calling the activity off (asked
  first, then done).
- `vp` points: an item of the catalogue, redeem it for someone (with the card's key, so a
  second press reserves nothing more), the honour roll and its opt-in, a gift to a family
  member (with a key too).
"""

from __future__ import annotations

from bot.core.buttons import FLAG, INT, KEY, Prefix

ACTIVITY = Prefix("va")
VIEW = ACTIVITY("v", INT)
SIGN_UP = ACTIVITY("s", INT)
CANCEL = ACTIVITY("c", INT)
CONFIRM = ACTIVITY("ok", INT)
CANCEL_ACTIVITY = ACTIVITY("x", INT)  # the organiser asks to call it off
DROP_ACTIVITY = ACTIVITY("xy", INT)  # and confirms

POINTS = Prefix("vp")
ITEM = POINTS("i", INT)
REDEEM = POINTS("r", INT, INT, KEY)  # item, for whom, the card's key
NAMED = POINTS("n", FLAG)
HONOUR = POINTS("h")
GIVE = POINTS("g", INT, INT, KEY)  # to whom, how many, the /family give message's key

PREFIXES = (ACTIVITY, POINTS)
