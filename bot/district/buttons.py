"""The buttons of /district (prefix `dst`): a period to see, publish the one seen, close.
A period is its key (`month:2026-11-01`), as the town bulletins' buttons carry it."""

from __future__ import annotations

from bot.bulletins.buttons import PERIOD
from bot.core.buttons import Prefix

DST = Prefix("dst")
VIEW = DST("v", PERIOD)  # dst:v:<period>: every town's figures and the ranking
PUBLISH = DST("pub", PERIOD)  # publish the period last seen to the district's channel
CLOSE = DST("cancel")  # close the menu
