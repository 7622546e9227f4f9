"""The buttons of reception days (接待日), prefix `rv`: booking a slot (`handlers.reception.
resident`), publishing a day (`publish`), the sessions and their outcomes (`outcomes`), and
the outcome prompt written to the outbox by `bot.reception.service`."""

from __future__ import annotations

from bot.core.buttons import INT, KEY, Prefix, optional

RV = Prefix("rv")

# A resident books a slot.
BOOK = RV("b", INT)  # rv:b:<session>
BOOK_CANCEL = RV("bc")

# A representative publishes a day: station → time → slots → confirm.
PUBLISH = RV("new")
STATION = RV("s", INT)  # rv:s:<station>
SLOTS = RV("n", INT)  # rv:n:<3, 5 or 10>
CONFIRM = RV("ok", optional(KEY))  # rv:ok:<form key>; old buttons lacked the key
CANCEL = RV("cancel")

# Afterwards: the representative's sessions, the outcome of a booking, a suggestion from it.
MINE = RV("mine")
SESSION = RV("m", INT)  # rv:m:<session> (also the button of the outcome prompt)
OUTCOME = RV("o", INT)  # rv:o:<booking>
OUTCOME_CANCEL = RV("oc")
TO_SUGGESTION = RV("x", INT)  # rv:x:<booking>
DEPARTMENT = RV("xd", INT, INT)  # rv:xd:<booking>:<department>
