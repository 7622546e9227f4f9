"""The buttons of assignments (交办), declared once (`bot.core.buttons`).

`as:<verb>:<id>` are the buttons of an assignment — on notices in the outbox and on its card —
and of the conversation that asks for a note or a photo; `aa:` are the steps of /assign. The
data is byte-identical to the buttons already in chats.
"""

from __future__ import annotations

from bot.core.buttons import INT, KEY, WORD, Field, Prefix, optional

# Notice buttons have answered "this assignment cannot be found" to any forged id since they
# were first sent: the id field takes a word, and `parse` gives None for one that is no number.
ID = Field(WORD.regex, int, "7")

AS = Prefix("as")
ACCEPT = AS("accept", ID)  # 签收
NOTE = AS("note", ID)  # 进展: a progress note
DONE = AS("done", ID)  # 完成: a note, then a photo or none
VERIFY = AS("verify", ID)  # 验收通过
RETURN = AS("return", ID)  # 退回, with a reason
HELD = AS("held", ID)  # the re-check (回头看): the fix held
FAILED = AS("failed", ID)  # … or it came back
CARD = AS("card", INT)  # one assignment's card, from /tasks or /assignments
NO_PHOTO = AS("nophoto")
CANCEL = AS("cancel")

# The button of each verb, for notices and cards (labels `assignments.btn_<verb>`).
BY_VERB = {f.verb: f for f in (ACCEPT, NOTE, DONE, VERIFY, RETURN, HELD, FAILED)}

# The lists of /tasks and /assignments in chats from before the registry have `ac:<id>`
# buttons: no verb (a bare family). Their presses still open the card; new lists use CARD.
OLD_CARD = Prefix("ac")("", INT)


def card_of(data: str | None) -> int | None:
    """The assignment of a card button, new (`as:card:<id>`) or old (`ac:<id>`); else None."""
    old = OLD_CARD.one(data)
    return old if old is not None else CARD.one(data)


AA = Prefix("aa")  # /assign
KIND = AA("k", WORD)  # a representative, a department or a grid worker
ZONE = AA("z", INT)  # the zone whose grid workers are offered
WHO = AA("p", INT)  # a person or a department
IN_DAYS = AA("d", INT)  # in 3, 7 or 15 working days
DAY_OFF = AA("w", WORD)  # a typed day off: keep it, or the next working day
CONFIRM = AA("ok", optional(KEY))  # buttons made before forms had keys lack it
ASSIGN_CANCEL = AA("cancel")
