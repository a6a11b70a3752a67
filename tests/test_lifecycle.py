"""The order state machine: who may do what in which status."""

from __future__ import annotations

import pytest

from core.enums import OrderKind, Role
from core.enums import OrderStatus as S
from core.errors import ForbiddenTransition, PermissionDenied
from core.lifecycle import RULES, Action, Actor, allowed_actions, next_status

REPORTER, WORKER, DISPATCHER = 1, 2, 3
resident = Actor(REPORTER, frozenset({Role.RESIDENT}))
worker = Actor(WORKER, frozenset({Role.TECHNICIAN}))
other_worker = Actor(99, frozenset({Role.TECHNICIAN}))
desk = Actor(DISPATCHER, frozenset({Role.DISPATCHER}))
system = Actor.system()


def step(status: S, action: Action, actor: Actor) -> S:
    return next_status(status, action, actor, REPORTER, WORKER)


def test_the_happy_path_from_registration_to_closing() -> None:
    status = S.REGISTERED
    for action, actor in [
        (Action.DISPATCH, desk),
        (Action.ACCEPT, worker),
        (Action.DEPART, worker),
        (Action.ARRIVE, worker),
        (Action.COMPLETE, worker),
        (Action.CONFIRM, resident),
        (Action.CALL_BACK, desk),
        (Action.CLOSE, desk),
    ]:
        status = step(status, action, actor)
    assert status is S.CLOSED


@pytest.mark.parametrize(
    ("status", "action", "actor", "expected"),
    [
        (S.DISPATCHED, Action.DECLINE, worker, S.REGISTERED),
        (S.ON_SITE, Action.NO_ONE_HOME, worker, S.ACCEPTED),
        (S.COMPLETED, Action.DISPUTE, resident, S.ACCEPTED),
        (S.COMPLETED, Action.CONFIRM, system, S.CONFIRMED),  # no answer in 48 hours
        (S.CALLED_BACK, Action.REOPEN, system, S.REGISTERED),  # an unsatisfied callback
        (S.REGISTERED, Action.REFUSE, desk, S.REFUSED),
        (S.ACCEPTED, Action.CANCEL, resident, S.CANCELLED),
        (S.ON_SITE, Action.ESCALATE, system, S.ON_SITE),
    ],
)
def test_side_paths(status: S, action: Action, actor: Actor, expected: S) -> None:
    assert step(status, action, actor) is expected


@pytest.mark.parametrize(
    ("status", "action", "actor"),
    [
        (S.DISPATCHED, Action.ACCEPT, other_worker),  # not their job
        (S.DISPATCHED, Action.ACCEPT, resident),
        (S.COMPLETED, Action.CONFIRM, worker),  # only the resident confirms
        (S.REGISTERED, Action.DISPATCH, resident),
        (S.ON_SITE, Action.COMPLETE, desk),
    ],
)
def test_the_wrong_person_is_refused(status: S, action: Action, actor: Actor) -> None:
    with pytest.raises(PermissionDenied):
        step(status, action, actor)


@pytest.mark.parametrize(
    ("status", "action", "actor"),
    [
        (S.EN_ROUTE, Action.CANCEL, resident),  # the worker is already on the way
        (S.REGISTERED, Action.COMPLETE, worker),
        (S.CLOSED, Action.REOPEN, desk),
        (S.CANCELLED, Action.DISPATCH, desk),
    ],
)
def test_the_wrong_moment_is_refused_with_the_status(
    status: S, action: Action, actor: Actor
) -> None:
    with pytest.raises(ForbiddenTransition) as refused:
        step(status, action, actor)
    assert refused.value.params == {"status": status}
    assert "{status}" in refused.value.message_id


def test_every_action_has_a_rule_and_final_statuses_allow_nothing() -> None:
    """Nothing moves a final order; a closed one may still become a special event (seed 002
    篇4 3(2): the manager calls back after the event was handled) and get its report."""
    assert set(RULES) == set(Action) - {Action.REGISTER}
    for final in (S.REFUSED, S.CANCELLED):
        assert allowed_actions(final, desk, REPORTER, WORKER) == []
    closed = allowed_actions(S.CLOSED, desk, REPORTER, WORKER)
    assert closed == [Action.SPECIAL_EVENT, Action.SPECIAL_REPORT]
    assert all(RULES[action].target is None for action in closed)


def test_the_job_in_hand_needs_a_role_doing_its_kind_of_work() -> None:
    """Named on the order is not enough: without a role doing that work now, the order's
    assignee is nobody's (a worker whose role was taken away)."""
    housekeeper = Actor(WORKER, frozenset({Role.HOUSEKEEPER}))
    removed = Actor(WORKER, frozenset({Role.RESIDENT}))
    repair, housework = OrderKind.IN_HOME_REPAIR, OrderKind.HOUSEKEEPING
    for actor, kind in [(housekeeper, repair), (removed, repair), (removed, None)]:
        with pytest.raises(PermissionDenied):
            next_status(S.ON_SITE, Action.COMPLETE, actor, REPORTER, WORKER, kind)
        assert allowed_actions(S.ON_SITE, actor, REPORTER, WORKER, kind) == []
    assert next_status(S.ON_SITE, Action.COMPLETE, housekeeper, REPORTER, WORKER, housework) is (
        S.COMPLETED
    )
    assert next_status(S.ACCEPTED, Action.DEPART, worker, REPORTER, WORKER, repair) is S.EN_ROUTE


def test_the_desk_or_the_system_returns_a_job_to_the_desk() -> None:
    for status in (S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE, S.ON_SITE):
        assert step(status, Action.RETURN_TO_DESK, system) is S.REGISTERED
        assert step(status, Action.RETURN_TO_DESK, desk) is S.REGISTERED
        with pytest.raises(PermissionDenied):
            step(status, Action.RETURN_TO_DESK, worker)
    with pytest.raises(ForbiddenTransition):
        step(S.COMPLETED, Action.RETURN_TO_DESK, system)
