"""A broadcast's progress message in the admin's chat, kept up to date on PTB's JobQueue.

While a broadcast is sending, its progress message in the admin's private chat is edited in
place by one repeating job ("BROADCAST progress", every 5 s) — only when its figures changed —
and once more when nothing is pending, when the broadcast is marked done. The job reads the
rows every time (`broadcasts.status = 'sending'`), so after a restart it carries on. The
progress message is the admin's confirmation: the confirm handler shows it right after the
commit (`show`), and a broadcast committed without one (a crash, an API error in between)
gets it from the first round after `FIRST_SHOW_GRACE`, so the admin always learns that it is
sending. With several workers the confirm may be handled by one and the job run by the leader:
what the message shows is kept in the database (`broadcasts.progress_shown`), and each edit is
taken there first, so no process edits it to the text it has already. What a message
says, and the broadcast's status, come from `bot.broadcasts.service`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ExtBot

from bot.broadcasts import service
from bot.broadcasts.rules import Status
from bot.runtime import jobs
from bot.runtime.jobs import AnyApp
from bot.runtime.services import MinhuContext, Services
from storage import broadcasts
from storage.broadcasts import Broadcast

log = logging.getLogger(__name__)

PROGRESS_JOB = "BROADCAST progress"
PROGRESS_SECONDS = 5.0
PROGRESS_JOB_KWARGS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


# A broadcast committed this long ago without a progress message is given one by the job: the
# confirm handler shows it right after its commit (maybe in another worker), and the job must
# not show a second one meanwhile.
FIRST_SHOW_GRACE = timedelta(seconds=15)


async def edit_progress(
    services: Services, bot: ExtBot[Any], broadcast: Broadcast, text: str
) -> bool:
    """Edit the progress message in place; False if it could not be (tried again later). The
    same text again is not sent (Telegram refuses it as "message is not modified"): what the
    message shows is kept in the database, so this holds across processes too."""
    if broadcast.progress_chat_id is None or broadcast.progress_message_id is None:
        return False
    shown = service.shown_digest(text)
    taken, before = await broadcasts.take_progress_edit(services.db, broadcast.id, shown)
    if not taken:
        return True  # it shows that already
    try:
        await bot.edit_message_text(
            text,
            chat_id=broadcast.progress_chat_id,
            message_id=broadcast.progress_message_id,
            parse_mode=ParseMode.HTML,
        )
    except BadRequest as exc:
        if "not modified" in exc.message:
            return True
        log.info("progress of broadcast %s not shown: %s", broadcast.id, exc.message)
    except TelegramError as exc:
        log.info("progress of broadcast %s not shown now: %s", broadcast.id, exc)
    else:
        return True
    await broadcasts.give_back_progress_edit(services.db, broadcast.id, shown, before)
    return False


async def show_final(services: Services, bot: ExtBot[Any], broadcast: Broadcast) -> None:
    """Edit a broadcast's progress message once more, with its figures as they are now (after
    it was stopped)."""
    figures = await broadcasts.figures(services.db, broadcast.id)
    text = await service.progress_text(services, broadcast, figures, broadcast.status)
    await edit_progress(services, bot, broadcast, text)


class BroadcastProgress:
    """Keeps the progress messages of running broadcasts up to date."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._shown: dict[int, tuple[str, tuple[tuple[str, int], ...]]] = {}
        self._lock = asyncio.Lock()  # the job and `show` never send the first message twice

    def start(self, application: AnyApp) -> None:
        """Refresh every few seconds (a late run runs late, overlapping runs never)."""
        assert application.job_queue is not None
        application.job_queue.run_repeating(
            jobs.guarded(self._job, PROGRESS_JOB),
            interval=PROGRESS_SECONDS,
            first=PROGRESS_SECONDS,
            name=PROGRESS_JOB,
            job_kwargs=PROGRESS_JOB_KWARGS,
        )

    async def _job(self, context: MinhuContext) -> None:
        await self.refresh(context.bot)

    async def refresh(self, bot: ExtBot[Any]) -> None:
        """One round: edit the messages whose figures changed; finish what is done. A broadcast
        still without its message is given one once the confirm's own showing is overdue."""
        async with self._lock:
            running = await broadcasts.running(self.services.db)
            late = self.services.clock.now() - FIRST_SHOW_GRACE
            for broadcast in running:
                if broadcast.progress_message_id is not None or broadcast.created_at <= late:
                    await self._refresh_one(bot, broadcast)
            still = {b.id for b in running}
            for gone in set(self._shown) - still:
                del self._shown[gone]

    async def show(self, bot: ExtBot[Any], broadcast_id: int) -> None:
        """Right after the commit: the progress message of a new broadcast, at once."""
        async with self._lock:
            broadcast = await broadcasts.get(self.services.db, broadcast_id)
            if broadcast is not None and broadcast.status == Status.SENDING:
                await self._refresh_one(bot, broadcast)

    async def _refresh_one(self, bot: ExtBot[Any], broadcast: Broadcast) -> None:
        status, figures = await service.progress(self.services, broadcast)
        seen = (str(status), tuple(sorted(figures.items())))
        if self._shown.get(broadcast.id) == seen:
            return  # nothing new to show
        text = await service.progress_text(self.services, broadcast, figures, status)
        if broadcast.progress_message_id is None:
            if broadcast.progress_chat_id is None:
                return  # nowhere to show it
            try:
                sent = await bot.send_message(
                    broadcast.progress_chat_id, text, parse_mode=ParseMode.HTML
                )
            except TelegramError as exc:
                log.info("progress of broadcast %s not shown now: %s", broadcast.id, exc)
                return
            await service.progress_shown(self.services, broadcast, sent.message_id, text)
            self._shown[broadcast.id] = seen
        elif await edit_progress(self.services, bot, broadcast, text):
            self._shown[broadcast.id] = seen
