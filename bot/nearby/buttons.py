"""/nearby's buttons, each family declared once (the registry: `bot.core.buttons`).

- `nb:p:<page>` another page of the list;
- `nb:me:<complaint>:<page>` "me too" on a case, then the same page again.
"""

from __future__ import annotations

from bot.core.buttons import INT, Prefix

NEARBY = Prefix("nb")
PAGE = NEARBY("p", INT)
METOO = NEARBY("me", INT, INT)

PREFIXES = (NEARBY,)
