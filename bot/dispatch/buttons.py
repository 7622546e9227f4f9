"""The dispatch centre's buttons, each family declared once (the registry: `bot.core.buttons`).

- `dp` rulings and requests: a handler's 延期申请 (`ext:<complaint>`), the dispatcher's
  rulings on a request (`rok`/`rno` 退回 approved / refused, `eok`/`eno` 延期 approved /
  refused: `<request>`), and the cancel of the extension form; re-routing a 退回 is the
  staff's own 转办 button (`cs:transfer:<complaint>`);
- `bd` the board (/board): a view (`v`: zone, status, overdue, category, assignee, page), a
  filter's choices (`f`), a case opened from it (`o`), and bulk reassignment (`bulk`).
"""

from __future__ import annotations

from bot.core.buttons import FLAG, INT, Prefix, choice

DISPATCH = Prefix("dp")
EXTEND = DISPATCH("ext", INT)
REJECT_OK = DISPATCH("rok", INT)
REJECT_NO = DISPATCH("rno", INT)
EXTEND_OK = DISPATCH("eok", INT)
EXTEND_NO = DISPATCH("eno", INT)
CANCEL = DISPATCH("cancel")

STATUSES = (
    "all",
    "wait",
    "work",
    "late",
    "ask",
)  # every open case, to accept, in hand, 催办, ruling
FILTERS = ("zone", "status", "cat", "who")
BOARD = Prefix("bd")
# zone (0: all), status, overdue only, category (0: all), assignee (0: anyone), page
VIEW = BOARD("v", INT, choice(*STATUSES), FLAG, INT, INT, INT)
FILTER = BOARD("f", choice(*FILTERS), INT, choice(*STATUSES), FLAG, INT, INT)
OPEN = BOARD("o", INT, INT, choice(*STATUSES), FLAG, INT, INT)
BULK = BOARD("bulk", INT, INT)  # assignee, zone (0: all): move all their open cases
BULK_GRID = BOARD("g", INT)  # the grid they go to
BULK_DEPARTMENT = BOARD("d", INT)  # or the department
BULK_GO = BOARD("go")
BULK_CANCEL = BOARD("cancel")

PREFIXES = (DISPATCH, BOARD)
