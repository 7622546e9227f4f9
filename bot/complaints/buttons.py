"""The buttons of complaints, each family declared once (the registry: `bot.core.buttons`).

Their data must not change: notices with these buttons wait in the outbox and sit in chats.

- `rp` /report: a category, "me too" on an offered complaint or a new one, photos done,
  where the problem is (home grid, or a grid picked), named or anonymous, confirm (with the
  form's key), change a part or the grid, cancel; the offer made for a message sent outside
  a conversation (a category, or "no"), "the voice note says it";
- `si` a complaint's card from /inbox (`si:<id>`); `my` its history from /my (`my:<id>`);
- `cs` the staff's buttons under notices and cards (`cs:<action>:<id>`), "no photo", cancel;
- `ct` where a transfer goes: a department, or another grid picked zone → community → grid;
- `cr` the resident's answers after 办结: 满意 / 基本满意 (then the stars, optional), 不满意
  (`notfixed`: a reason, then 重办); "fixed" of notices made before satisfaction asks it;
  reopen, and the 30-day follow-up's "came back" / "still fine"; a "me too" supporter's own
  answer (`msat`, `mbasic`, `mno`);
- `si:page:<view>:<page>` a page of /inbox in one view (all, overdue, new, working, back).
"""

from __future__ import annotations

from bot.complaints.rules import Action
from bot.core.buttons import FLAG, INT, KEY, Family, Field, Prefix, choice, optional

STARS = Field(r"[1-5]", int, "5")
NAMED_OR_ANONYMOUS = FLAG

REPORT = Prefix("rp")
CATEGORY = REPORT("cat", INT)
SAME = REPORT("same", INT)
NOT_SAME = REPORT("new")
PHOTOS_DONE = REPORT("photos", choice("done"))
ANONYMOUS = REPORT("anon", NAMED_OR_ANONYMOUS)
CONFIRM = REPORT("confirm", optional(KEY))  # buttons made before forms had keys lack it
EDIT = REPORT("edit")
PARTS = ("category", "description", "photos", "location", "anonymity")
EDIT_PART = REPORT("e", choice(*PARTS, "back"))
REPORT_CANCEL = REPORT("cancel")
# Where the problem is, when neither a location nor a typed address says (属地): the home
# grid or elsewhere (then zone → community → grid); the summary's "change the grid".
WHERE = REPORT("where", choice("home", "else"))
WHERE_ZONE = REPORT("wz", INT)
WHERE_COMMUNITY = REPORT("wc", INT)
WHERE_GRID = REPORT("wg", INT)
WHERE_BACK = REPORT("wb")
CHANGE_GRID = REPORT("regrid")
# Something sent outside any conversation (bot.complaints.said): file it under a category, or
# not (the key is the offer's, so an older offer's buttons file nothing); in the description
# step, "the voice note says it" for a resident who cannot type.
SAID = REPORT("said", KEY, INT)
SAID_NO = REPORT("nosaid", KEY)
VOICE_ONLY = REPORT("voice")

CARD_PREFIX, HISTORY_PREFIX = Prefix("si"), Prefix("my")
CARD = CARD_PREFIX("", INT)  # bare: made before prefixes had verbs
HISTORY = HISTORY_PREFIX("", INT)
INBOX_VIEWS = ("all", "overdue", "new", "working", "back")
INBOX_PAGE = CARD_PREFIX("page", choice(*INBOX_VIEWS), INT)

STAFF = Prefix("cs")
STAFF_ACTIONS = (Action.ACCEPT, Action.REJECT, Action.TRANSFER, Action.NOTE, Action.RESOLVE)
WORK = {action: STAFF(action.value, INT) for action in STAFF_ACTIONS}
NO_PHOTO = STAFF("nophoto")
STAFF_CANCEL = STAFF("cancel")

TRANSFER = Prefix("ct")
TO_DEPARTMENT = TRANSFER("d", INT)
OTHER_GRID = TRANSFER("grid")
ZONE = TRANSFER("z", INT)
COMMUNITY = TRANSFER("c", INT)
GRID = TRANSFER("g", INT)
BACK = TRANSFER("back")
TRANSFER_CANCEL = TRANSFER("cancel")

RESIDENT = Prefix("cr")
FIXED = RESIDENT("fixed", INT)  # notices made before satisfaction: asks 满意 / 基本满意 / 不满意
SATISFIED = RESIDENT("sat", INT)  # 满意
BASIC = RESIDENT("basic", INT)  # 基本满意
RATE = RESIDENT("rate", INT, STARS)
NOT_FIXED = RESIDENT("notfixed", INT)  # 不满意 (重办)
REOPEN = RESIDENT("reopen", INT)
CAME_BACK = RESIDENT("back", INT)
STILL_FINE = RESIDENT("fine", INT)
FEEDBACK_CANCEL = RESIDENT("cancel")
RESOLVED = (  # the 办结 notice's question, as 12345 asks it
    ("notices.btn_satisfied", SATISFIED),
    ("notices.btn_basic", BASIC),
    ("notices.btn_not_fixed", NOT_FIXED),
)
# A "me too" supporter's own answer after 办结 (bot.complaints.supporters): theirs alone.
SUPPORTER_SATISFIED = RESIDENT("msat", INT)
SUPPORTER_BASIC = RESIDENT("mbasic", INT)
SUPPORTER_UNSATISFIED = RESIDENT("mno", INT)
SUPPORTER_ANSWERS = (
    ("notices.btn_satisfied", SUPPORTER_SATISFIED),
    ("notices.btn_basic", SUPPORTER_BASIC),
    ("notices.btn_not_fixed", SUPPORTER_UNSATISFIED),
)
FOLLOW_UP = (("notices.btn_came_back", CAME_BACK), ("notices.btn_still_fine", STILL_FINE))

PREFIXES = (REPORT, STAFF, TRANSFER, RESIDENT, CARD_PREFIX, HISTORY_PREFIX)


def row(record_id: int, *buttons: tuple[str, Family]) -> list[tuple[str, str]]:
    """One row of buttons about one complaint: (label's template, family) each."""
    return [(label, family.pack(record_id)) for label, family in buttons]


def work_row(complaint_id: int, *actions: Action) -> list[tuple[str, str]]:
    """One row of the staff's buttons under a notice (labels `notices.btn_<action>`)."""
    return row(complaint_id, *((f"notices.btn_{a.value}", WORK[a]) for a in actions))
