"""The buttons of /suggest (`sv:`), declared once (`bot.core.buttons`)."""

from __future__ import annotations

from bot.core.buttons import INT, KEY, WORD, Prefix, optional

SV = Prefix("sv")
KIND = SV("k", WORD)  # 意见建议 or 督促整改
SOURCE = SV("s", WORD)  # an announced visit, or an unannounced one (暗访)
CATEGORY = SV("c", INT)
DEPARTMENT = SV("d", INT)
PHOTOS_DONE = SV("photos")  # no (more) photos
WHERE = SV("w", WORD)  # the site is in the home grid, or elsewhere (then the picker)
WHERE_ZONE = SV("wz", INT)
WHERE_COMMUNITY = SV("wc", INT)
WHERE_GRID = SV("wg", INT)
WHERE_BACK = SV("wb")
CHANGE_GRID = SV("grid")  # the summary's "change the grid"
DEFAULT_DUE = SV("due")  # the category's working-day deadline
CONFIRM = SV("ok", optional(KEY))  # buttons made before forms had keys lack it
CANCEL = SV("cancel")
