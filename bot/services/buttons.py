"""The service circle's buttons, prefix `sc` (the registry: `bot.core.buttons`).

- `sc:n:<need>` a need chosen; `sc:w:<need>` find it by location (from a typed question);
- `sc:c:<point>` a point's card; `sc:my` my appointments;
- `sc:b:<point>` book → `sc:d:<point>:<yyyymmdd>` a day → `sc:t:<point>:<minute>` a time (minutes
  since 1970 UTC) → `sc:s` no topic; `sc:q` leave the form;
- `sc:x:<booking>` cancel a booking; `sc:m:<booking>:<1 came | 0 did not>` the staff's mark;
- `sc:h:<point>:<1 show | 0 hide>` an admin shows or hides a point.
"""

from __future__ import annotations

from bot.core.buttons import FLAG, INT, Prefix, choice
from bot.services.rules import NEED_CODES

SC = Prefix("sc")
NEED = SC("n", choice(*NEED_CODES))
BY_LOCATION = SC("w", choice(*NEED_CODES))
CARD = SC("c", INT)
MINE = SC("my")
BOOK = SC("b", INT)
DAY = SC("d", INT, INT)
TIME = SC("t", INT, INT)
NO_TOPIC = SC("s")
LEAVE = SC("q")
CANCEL = SC("x", INT)
MARK = SC("m", INT, FLAG)
SHOW = SC("h", INT, FLAG)

PREFIXES = (SC,)
