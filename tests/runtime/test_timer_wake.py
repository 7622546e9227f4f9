"""In a cluster a timer made on a worker that does not lead used to wait for the leader's next
sweep (MINHU_TIMER_SWEEP, 30 s): the worker's commit asks the leader to send (NOTIFY), and
the leader now also runs its due timers and sets its wake-up from the rows."""

from __future__ import annotations

from bot.runtime.cluster import Leadership
from storage import complaints, people, timers
from storage.db import Database
from tests.conftest import Address
from tests.support.harness import Harness


async def test_a_workers_new_timer_wakes_the_leader(bot: Harness, seeded_db: Address) -> None:
    now = bot.clock.now()
    async with Database(seeded_db) as worker:  # another process, not the leader
        grid_id = int(await worker.fetchval("SELECT MIN(id) FROM grids"))
        category_id = int(await worker.fetchval("SELECT MIN(id) FROM categories"))
        await people.register(worker, 700, "甲", "zh-CN", grid_id, now)
        new = complaints.NewComplaint(700, category_id, grid_id, "路灯坏了", anonymous=False)
        async with worker.transaction() as conn:
            complaint_id, _ = await complaints.insert(
                conn, new, now, year=now.year, department_id=None
            )
            await timers.add(conn, "followup", complaint_id, now, now)  # due at once
    assert len(await timers.pending(bot.services.db, complaint_id)) == 1
    assert bot.app is not None and bot.services.timers is not None
    Leadership(bot.app, None, None)._kick()  # type: ignore[arg-type]  # the NOTIFY heard
    waking = bot.services.timers.waking  # the pass the kick started
    assert waking is not None
    await waking
    assert await timers.pending(bot.services.db, complaint_id) == []  # fired, not at a sweep


class CommitDuringPass:
    """A TimerSource standing for another worker: during the leader's pass (after it read the
    due timers), that worker commits a timer due at once and its NOTIFY arrives."""

    def __init__(self, bot: Harness, address: Address) -> None:
        self.bot, self.address = bot, address
        self.complaint_id = 0

    async def run_due(self) -> int:
        if self.complaint_id:
            return 0
        now = self.bot.clock.now()
        async with Database(self.address) as worker:
            grid_id = int(await worker.fetchval("SELECT MIN(id) FROM grids"))
            category_id = int(await worker.fetchval("SELECT MIN(id) FROM categories"))
            await people.register(worker, 701, "乙", "zh-CN", grid_id, now)
            new = complaints.NewComplaint(701, category_id, grid_id, "井盖松了", anonymous=False)
            async with worker.transaction() as conn:
                self.complaint_id, _ = await complaints.insert(
                    conn, new, now, year=now.year, department_id=None
                )
                await timers.add(conn, "followup", self.complaint_id, now, now)
        Leadership(self.bot.app, None, None)._kick()  # type: ignore[arg-type]  # the NOTIFY
        return 0

    async def next_due(self) -> None:
        return None


async def test_a_timer_committed_during_the_leaders_pass_is_not_left_to_the_sweep(
    bot: Harness, seeded_db: Address
) -> None:
    assert bot.app is not None and bot.services.timers is not None
    source = CommitDuringPass(bot, seeded_db)
    bot.services.timers.sources.append(source)
    Leadership(bot.app, None, None)._kick()  # type: ignore[arg-type]  # a first NOTIFY
    waking = bot.services.timers.waking
    assert waking is not None
    await waking  # the pass running when the second NOTIFY came ran once more
    assert source.complaint_id
    assert await timers.pending(bot.services.db, source.complaint_id) == []
