"""Whatever a registered resident sends outside a conversation — words, a photo, a voice note,
a location — is kept (in their saved user data, which /mydata shows and /deleteme erases) and
answered with an offer to file it: "要把这条作为问题反映吗？" with the categories.

Messages sent one after another (a text, then a photo, then a voice note) within `WINDOW` join
the same offer; an older one starts afresh. Accepting turns what was kept into a /report draft
with the category chosen, and the report's steps skip what is already there. These are the
rules; `handlers.complaints.said` is the chat.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, TypedDict

from bot.complaints import intake
from bot.complaints.intake import Draft
from bot.core.limits import MAX_PHOTOS, MAX_TEXT, MAX_VOICES, MIN_DESCRIPTION

WINDOW = timedelta(minutes=30)  # messages closer than this join one offer
# Short words that are a greeting or thanks, not a problem: answered kindly, not offered.
GREETINGS = frozenset(
    {"你好", "您好", "谢谢", "谢谢你", "谢谢您", "好的", "好", "嗯", "哦", "在吗", "再见"}
    | {"早上好", "晚上好", "hi", "hello", "thanks", "thank you", "ok", "okay", "yes", "bye"}
)


class Said(TypedDict, total=False):
    """What was sent outside a conversation and not yet filed or declined."""

    id: str  # the offer's key, carried by its buttons
    at: str  # when the last part came (ISO, UTC)
    text: str
    photos: list[list[str]]  # [file_id, file_unique_id]
    voices: list[list[str | int]]  # [file_id, file_unique_id, seconds]
    location: list[float] | None
    offer: int | None  # the message id of the offer with its buttons
    album: str | None  # the media group the last photo came in


@dataclass(frozen=True)
class Part:
    """One message's contribution (at most one of photo, voice and location)."""

    text: str = ""
    photo: tuple[str, str] | None = None
    voice: tuple[str, str, int] | None = None
    location: tuple[float, float] | None = None
    album: str | None = None


Outcome = Literal["kept", "text_full", "photos_full", "voices_full"]


def is_greeting(text: str) -> bool:
    """A word of greeting or thanks (with or without punctuation), not a problem."""
    bare = text.strip().strip("!！。.~～ ").lower()
    return len(bare) <= 1 or bare in GREETINGS


def current(found: object, now: datetime) -> Said | None:
    """The kept item if it is still open to more parts (None when absent, malformed or old)."""
    if not isinstance(found, dict) or not isinstance(found.get("id"), str):
        return None
    try:
        at = datetime.fromisoformat(str(found.get("at")))
    except ValueError:
        return None
    if now - at >= WINDOW or at > now + timedelta(minutes=5):
        return None
    return found  # type: ignore[return-value]


def fresh(now: datetime) -> Said:
    """An empty item with a new key."""
    return {
        "id": secrets.token_hex(4),
        "at": now.isoformat(),
        "text": "",
        "photos": [],
        "voices": [],
        "location": None,
        "offer": None,
        "album": None,
    }


def add(item: Said, part: Part, now: datetime) -> Outcome:
    """Join one message's part to the item; what did not fit is said, and not kept."""
    item["at"] = now.isoformat()
    outcome: Outcome = "kept"
    if part.text:
        joined = f"{item.get('text') or ''}\n{part.text}".strip()
        if len(joined) > MAX_TEXT:
            outcome = "text_full"
        else:
            item["text"] = joined
    if part.photo is not None:
        photos = item.setdefault("photos", [])
        if len(photos) >= MAX_PHOTOS:
            outcome = "photos_full"
        else:
            photos.append(list(part.photo))
    if part.voice is not None:
        voices = item.setdefault("voices", [])
        if len(voices) >= MAX_VOICES:
            outcome = "voices_full"
        else:
            voices.append(list(part.voice))
    if part.location is not None:
        item["location"] = list(part.location)
    item["album"] = part.album
    return outcome


def draft_of(item: Said, grid_id: int, category_id: int) -> Draft:
    """The /report draft made of the item, in the chosen category: the words become the
    description when they are long enough (else the resident is asked), photos and voice
    notes its attachments, the location its place (routed by the caller)."""
    draft = intake.new_draft(grid_id)
    draft["category_id"] = category_id
    text = (item.get("text") or "").strip()
    if MIN_DESCRIPTION <= len(text) <= MAX_TEXT:
        draft["description"] = text
    draft["photos"] = [list(p) for p in item.get("photos") or []][:MAX_PHOTOS]
    draft["voices"] = [list(v) for v in item.get("voices") or []][:MAX_VOICES]
    location = item.get("location")
    draft["location"] = list(location) if location else None
    # What came with the message is kept; the steps asking for it are skipped.
    filled = []
    if draft["photos"] or draft["voices"]:
        filled.append("photos")
    if draft["location"]:
        filled.append("location")
    draft["prefilled"] = filled
    draft["said_text"] = text if not draft.get("description") else None
    return draft


def summary(item: Said) -> dict[str, object]:
    """What the offer says was kept."""
    return {
        "text": item.get("text") or "",
        "photos": len(item.get("photos") or []),
        "voices": len(item.get("voices") or []),
        "seconds": sum(int(v[2]) for v in item.get("voices") or []),
        "located": bool(item.get("location")),
    }
