"""The buttons of a person's own conversations: onboarding (`ob`), settings (`st`) and erasing
one's data (`dm`). Plain strings: `handlers.people` registers the patterns and builds them."""

from __future__ import annotations

from bot.core.buttons import INT, WORD, Prefix

# /start: consent, the language of the notice, then zone → community → grid.
OB = Prefix("ob")
AGREE = OB("agree")
DECLINE = OB("decline")
LANGUAGE = OB("lang", WORD)  # ob:lang:<language>
ZONE = OB("z", INT)  # ob:z:<zone id> (also "back" from the grids)
COMMUNITY = OB("c", INT)  # ob:c:<community id>
GRID = OB("g", INT)  # ob:g:<grid id>
BACK = OB("back")  # back to the zones
CANCEL = OB("cancel")

# /settings: the menu, then the same picker for a new home grid.
ST = Prefix("st")
SET_LANGUAGE = ST("lang", WORD)  # st:lang:<language>
CHANGE_GRID = ST("grid")
MUTE = ST("mute")  # mute or unmute ordinary announcements
FOLLOW = ST("follow")  # follow or stop following the home zone's bulletin
DONE = ST("done")
SET_ZONE = ST("z", INT)
SET_COMMUNITY = ST("c", INT)
SET_GRID = ST("g", INT)
SET_BACK = ST("back")
SET_CANCEL = ST("cancel")

# /deleteme: erase, or keep.
DM = Prefix("dm")
ERASE = DM("yes")
KEEP = DM("no")
