"""The /newmeeting form as data: its steps (`State`), its draft, and for each typed step where
the answer goes, how it is read and checked (`bot.meetings.rules`), which question asks for it
and which step follows. No Telegram here: `handlers.meetings.create` asks and listens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import IntEnum
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from bot.meetings.rules import (
    CAPACITY,
    PLACE,
    TITLE,
    TOPIC,
    Invalid,
    check_deadline,
    check_reserved,
    check_start,
    parse_count,
    parse_deadline,
    parse_duration,
    parse_time,
    text_within,
)
from storage.meetings import NewMeeting

DRAFT = "meeting_draft"  # user_data: a MeetingDraft


# The steps in order, numbered 210-220 (61-71 before this version: see `kit.renumbered`).
State = IntEnum(
    "State",
    "TITLE TOPIC ZONE COMMUNITY PLACE START DURATION CAPACITY RESERVED DEADLINE CONFIRM",
    start=210,
)


class MeetingDraft(TypedDict, total=False):
    """The meeting being written (JSON: times as ISO text), and the form's key."""

    id: str  # the form's submission key, carried by the publish button
    title: str
    topic: str
    zone_id: int
    community_id: int | None
    place: str
    starts_at: str
    duration: int
    capacity: int
    reserved: int
    deadline: str


# A typed answer: the text, the time zone, now, the draft so far → the value to keep.
Reader = Callable[[str, ZoneInfo, datetime, MeetingDraft], Any]


def _start(text: str, tz: ZoneInfo, now: datetime, draft: MeetingDraft) -> str:
    return check_start(parse_time(text, tz, now), now).isoformat()


def _reserved(text: str, tz: ZoneInfo, now: datetime, draft: MeetingDraft) -> int:
    capacity = int(draft["capacity"])
    try:
        return check_reserved(parse_count(text, (0, CAPACITY[1]), "bad_reserved"), capacity)
    except Invalid as bad:
        raise Invalid("bad_reserved", max=capacity - 1) from bad


def _deadline(text: str, tz: ZoneInfo, now: datetime, draft: MeetingDraft) -> str:
    starts_at = datetime.fromisoformat(draft["starts_at"])
    return check_deadline(parse_deadline(text, tz, now), starts_at, now).isoformat()


# state: (draft field, reader, the step that follows)
FORM: dict[State, tuple[str, Reader, State]] = {
    State.TITLE: ("title", lambda text, *_: text_within(text, TITLE), State.TOPIC),
    State.TOPIC: ("topic", lambda text, *_: text_within(text, TOPIC), State.ZONE),
    State.PLACE: ("place", lambda text, *_: text_within(text, PLACE), State.START),
    State.START: ("starts_at", _start, State.DURATION),
    State.DURATION: ("duration", lambda text, *_: parse_duration(text), State.CAPACITY),
    State.CAPACITY: (
        "capacity",
        lambda text, *_: parse_count(text, CAPACITY, "bad_capacity"),
        State.RESERVED,
    ),
    State.RESERVED: ("reserved", _reserved, State.DEADLINE),
    State.DEADLINE: ("deadline", _deadline, State.CONFIRM),
}
QUESTIONS = {
    State.TITLE: "meetings.ask_title",
    State.TOPIC: "meetings.ask_topic_admin",
    State.PLACE: "meetings.ask_place",
    State.START: "meetings.ask_start",
    State.DURATION: "meetings.ask_duration",
    State.CAPACITY: "meetings.ask_capacity",
    State.RESERVED: "meetings.ask_reserved",
    State.DEADLINE: "meetings.ask_deadline",
}
LIMITS = {State.TITLE: TITLE, State.TOPIC: TOPIC, State.PLACE: PLACE, State.CAPACITY: CAPACITY}


def take(draft: MeetingDraft, state: State, text: str, tz: ZoneInfo, now: datetime) -> State:
    """Read and check one typed answer into the draft (Invalid: it stays out); the next step."""
    field, read, following = FORM[state]
    fields: dict[str, Any] = draft  # type: ignore[assignment]
    fields[field] = read(text, tz, now, draft)
    return following


def new_meeting(draft: MeetingDraft) -> NewMeeting:
    """The meeting the finished draft describes."""
    return NewMeeting(
        title=draft["title"],
        topic=draft["topic"],
        zone_id=int(draft["zone_id"]),
        community_id=draft.get("community_id"),
        place=draft["place"],
        starts_at=datetime.fromisoformat(draft["starts_at"]),
        duration_minutes=int(draft["duration"]),
        capacity=int(draft["capacity"]),
        reserved_seats=int(draft["reserved"]),
        registration_until=datetime.fromisoformat(draft["deadline"]),
    )
