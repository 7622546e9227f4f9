"""A photo update handled again (its worker died after saving the draft, or lost the chat)
adds its photo once: a two-photo report is stored with two."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Chat, Message, PhotoSize, Update

from handlers.kit.common import add_photo


def _photo_update(update_id: int, unique: str) -> Update:
    sizes = [
        PhotoSize(f"small-{unique}", f"{unique}-s", 90, 90),
        PhotoSize(f"big-{update_id}-{unique}", unique, 800, 800),
    ]
    message = Message(update_id, datetime(2026, 3, 2, tzinfo=UTC), Chat(7, "private"), photo=sizes)
    return Update(update_id, message=message)


def test_the_same_photo_handled_again_is_kept_once() -> None:
    photos: list[list[str]] = []
    add_photo(photos, _photo_update(1, "AQAD1"))
    add_photo(photos, _photo_update(2, "AQAD2"))
    add_photo(photos, _photo_update(2, "AQAD2"))  # the second update, handled again
    assert photos == [["big-1-AQAD1", "AQAD1"], ["big-2-AQAD2", "AQAD2"]]
