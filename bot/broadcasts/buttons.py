"""The buttons of /broadcast and /broadcasts: `bc:<verb>[:<field>]` (data kept byte-identical
to older versions: summaries and /broadcasts lists may still be in admins' chats)."""

from __future__ import annotations

from bot.broadcasts.rules import AudienceKind
from bot.core.buttons import FLAG, INT, KEY, Prefix, choice
from storage.models import ROLES

BC = Prefix("bc")
KIND = BC("a", choice(*AudienceKind))  # who receives it: bc:a:<kind>
ZONE = BC("z", INT)  # the zone picker: bc:z:<zone id>
COMMUNITY = BC("c", INT)
GRID = BC("g", INT)
BACK = BC("back")  # from the communities back to the zones
ROLE = BC("r", choice(*ROLES))  # everyone holding a role: bc:r:<role>
MEETING = BC("m", INT)  # a meeting's registrants: bc:m:<meeting id>
URGENT = BC("u", FLAG)  # bc:u:0 ordinary, bc:u:1 urgent
CONFIRM = BC("ok", KEY)  # send the previewed draft: bc:ok:<submission key>
EDIT = BC("edit")  # change the text after the preview
CANCEL = BC("cancel")
STOP = BC("x", INT)  # /broadcasts: stop a running broadcast, bc:x:<broadcast id>
