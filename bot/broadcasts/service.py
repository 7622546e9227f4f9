"""Broadcasts beyond storage: sending one, stopping one, and what its progress message says.

Channel-neutral: the chat's side — showing the progress message and keeping it up to date
— is `bot.runtime.broadcasting`, which asks this module what a round shows (`progress`) and
records where it showed it (`progress_shown`). Handlers write through `send` and `stop`.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from bot.broadcasts.rules import Status, duration_seconds
from bot.core.render import DEFAULT_LANGUAGE
from bot.runtime.services import Services
from storage import broadcasts, people
from storage.broadcasts import Audience, Broadcast
from storage.meetings import OpenMeeting as OpenMeeting
from storage.meetings import open_meetings as open_meetings

Figures = dict[str, int]


async def send(
    services: Services,
    *,
    author: int,
    audience: Audience,
    text: str,
    photo: str | None,
    urgent: bool,
    key: str,
    progress_chat_id: int,
) -> int:
    """Write the broadcast and one outbox row per recipient (one transaction); its id. The
    preview's key makes a second send of the same preview give back the first broadcast."""
    broadcast_id, _ = await broadcasts.create(
        services.db,
        created_by=author,
        audience=audience,
        text=text,
        photo_file_id=photo,
        urgent=urgent,
        now=services.clock.now(),
        key=key,
        progress_chat_id=progress_chat_id,
    )
    return broadcast_id


async def stop(services: Services, broadcast: Broadcast) -> tuple[Broadcast, int]:
    """Drop what is still pending of a running broadcast: (the broadcast now, how many rows
    were dropped). It may have finished just before: then its status stays `done`."""
    dropped = await broadcasts.cancel(services.db, broadcast.id, services.clock.now())
    after = await broadcasts.get(services.db, broadcast.id)
    assert after is not None
    return after, dropped


async def progress(services: Services, broadcast: Broadcast) -> tuple[Status, Figures]:
    """A running broadcast's figures now, and its status: marked done once nothing is
    pending."""
    db = services.db
    figures = await broadcasts.figures(db, broadcast.id)
    status = Status(broadcast.status)
    if figures["pending"] == 0 and await broadcasts.finish_if_done(
        db, broadcast.id, services.clock.now()
    ):
        status = Status.DONE
    return status, figures


def shown_digest(text: str) -> str:
    """What the progress message's text is kept as (to tell whether an edit changes it)."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


async def progress_shown(
    services: Services, broadcast: Broadcast, message_id: int, text: str
) -> None:
    """Remember the progress message first shown (`text`), edited in place from now on."""
    assert broadcast.progress_chat_id is not None
    await broadcasts.set_progress_message(
        services.db, broadcast.id, broadcast.progress_chat_id, message_id, shown_digest(text)
    )


async def progress_text(
    services: Services, broadcast: Broadcast, figures: Figures, status: str
) -> str:
    """The progress message in its author's language: sending, done or cancelled."""
    author = await people.get(services.db, broadcast.created_by)
    seconds = duration_seconds(figures["pending"])
    return services.renderer.render(
        author.language if author else DEFAULT_LANGUAGE,
        "broadcast.progress",
        id=broadcast.id,
        audience=broadcast.audience_label,
        status=status,
        total=broadcast.total,
        seconds=seconds,
        eta_at=services.clock.now() + timedelta(seconds=seconds),
        updated_at=services.clock.now(),  # so a refresh never repeats the text it replaces
        **figures,
    )
