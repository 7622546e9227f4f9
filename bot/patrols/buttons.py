"""The buttons of /patrol (`pt:`), declared once (`bot.core.buttons`)."""

from __future__ import annotations

from bot.core.buttons import INT, WORD, Prefix

PT = Prefix("pt")
GRID = PT("g", INT)  # one of the worker's grids
NO_PHOTO = PT("nophoto")
RESULT = PT("r", WORD)  # none, or hazard
CATEGORY = PT("c", INT)  # the hazard's category
CANCEL = PT("cancel")
