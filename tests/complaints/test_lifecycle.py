"""The complaint rules without Telegram: transitions, who may act, and a property test over
random sequences of actions by random roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.complaints.rules import (
    OPEN,
    WAITING,
    Action,
    Actor,
    NotAllowed,
    Status,
    Ticket,
    allowed_actions,
    decide,
)

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
STAFF_ACTIONS = {Action.ACCEPT, Action.REJECT, Action.TRANSFER, Action.NOTE, Action.RESOLVE}
RESIDENT_ACTIONS = {Action.CONFIRM, Action.NOT_FIXED, Action.REOPEN}
# Who may do what, as the issue states it (the module's table is checked against this).
MAY = {
    **{a: {Actor.ASSIGNEE, Actor.ADMIN} for a in STAFF_ACTIONS},
    **{a: {Actor.REPORTER} for a in RESIDENT_ACTIONS},
    Action.AUTO_CLOSE: {Actor.SYSTEM},
    Action.ESCALATE: {Actor.SYSTEM, Actor.ADMIN},
}


def test_the_whole_loop() -> None:
    t = Ticket(Status.SUBMITTED, is_hazard=True)
    t = decide(t, Action.ACCEPT, Actor.ASSIGNEE, NOW).ticket
    t = decide(t, Action.NOTE, Actor.ASSIGNEE, NOW, note="已联系物业").ticket
    with pytest.raises(NotAllowed, match="photo_required"):
        decide(t, Action.RESOLVE, Actor.ASSIGNEE, NOW, note="已修好")
    t = decide(t, Action.RESOLVE, Actor.ASSIGNEE, NOW, note="已修好", photo=True).ticket
    t = decide(t, Action.NOT_FIXED, Actor.REPORTER, NOW + timedelta(days=1), note="还是没水").ticket
    assert t.status is Status.REOPENED and not t.accepted
    t = decide(t, Action.ACCEPT, Actor.ASSIGNEE, NOW).ticket
    later = NOW + timedelta(days=2)
    t = decide(t, Action.RESOLVE, Actor.ASSIGNEE, later, note="换了阀门", photo=True).ticket
    decision = decide(t, Action.CONFIRM, Actor.REPORTER, later, rating=5)
    assert decision.ticket.status is Status.CLOSED and decision.close_reason == "confirmed"


def test_no_answer_for_three_days_closes_as_fixed_no_reply() -> None:
    t = Ticket(Status.RESOLVED, accepted=True, resolved_at=NOW)
    with pytest.raises(NotAllowed, match="wrong_state"):
        decide(t, Action.AUTO_CLOSE, Actor.SYSTEM, NOW + timedelta(days=2, hours=23))
    decision = decide(t, Action.AUTO_CLOSE, Actor.SYSTEM, NOW + timedelta(days=3))
    assert decision.close_reason == "no_reply"


def test_reopening_is_possible_for_seven_days_after_resolving() -> None:
    t = Ticket(Status.CLOSED, accepted=True, resolved_at=NOW, close_reason="no_reply")
    assert decide(t, Action.REOPEN, Actor.REPORTER, NOW + timedelta(days=6)).ticket.status is (
        Status.REOPENED
    )
    with pytest.raises(NotAllowed, match="wrong_state"):
        decide(t, Action.REOPEN, Actor.REPORTER, NOW + timedelta(days=7))


def test_a_transfer_needs_acceptance_again() -> None:
    t = Ticket(Status.ACCEPTED, accepted=True)
    t = decide(t, Action.TRANSFER, Actor.ADMIN, NOW).ticket
    assert t.status is Status.TRANSFERRED and not t.accepted
    with pytest.raises(NotAllowed, match="wrong_state"):
        decide(t, Action.RESOLVE, Actor.ASSIGNEE, NOW, note="x")


def test_buttons_follow_the_rules() -> None:
    t = Ticket(Status.SUBMITTED)
    assert allowed_actions(t, frozenset({Actor.ASSIGNEE}), NOW) == [
        Action.ACCEPT,
        Action.REJECT,
        Action.TRANSFER,
    ]
    assert allowed_actions(t, frozenset({Actor.RESIDENT, Actor.SUPPORTER}), NOW) == []


steps = st.lists(
    st.tuples(
        st.sampled_from(list(Action)),
        st.sampled_from(list(Actor)),
        st.integers(min_value=0, max_value=24 * 12),  # hours that pass first
        st.sampled_from(["", "  ", "已处理"]),
        st.one_of(st.none(), st.integers(min_value=-1, max_value=7)),
        st.booleans(),
    ),
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(hazard=st.booleans(), sequence=steps)
def test_no_sequence_reaches_an_invalid_state_or_lets_a_role_overstep(
    hazard: bool, sequence: list[tuple[Action, Actor, int, str, int | None, bool]]
) -> None:
    ticket, now = Ticket(Status.SUBMITTED, is_hazard=hazard), NOW
    for action, actor, hours, note, rating, photo in sequence:
        now += timedelta(hours=hours)
        before = ticket
        try:
            ticket = decide(
                ticket, action, actor, now, note=note, rating=rating, photo=photo
            ).ticket
        except NotAllowed:
            continue
        # Only the roles the issue names may act.
        assert actor in MAY[action]
        # Nothing leaves a rejection; a closed complaint only reopens, by its reporter.
        assert before.status is not Status.REJECTED
        if before.status is Status.CLOSED:
            assert action is Action.REOPEN and actor is Actor.REPORTER
        # Notes, ratings and photos are there when the step needs them.
        if action in (Action.REJECT, Action.NOT_FIXED, Action.RESOLVE):
            assert note.strip()
        if action is Action.RESOLVE and hazard:
            assert photo
        if action is Action.CONFIRM:
            assert rating is not None and 1 <= rating <= 5
        # The state stays coherent.
        assert ticket.status in set(Status)
        if ticket.status is Status.ACCEPTED:
            assert ticket.accepted
        if ticket.status in WAITING:
            assert not ticket.accepted
        if ticket.status in (Status.RESOLVED, Status.CLOSED):
            assert ticket.resolved_at is not None and ticket.resolved_at <= now
        if ticket.status is Status.CLOSED:
            assert ticket.close_reason in ("confirmed", "no_reply")
        if ticket.status in OPEN:
            assert ticket.close_reason is None
