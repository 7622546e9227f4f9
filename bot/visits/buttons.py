"""The buttons of /household (`hh:`) and /visit (`vi:`), declared once (`bot.core.buttons`)."""

from __future__ import annotations

from bot.core.buttons import INT, WORD, Prefix

HH = Prefix("hh")
HH_GRID = HH("g", INT)  # one of the worker's grids
HH_SKIP = HH("skip")  # no phone, no emergency contact, no notes
HH_KIND = HH("k", INT)  # the configured kind, by its place in MINHU_VISIT_KINDS
HH_CADENCE = HH("d", INT)  # days between visits
HH_CONSENT = HH("ok")  # the resident agreed orally
HH_CANCEL = HH("cancel")

VI = Prefix("vi")
VI_HOUSEHOLD = VI("h", INT)
VI_FINDING = VI("f", WORD)  # ok / help / hazard
VI_SKIP = VI("skip")  # no note
VI_NO_PHOTO = VI("nophoto")
VI_CANCEL = VI("cancel")
VI_WITHDRAW = VI("w", INT)  # the household withdrew its consent: asks to confirm
VI_WITHDRAW_YES = VI("wy", INT)  # confirmed: its personal data is erased
