"""Every button of deliberation meetings, declared once (`bot.core.buttons`).

`mt` is the residents' (a meeting's card, booking, the waiting list, the .ics file, a topic,
past meetings and their decisions; the card, the .ics and the decisions buttons also ride in
notices), `me` the admins' view of a meeting
(moving it, its place, cancelling it), `mn` the /newmeeting form and `mr` the /meetingresult
conversation (the result, then its decisions handed on as assignments). Data is byte-identical
to the buttons already in chats.
"""

from __future__ import annotations

from bot.core.buttons import INT, KEY, Field, Prefix, choice, optional
from bot.meetings.rules import ASSIGNEE_KINDS


def _booking_id(text: str) -> int:
    if not text.isdigit() or len(text) > 12:
        raise ValueError(text)
    return int(text)


# A booking's id as a pressed button carries it: anything up to the next colon reaches the
# handler, so a mangled or forged id ("mt:xy:x") is answered "not your booking" in words;
# `parse` gives None for it.
BOOKING = Field(r"[^:]{0,12}", _booking_id, "7")

MT = Prefix("mt")
VIEW = MT("v", INT)  # mt:v:<meeting> the card (from /meetings or an announcement)
BOOK = MT("b", INT)  # mt:b:<meeting>
WAITLIST = MT("w", INT)  # mt:w:<meeting>
LEAVE = MT("x", BOOKING)  # mt:x:<booking> cancel a booking or leave the line: confirm first
LEAVE_YES = MT("xy", BOOKING)  # mt:xy:<booking>
ICS = MT("ics", BOOKING)  # mt:ics:<booking> the calendar file again
TOPIC = MT("t", INT)  # mt:t:<meeting> propose a topic
TOPIC_CANCEL = MT("tc")
PAST = MT("p", INT)  # mt:p:<page> past meetings and where their decisions stand
PAST_VIEW = MT("pv", INT, INT)  # mt:pv:<meeting>:<page> one past meeting's decisions

ME = Prefix("me")
ADMIN_VIEW = ME("v", INT)  # me:v:<meeting>
MOVE = ME("mv", INT)  # me:mv:<meeting> a new start time
PLACE = ME("pl", INT)  # me:pl:<meeting> a new place
CANCEL_MEETING = ME("x", INT)  # me:x:<meeting>: confirm first
CANCEL_MEETING_YES = ME("xy", INT)  # me:xy:<meeting>
EDIT_CANCEL = ME("cancel")

MN = Prefix("mn")
ZONE = MN("z", INT)  # mn:z:<zone>
WHOLE_ZONE = MN("all")
COMMUNITY = MN("c", INT)  # mn:c:<community>
ZONES = MN("back")  # back to the zones
NO_RESERVED = MN("r0")
PUBLISH = MN("ok", optional(KEY))  # mn:ok:<form key>; the first buttons had no key
FORM_CANCEL = MN("cancel")

MR = Prefix("mr")
RESULT = MR("s", INT)  # mr:s:<meeting> record its result
DECISIONS_DONE = MR("done")
AS_CHECKED_IN = MR("att")  # attendance: the checked-in count
PUBLISH_RESULT = MR("ok")
DECISION = MR("d", INT)  # mr:d:<decision> hand it on
KIND = MR("k", choice(*ASSIGNEE_KINDS))  # mr:k:<kind> to whom
TARGET = MR("t", INT)  # mr:t:<person or department>
IN_DAYS = MR("q", INT)  # mr:q:<working days> the deadline
DAY_OFF = MR("w", choice("keep", "next"))  # a typed deadline on a day off: keep it, or the next
DECISIONS = MR("list")  # back to the decisions
ASSIGNED_ALL = MR("fin")
RESULT_CANCEL = MR("cancel")

PREFIXES = (MT, ME, MN, MR)
