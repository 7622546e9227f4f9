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
    Satisfaction,
    Status,
    Ticket,
    allowed_actions,
    decide,
)

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
STAFF_ACTIONS = {Action.ACCEPT, Action.REJECT, Action.TRANSFER, Action.NOTE, Action.RESOLVE}
RESIDENT_ACTIONS = {Action.CONFIRM, Action.NOT_FIXED, Action.REOPEN, Action.RATE}
# Who may do what, as the issue states it (the module's table is checked against this).
MAY = {
    **{a: {Actor.ASSIGNEE, Actor.ADMIN} for a in STAFF_ACTIONS},
    # The dispatch centre re-routes (转办) and rules on 退回 (an assignee's is a request).
    Action.REJECT: {Actor.ASSIGNEE, Actor.ADMIN, Actor.DISPATCHER},
    Action.TRANSFER: {Actor.ASSIGNEE, Actor.ADMIN, Actor.DISPATCHER},
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
    decision = decide(t, Action.CONFIRM, Actor.REPORTER, later, satisfaction=Satisfaction.BASIC)
    assert decision.ticket.status is Status.CLOSED and decision.close_reason == "confirmed"


def test_an_answer_of_satisfaction_closes_and_stars_are_an_optional_detail_given_once() -> None:
    t = Ticket(Status.RESOLVED, accepted=True, resolved_at=NOW)
    with pytest.raises(NotAllowed, match="satisfaction_required"):
        decide(t, Action.CONFIRM, Actor.REPORTER, NOW, rating=5)  # stars alone are no answer
    with pytest.raises(NotAllowed, match="rating_required"):
        decide(
            t, Action.CONFIRM, Actor.REPORTER, NOW, satisfaction=Satisfaction.SATISFIED, rating=6
        )
    with pytest.raises(NotAllowed, match="wrong_state"):
        decide(t, Action.RATE, Actor.REPORTER, NOW, rating=4)  # not before the answer
    closed = decide(t, Action.CONFIRM, Actor.REPORTER, NOW, satisfaction=Satisfaction.SATISFIED)
    assert closed.ticket.status is Status.CLOSED and not closed.ticket.rated
    with pytest.raises(NotAllowed, match="not_allowed"):
        decide(closed.ticket, Action.RATE, Actor.SUPPORTER, NOW, rating=4)
    with pytest.raises(NotAllowed, match="rating_required"):
        decide(closed.ticket, Action.RATE, Actor.REPORTER, NOW, rating=0)
    rated = decide(closed.ticket, Action.RATE, Actor.REPORTER, NOW, rating=4).ticket
    assert rated.status is Status.CLOSED and rated.rated
    with pytest.raises(NotAllowed, match="already_done"):
        decide(rated, Action.RATE, Actor.REPORTER, NOW, rating=5)


def test_dissatisfied_sends_it_back_to_be_accepted_again_and_needs_a_reason() -> None:
    t = Ticket(Status.RESOLVED, accepted=True, resolved_at=NOW)
    with pytest.raises(NotAllowed, match="note_required"):
        decide(t, Action.NOT_FIXED, Actor.REPORTER, NOW, note=" ")
    with pytest.raises(NotAllowed, match="not_allowed"):
        decide(t, Action.NOT_FIXED, Actor.SUPPORTER, NOW, note="没修")
    redo = decide(t, Action.NOT_FIXED, Actor.REPORTER, NOW, note="没修").ticket
    assert redo.status is Status.REOPENED and not redo.accepted and redo.close_reason is None
    # A case closed without an answer cannot be rated: there was no 满意 to detail.
    no_reply = decide(t, Action.AUTO_CLOSE, Actor.SYSTEM, NOW + timedelta(days=3)).ticket
    with pytest.raises(NotAllowed, match="wrong_state"):
        decide(no_reply, Action.RATE, Actor.REPORTER, NOW, rating=5)


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
    with pytest.raises(NotAllowed):
        decide(t, Action.TRANSFER, Actor.ADMIN, NOW)  # a 转办 says why
    t = decide(t, Action.TRANSFER, Actor.ADMIN, NOW, note="属于城建职责").ticket
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
        st.one_of(st.none(), st.sampled_from(list(Satisfaction))),
    ),
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(hazard=st.booleans(), sequence=steps)
def test_no_sequence_reaches_an_invalid_state_or_lets_a_role_overstep(
    hazard: bool,
    sequence: list[tuple[Action, Actor, int, str, int | None, bool, Satisfaction | None]],
) -> None:
    ticket, now = Ticket(Status.SUBMITTED, is_hazard=hazard), NOW
    for action, actor, hours, note, rating, photo, satisfaction in sequence:
        now += timedelta(hours=hours)
        before = ticket
        try:
            ticket = decide(
                ticket,
                action,
                actor,
                now,
                note=note,
                rating=rating,
                photo=photo,
                satisfaction=satisfaction,
            ).ticket
        except NotAllowed:
            continue
        # Only the roles the issue names may act.
        assert actor in MAY[action]
        # Nothing leaves a rejection; a closed complaint only reopens, or gets its stars once
        # after an answer of satisfaction, by its reporter.
        assert before.status is not Status.REJECTED
        if before.status is Status.CLOSED:
            assert action in (Action.REOPEN, Action.RATE) and actor is Actor.REPORTER
        if action is Action.RATE:
            assert before.close_reason == "confirmed" and not before.rated and ticket.rated
        # Notes, ratings and photos are there when the step needs them.
        if action in (Action.REJECT, Action.TRANSFER, Action.NOT_FIXED, Action.RESOLVE):
            assert note.strip()
        if action is Action.RESOLVE and hazard:
            assert photo
        if action is Action.CONFIRM:
            assert satisfaction is not None and (rating is None or 1 <= rating <= 5)
        if action is Action.RATE:
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
