"""A mediation's deadlines, on working days: no first contact (a session scheduled) within 2
working days, or no result within 30 days, is told to the dispatch centre once each — a source
of due rows for `bot.runtime.timers.TimerRunner` (the rows are the cases' own deadlines)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.mediation import buttons as b
from bot.mediation.service import overseers
from bot.runtime import notices
from bot.runtime.services import Services
from storage import mediation as store


class MediationDeadlines:
    """Escalates each missed deadline of an open case once."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._lock = asyncio.Lock()

    async def run_due(self) -> int:
        """Tell the dispatch centre of every deadline passed; how many."""
        services, done = self.services, 0
        async with self._lock:
            now = services.clock.now()
            for case_id, which in await store.overdue(services.db, now):
                m = await store.get(services.db, case_id)
                if m is None:
                    continue
                told = await overseers(services, m.zone_id)
                async with services.db.transaction() as conn:
                    if not await store.mark_escalated(conn, case_id, which, now):
                        continue
                    await notices.send(
                        conn,
                        services,
                        told,
                        template="mediation.overdue",
                        key=f"md:{case_id}:late:{which}",
                        now=now,
                        context={"number": m.number, "which": which, "kind": m.kind},
                        buttons=[[("mediation.btn_view", b.VIEW.pack(case_id))]],
                    )
                done += 1
        return done

    async def next_due(self) -> datetime | None:
        """The earliest deadline not escalated yet."""
        return await store.next_deadline(self.services.db)
