"""Assignments (交办): an admin assigns with /assign; the assignee accepts, reports progress and
done (with a photo); the admin returns it once and verifies; a re-check (回头看) comes back 30
days later. Reminders and escalation are timer rows; every press is checked on the server."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.assignments.rules import (
    OPEN,
    Actor,
    Card,
    NotAllowed,
    Status,
    Step,
    allowed_steps,
    decide,
    parse_day,
)
from storage import assignments as store
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.representatives import (
    ADMIN,
    OFFICER,
    OTHER_REP,
    REP,
    assign_to,
    deliver,
    file_complaint,
    grant,
)


async def _setup(bot: Harness) -> None:
    await register(bot, ADMIN)
    await grant(bot, REP, "representative")
    await grant(bot, OTHER_REP, "representative")


async def _assign(bot: Harness, subject: str, kind: str, who: str, days: str = "7 个工作日") -> int:
    await assign_to(bot, ADMIN, subject, kind, who)
    await bot.button(ADMIN, days)
    assert "已交办" in texts(await bot.button(ADMIN, "确认交办"))
    return int(await bot.services.db.fetchval("SELECT MAX(id) FROM assignments"))


async def _events(bot: Harness, assignment_id: int) -> list[str]:
    return [e.kind for e in await store.events(bot.services.db, assignment_id)]


async def _status(bot: Harness, assignment_id: int) -> str:
    found = await store.get(bot.services.db, assignment_id)
    assert found is not None
    return found.status


async def test_a_complaint_is_assigned_done_returned_verified_and_rechecked(
    bot: Harness, resident: User
) -> None:
    await _setup(bot)
    await register(bot, resident)
    number = await file_complaint(bot, resident)
    aid = await _assign(bot, number, "人大代表", "周代表")
    found = await store.get(bot.services.db, aid)
    assert found is not None and found.subject_kind == "complaint" and found.complaint_id == 1

    since = await deliver(bot)
    notice = texts(bot.fake.sent_to(REP.id, since))
    assert f"交办任务 #{aid}" in notice and number in notice
    assert set(bot.buttons(REP.id).values()) == {f"as:accept:{aid}"}
    await bot.button(REP, "签收")
    assert await _status(bot, aid) == "accepted"
    assert set(bot.buttons(REP.id).values()) == {f"as:note:{aid}", f"as:done:{aid}"}

    await bot.button(REP, "进展")
    assert "已记录" in texts(await bot.send(REP, "已约物业和环卫所，周三上午清运"))
    await bot.button(REP, "完成")
    await bot.send(REP, "已督促清运，垃圾桶已消毒")
    assert "等待管理员验收" in texts(await bot.send_photo(REP, "clean-bins"))
    assert await _status(bot, aid) == "done"

    since = await deliver(bot)
    to_admin = bot.fake.sent_to(ADMIN.id, since)
    (photo,) = [c for c in to_admin if c.method == "sendPhoto"]  # the photo carries the buttons
    assert "报告已完成" in photo.params["caption"]
    assert f"as:return:{aid}" in str(photo.params["reply_markup"])
    await bot.press(ADMIN, f"as:return:{aid}")
    assert "已退回" in texts(await bot.send(ADMIN, "照片里东门还有两个桶没清，请再看看"))
    assert await _status(bot, aid) == "returned"
    since = await deliver(bot)
    assert "还有两个桶" in texts(bot.fake.sent_to(REP.id, since))

    await bot.button(REP, "完成")
    await bot.send(REP, "两个桶也清运了，已拍照确认")
    await bot.button(REP, "不需要照片")
    await deliver(bot)
    await bot.button(ADMIN, "验收通过")
    assert await _status(bot, aid) == "verified"
    kinds = [t.kind for t in await store.pending_timers(bot.services.db, aid)]
    assert kinds == ["recheck"]

    bot.clock.advance(timedelta(days=30, minutes=1))
    await bot.services.timers.run_pass()  # type: ignore[union-attr]
    since = await deliver(bot)
    assert "回头看：交办" in texts(bot.fake.sent_to(REP.id, since))
    await bot.button(REP, "成效保持")
    details = await store.details(bot.services.db, aid)
    assert details is not None and details.recheck_result == "held"
    assert await _events(bot, aid) == [
        "assigned",
        "accepted",
        "progress",
        "done",
        "returned",
        "done",
        "verified",
        "recheck_held",
    ]
    since = len(bot.fake.calls)
    await bot.press(REP, f"as:failed:{aid}")  # a second answer changes nothing
    assert "已经回答过了" in bot.fake.answers(since)[-1]


async def test_free_text_to_a_department_is_reminded_and_escalated(bot: Harness) -> None:
    await _setup(bot)
    await grant(bot, OFFICER, "department", department="XF")
    aid = await _assign(bot, "检查上强社区所有消防栓的水压", "职能部门", "消防", "3 个工作日")
    found = await store.get(bot.services.db, aid)
    assert found is not None and found.department_id is not None and found.text.startswith("检查")
    await deliver(bot)
    assert f"as:accept:{aid}" in bot.buttons(OFFICER.id).values()
    kinds = [t.kind for t in await store.pending_timers(bot.services.db, aid)]
    assert kinds == ["remind", "due"]

    bot.clock.set(found.due_at - timedelta(hours=20))
    await bot.services.timers.run_pass()  # type: ignore[union-attr]
    since = await deliver(bot)
    assert f"交办 #{aid}" in texts(bot.fake.sent_to(OFFICER.id, since))

    bot.clock.set(found.due_at + timedelta(minutes=1))
    await bot.services.timers.run_pass()  # type: ignore[union-attr]
    since = await deliver(bot)
    assert "已逾期" in texts(bot.fake.sent_to(OFFICER.id, since))
    assert "催办" in texts(bot.fake.sent_to(ADMIN.id, since))
    assert await _events(bot, aid) == ["assigned", "escalated"]
    assert "⚠️ 逾期" in texts(await bot.send(ADMIN, "/assignments"))
    assert "⚠️ 逾期" in texts(await bot.send(OFFICER, "/tasks"))


async def test_the_list_puts_overdue_work_first_and_cards_show_the_history(bot: Harness) -> None:
    await _setup(bot)
    late = await _assign(bot, "整理上强片区的道路破损台账", "人大代表", "周代表", "3 个工作日")
    soon = await _assign(bot, "走访东红村独居老人并记录需求", "人大代表", "吴代表", "15 个工作日")
    bot.clock.advance(timedelta(days=5))
    listing = texts(await bot.send(ADMIN, "/assignments"))
    assert listing.index(f"#{late}") < listing.index(f"#{soon}")
    assert f"⚠️ #{late}" in bot.buttons(ADMIN.id)
    card = texts(await bot.press(ADMIN, f"ac:{late}"))
    assert "逾期" in card and "周代表" in card and "交办" in card
    tasks = texts(await bot.send(REP, "/tasks"))
    assert f"#{late}" in tasks and f"#{soon}" not in tasks
    await bot.button(REP, f"#{late}")
    assert set(bot.buttons(REP.id).values()) == {f"as:accept:{late}"}  # what the state allows


async def test_assign_refuses_bad_input_politely(bot: Harness, resident: User) -> None:
    await _setup(bot)
    before = await table_counts(bot)
    await bot.send(ADMIN, "/assign")
    assert "太短" in texts(await bot.send(ADMIN, "修"))
    assert "没有编号" in texts(await bot.send(ADMIN, "MH-2026-999999"))
    assert "用文字" in texts(await bot.send_sticker(ADMIN))
    await bot.send(ADMIN, "检查阳山工业园的消防通道")
    await bot.button(ADMIN, "人大代表")
    await bot.button(ADMIN, "周代表")
    assert "没看懂" in texts(await bot.send(ADMIN, "下周三"))
    assert "已经过去" in texts(await bot.send(ADMIN, "2026-03-01"))
    assert "太远" in texts(await bot.send(ADMIN, "2028-03-01"))
    assert "请确认交办" in texts(await bot.send(ADMIN, "2026年3月20日"))
    assert "已取消" in texts(await bot.send(ADMIN, "/cancel"))
    assert await table_counts(bot) == before


async def test_each_assignment_action_is_refused_to_a_role_that_may_not_take_it(
    bot: Harness, resident: User
) -> None:
    await _setup(bot)
    await register(bot, resident)
    aid = await _assign(bot, "检查阳山工业园的消防通道", "人大代表", "周代表")
    await deliver(bot)
    before = await table_counts(bot)

    for command in ("/assign", "/assignments", "/tasks"):
        assert "没有权限" in texts(await bot.send(resident, command))
    for user, data in (
        (OTHER_REP, f"as:accept:{aid}"),  # not the assignee
        (resident, f"as:accept:{aid}"),
        (ADMIN, f"as:accept:{aid}"),  # admins verify; they do not accept for others
        (REP, f"as:verify:{aid}"),  # the assignee cannot verify their own work
        (REP, f"as:return:{aid}"),
        (REP, f"as:held:{aid}"),  # no re-check before verification
        (OTHER_REP, f"as:done:{aid}"),
        (resident, f"ac:{aid}"),  # nor see its card
        (REP, "as:accept:99999"),
        (REP, "as:accept:x"),
    ):
        since = len(bot.fake.calls)
        await bot.press(user, data)
        toast = bot.fake.answers(since)[-1]
        assert "不归您" in toast or "没有权限" in toast or "找不到" in toast or "不能" in toast
    assert await table_counts(bot) == before

    await bot.button(REP, "签收")
    await bot.button(REP, "完成")
    await bot.send(REP, "通道已经清理干净")
    await bot.button(REP, "不需要照片")
    since = len(bot.fake.calls)
    await bot.press(OTHER_REP, f"as:verify:{aid}")
    assert "不归您" in bot.fake.answers(since)[-1]
    assert await _status(bot, aid) == "done"


async def test_a_decision_assigned_elsewhere_gets_its_timers(bot: Harness) -> None:
    await _setup(bot)
    now = bot.clock.now()
    async with bot.services.db.transaction() as conn:
        aid = await store.create(
            conn,
            subject_kind="text",
            text="议事会决议：增设电动车充电桩",
            due_at=now + timedelta(days=10),
            assigned_by=ADMIN.id,
            now=now,
            assignee_id=REP.id,
        )
    await bot.services.timers.run_pass()  # type: ignore[union-attr]
    assert [t.kind for t in await store.pending_timers(bot.services.db, aid)] == ["remind", "due"]
    assert f"#{aid}" in texts(await bot.send(REP, "/tasks"))


def test_the_rules_allow_only_the_right_role_from_the_right_status() -> None:
    assignee, admin = frozenset({Actor.ASSIGNEE}), frozenset({Actor.ADMIN})
    assert decide(Card(Status.ASSIGNED), Step.ACCEPT, assignee) is Status.ACCEPTED
    assert decide(Card(Status.DONE), Step.RETURN, admin, note="再看看") is Status.RETURNED
    assert decide(Card(Status.RETURNED), Step.DONE, assignee, note="好了") is Status.DONE
    for card, step, roles, reason in (
        (Card(Status.ASSIGNED), Step.ACCEPT, admin, "not_allowed"),
        (Card(Status.ASSIGNED), Step.DONE, assignee, "wrong_state"),
        (Card(Status.DONE), Step.VERIFY, assignee, "not_allowed"),
        (Card(Status.DONE), Step.RETURN, admin, "note_required"),
        (Card(Status.VERIFIED), Step.RECHECK, frozenset({Actor.CHECKER}), "wrong_state"),
        (
            Card(Status.VERIFIED, rechecked=True, recheck_open=True),
            Step.RECHECK,
            frozenset({Actor.CHECKER}),
            "already_done",
        ),
        (
            Card(Status.ACCEPTED, escalated=True),
            Step.ESCALATE,
            frozenset({Actor.SYSTEM}),
            "wrong_state",
        ),
    ):
        with pytest.raises(NotAllowed) as refused:
            decide(card, step, roles, note="" if step is Step.RETURN else "-")
        assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-03-20", date(2026, 3, 20)),
        ("2026/3/9", date(2026, 3, 9)),
        ("2026年3月20日", date(2026, 3, 20)),
        ("3月20日", date(2026, 3, 20)),
        ("3-20", date(2026, 3, 20)),
        ("2026-02-30", None),
        ("next week", None),
    ],
)
def test_deadlines_are_typed_as_dates(typed: str, expected: date | None) -> None:
    assert parse_day(typed, date(2026, 3, 2)) == expected


WHO = {
    Step.ACCEPT: Actor.ASSIGNEE,
    Step.PROGRESS: Actor.ASSIGNEE,
    Step.DONE: Actor.ASSIGNEE,
    Step.VERIFY: Actor.ADMIN,
    Step.RETURN: Actor.ADMIN,
    Step.ESCALATE: Actor.SYSTEM,
    Step.RECHECK: Actor.CHECKER,
}


@given(
    st.lists(
        st.tuples(st.sampled_from(list(Step)), st.sets(st.sampled_from(list(Actor)), max_size=2)),
        max_size=30,
    )
)
def test_no_sequence_of_steps_lets_a_role_do_what_it_may_not(
    moves: list[tuple[Step, set[Actor]]],
) -> None:
    card = Card(Status.ASSIGNED)
    for step, roles in moves:
        allowed = step in allowed_steps(card, frozenset(roles))
        try:
            after = decide(card, step, frozenset(roles), note="说明")
        except NotAllowed:
            assert not allowed
            continue
        assert allowed and WHO[step] in roles
        if step is Step.ESCALATE:
            assert card.status in OPEN and not card.escalated
        if step is Step.VERIFY:
            assert card.status is Status.DONE
        card = Card(
            after,
            escalated=card.escalated or step is Step.ESCALATE,
            rechecked=card.rechecked or step is Step.RECHECK,
            recheck_open=after is Status.VERIFIED,
        )
        assert card.status is not Status.CANCELLED
