"""The answer to a committed form: an outbox row in the record's own transaction.

A form's confirmation (the complaint number, "the meeting is published", "the broadcast is
sending") is written with the record, keyed by the form's submission key, on the reply lane,
and sent right after the commit (`send`). A crash or an API error between the commit and the
send loses nothing: the row is sent by the next delivery pass, and only once, because its
dedupe key is the submission's.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiosqlite

from bot.runtime import notices
from bot.runtime.services import Services
from storage import outbox

if TYPE_CHECKING:
    from telegram.ext import ExtBot


def reply_key(key: str) -> str:
    """The outbox dedupe key of a submission's confirmation."""
    return f"submitted:{key}"


async def queue_reply(
    conn: aiosqlite.Connection,
    services: Services,
    chat_id: int,
    *,
    key: str,
    template: str,
    now: datetime,
    **context: Any,
) -> None:
    """Write the confirmation inside the record's transaction (the reply lane)."""
    language = await notices.language(services, chat_id)
    await outbox.enqueue(
        conn,
        chat_id=chat_id,
        kind=template,
        template=template,
        context={"language": language, **context},
        due_at=now,
        dedupe_key=reply_key(key),
        now=now,
        lane=outbox.LANE_DIRECT,
    )


async def send(services: Services, bot: ExtBot[Any], key: str) -> None:
    """Send the confirmation now (after the commit), then whatever else the commit queued."""
    await services.delivery.deliver_now(bot, reply_key(key))
    services.delivery.kick_soon()
