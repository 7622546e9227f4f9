"""A meeting's decision followed in public: when the assignment made from it is verified as
done, everyone who booked the meeting (or waited for a seat) hears it, and so does its zone —
once each."""

from __future__ import annotations

from datetime import timedelta

from bot.assignments.rules import Step
from bot.assignments.service import act
from bot.meetings import results
from tests.support.harness import Harness, register
from tests.support.meetings import (
    ADMIN,
    LI,
    START,
    WANG,
    YANGSHAN,
    ZHAO,
    ZHOU,
    book,
    deliver,
    grant,
    local,
    meeting,
    to,
    town,
)

DONE = "议事会决议已办结"


async def test_a_verified_decision_reaches_every_registrant_once(bot: Harness) -> None:
    await town(bot, WANG, LI, ZHAO, YANGSHAN)
    m = await meeting(bot, capacity=2)
    for person in (WANG, LI, ZHAO):  # 赵师傅 waits for a seat
        await book(bot, person, m.id)
    await register(bot, ZHOU)
    await grant(bot, ZHOU, "representative")
    bot.clock.set(START + timedelta(hours=2))
    _, decision_ids, _ = await results.record_result(
        bot.services,
        m.id,
        ADMIN.id,
        summary="大家同意加装电梯",
        decisions=["3号楼先行试点", "社区出施工方案"],
        attendance=2,
    )
    assignment_id = await results.assign(
        bot.services,
        decision_ids[0],
        ADMIN.id,
        kind="representative",
        target_id=ZHOU.id,
        due_at=local(2026, 4, 30, 18, 0),
    )
    await deliver(bot)

    await act(bot.services, assignment_id, Step.ACCEPT, ZHOU.id)
    await act(bot.services, assignment_id, Step.DONE, ZHOU.id, note="电梯已装好并通过验收")
    calls = await deliver(bot)
    assert DONE not in "".join(to(calls, p) for p in (WANG, LI, ZHAO))

    await act(bot.services, assignment_id, Step.VERIFY, ADMIN.id)
    calls = await deliver(bot)
    for person in (WANG, LI, ZHAO):
        told = to(calls, person)
        assert told.count(DONE) == 1, person
        assert "上强社区加装电梯协商议事会" in told and "3号楼先行试点" in told
        assert "社区出施工方案" not in told  # only the decision that is done
    assert DONE not in to(calls, YANGSHAN)  # neither registered nor of the zone: not told
    # The zone hears it in public too (周代表 lives in 上强 and did not book), once.
    public = to(calls, ZHOU)
    assert public.count(DONE) == 1 and "您报名参加" not in public and "3号楼先行试点" in public
    # Delivered once: another pass sends nothing more.
    again = await deliver(bot)
    assert DONE not in "".join(to(again, p) for p in (WANG, LI, ZHAO))
    rows = await bot.services.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE ?", (f"mt:{m.id}:done:%",)
    )
    assert rows == 4  # three registrants and one resident of the zone
