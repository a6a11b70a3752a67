"""The order life cycle of DESIGN.md as one state machine, with guards on who may do what.

registered → dispatched → accepted → (en route) → on site → completed → confirmed → called back →
closed, with the side paths of the seeds. A forbidden move raises ForbiddenTransition or
PermissionDenied, both carrying a translatable message.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.enums import OPEN_STATUSES, OrderKind, Role
from core.enums import OrderStatus as S
from core.errors import ForbiddenTransition, PermissionDenied


class Party(StrEnum):
    """Who stands in which relation to one order; roles alone do not say it."""

    REPORTER = "reporter"
    ASSIGNEE = "assignee"
    DESK = "desk"  # dispatchers, supervisors, managers of the estate
    SUPERVISOR = "supervisor"
    SYSTEM = "system"  # time limits and routines


class Action(StrEnum):
    REGISTER = "register"
    REFUSE = "refuse"
    DISPATCH = "dispatch"
    DECLINE = "decline"
    ACCEPT = "accept"
    APPOINT = "appoint"
    RESCHEDULE = "reschedule"
    DEPART = "depart"
    ARRIVE = "arrive"
    NO_ONE_HOME = "no_one_home"
    CANNOT_FINISH = "cannot_finish"
    COMPLETE = "complete"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    CALL_BACK = "call_back"
    REOPEN = "reopen"
    CLOSE = "close"
    CANCEL = "cancel"
    ESCALATE = "escalate"
    NOTE = "note"
    REMIND = "remind"  # a time limit passed: the person who owes the next step is reminded
    COLLECT_FEE = "collect_fee"  # who took the fee (worker below the threshold, else supervisor)
    REVEAL_PHONE = "reveal_phone"  # a worker or the desk saw the resident's full phone number
    MERGE = "merge"  # the desk joined reports of one public-area fault into one incident
    # The incident's primary was withdrawn by its reporter: this report now carries the job.
    TAKE_OVER = "take_over"
    # Seed 002 4.3.4: a job not signed off at the end of the day, and its worker's answer.
    END_OF_DAY_QUESTION = "eod_question"
    END_OF_DAY_ANSWER = "eod_answer"
    # Its worker no longer holds the role that let them do it: the job goes back to the desk.
    RETURN_TO_DESK = "return_to_desk"
    # The desk called the resident for the callback and nobody answered (tried again next day).
    NO_ANSWER = "no_answer"
    # Seed 002 篇4 3(2): a supervisor or manager marks an order as a special event; its manager
    # calls back within a time and attaches a written report; the sweep reminds when overdue.
    SPECIAL_EVENT = "special_event"
    SPECIAL_REPORT = "special_report"
    SPECIAL_REMIND = "special_remind"
    # Seed 002 篇3 4.1.2.3: a completed home service sampled for the desk's check call.
    SPOT_CHECK = "spot_check"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[S]
    target: S | None  # None: the status does not change
    parties: frozenset[Party]


def _rule(sources: set[S] | frozenset[S], target: S | None, *parties: Party) -> Rule:
    return Rule(frozenset(sources), target, frozenset(parties))


WORKING = {S.ACCEPTED, S.EN_ROUTE, S.ON_SITE}
P = Party

RULES: dict[Action, Rule] = {
    Action.REFUSE: _rule({S.REGISTERED}, S.REFUSED, P.DESK),
    Action.DISPATCH: _rule({S.REGISTERED, S.DISPATCHED}, S.DISPATCHED, P.DESK, P.SYSTEM),
    Action.DECLINE: _rule({S.DISPATCHED}, S.REGISTERED, P.ASSIGNEE),
    Action.ACCEPT: _rule({S.DISPATCHED}, S.ACCEPTED, P.ASSIGNEE),
    Action.APPOINT: _rule({S.ACCEPTED}, None, P.ASSIGNEE, P.REPORTER, P.DESK),
    Action.RESCHEDULE: _rule(WORKING, S.ACCEPTED, P.ASSIGNEE, P.REPORTER, P.DESK),
    Action.DEPART: _rule({S.ACCEPTED}, S.EN_ROUTE, P.ASSIGNEE),
    Action.ARRIVE: _rule({S.ACCEPTED, S.EN_ROUTE}, S.ON_SITE, P.ASSIGNEE),
    Action.NO_ONE_HOME: _rule({S.EN_ROUTE, S.ON_SITE}, S.ACCEPTED, P.ASSIGNEE),
    Action.CANNOT_FINISH: _rule(WORKING, S.REGISTERED, P.ASSIGNEE),
    Action.COMPLETE: _rule({S.ON_SITE}, S.COMPLETED, P.ASSIGNEE),
    Action.CONFIRM: _rule({S.COMPLETED}, S.CONFIRMED, P.REPORTER, P.SYSTEM),
    Action.DISPUTE: _rule({S.COMPLETED}, S.ACCEPTED, P.REPORTER),
    Action.CALL_BACK: _rule({S.CONFIRMED}, S.CALLED_BACK, P.REPORTER, P.DESK, P.SYSTEM),
    Action.REOPEN: _rule({S.CONFIRMED, S.CALLED_BACK}, S.REGISTERED, P.DESK, P.SYSTEM),
    # Closed after its callback, or right after confirmation when its kind is never called back.
    Action.CLOSE: _rule({S.CONFIRMED, S.CALLED_BACK}, S.CLOSED, P.DESK, P.SYSTEM),
    Action.CANCEL: _rule({S.REGISTERED, S.DISPATCHED, S.ACCEPTED}, S.CANCELLED, P.REPORTER, P.DESK),
    Action.ESCALATE: _rule(OPEN_STATUSES, None, P.SYSTEM, P.DESK),
    Action.NOTE: _rule(OPEN_STATUSES, None, P.REPORTER, P.ASSIGNEE, P.DESK),
    Action.REMIND: _rule(OPEN_STATUSES, None, P.SYSTEM, P.DESK),
    # A fee once charged is collected whatever happens to the order later (a dispute included).
    Action.COLLECT_FEE: _rule(set(S) - {S.REFUSED, S.CANCELLED}, None, P.ASSIGNEE, P.SUPERVISOR),
    Action.REVEAL_PHONE: _rule(OPEN_STATUSES, None, P.ASSIGNEE, P.DESK),
    # Checked on both orders of a merge (core/services/incidents.py); the status is unchanged here.
    Action.MERGE: _rule(OPEN_STATUSES, None, P.DESK),
    Action.TAKE_OVER: _rule(OPEN_STATUSES, None, P.SYSTEM),
    Action.END_OF_DAY_QUESTION: _rule(OPEN_STATUSES, None, P.SYSTEM),
    Action.END_OF_DAY_ANSWER: _rule(OPEN_STATUSES, None, P.ASSIGNEE),
    Action.RETURN_TO_DESK: _rule({S.DISPATCHED, *WORKING}, S.REGISTERED, P.DESK, P.SYSTEM),
    Action.NO_ANSWER: _rule({S.CONFIRMED}, None, P.DESK),
    # Who among the desk may mark or report is checked in core.services.special_events.
    Action.SPECIAL_EVENT: _rule(set(S) - {S.REFUSED, S.CANCELLED}, None, P.DESK),
    Action.SPECIAL_REPORT: _rule(set(S) - {S.REFUSED, S.CANCELLED}, None, P.DESK),
    Action.SPECIAL_REMIND: _rule(set(S), None, P.SYSTEM),
    Action.SPOT_CHECK: _rule({S.CONFIRMED}, None, P.SYSTEM),
}

DESK_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})
# Who does the work of each kind (DESIGN.md): complaints are owned by a supervisor. Only someone
# holding one of these roles, now, in the order's estate is offered the job or acts as its assignee.
DOER_ROLES: dict[OrderKind, frozenset[Role]] = {
    OrderKind.IN_HOME_REPAIR: frozenset({Role.TECHNICIAN}),
    OrderKind.PUBLIC_REPAIR: frozenset({Role.TECHNICIAN}),
    OrderKind.ALARM: frozenset({Role.TECHNICIAN}),
    OrderKind.HOUSEKEEPING: frozenset({Role.HOUSEKEEPER}),
    OrderKind.COMPLAINT: frozenset({Role.SUPERVISOR}),
    OrderKind.INQUIRY: frozenset({Role.DISPATCHER}),
    OrderKind.PRAISE: frozenset({Role.DISPATCHER}),
}
ANY_DOER = frozenset().union(*DOER_ROLES.values())


def doer_roles(kind: OrderKind | str | None) -> frozenset[Role]:
    """The roles that may do an order of this kind (any doer's role when the kind is unknown)."""
    if kind is None:
        return ANY_DOER
    return DOER_ROLES.get(OrderKind(kind), frozenset({Role.TECHNICIAN}))


@dataclass(frozen=True)
class Actor:
    """A person with their roles in the order's estate, or the system, acting on an order.

    Being the order's assignee takes both: the order names them, and they hold, now, a role that
    does this kind of work (a worker whose role was taken away is nobody's assignee)."""

    person_id: int | None
    roles: frozenset[Role] = frozenset()

    @classmethod
    def system(cls) -> Actor:
        return cls(person_id=None)

    def parties(
        self,
        reporter_id: int | None,
        assignee_id: int | None,
        kind: OrderKind | str | None = None,
    ) -> set[Party]:
        if self.person_id is None:
            return {Party.SYSTEM}
        parties: set[Party] = set()
        if self.person_id == reporter_id:
            parties.add(Party.REPORTER)
        if self.person_id == assignee_id and self.roles & doer_roles(kind):
            parties.add(Party.ASSIGNEE)
        if self.roles & DESK_ROLES:
            parties.add(Party.DESK)
        if Role.SUPERVISOR in self.roles:
            parties.add(Party.SUPERVISOR)
        return parties


def next_status(
    status: S,
    action: Action,
    actor: Actor,
    reporter_id: int | None,
    assignee_id: int | None,
    kind: OrderKind | str | None = None,
) -> S:
    """The status after `action`, or a domain error saying why it may not happen."""
    rule = RULES[action]
    if not actor.parties(reporter_id, assignee_id, kind) & rule.parties:
        raise PermissionDenied()
    if status not in rule.sources:
        raise ForbiddenTransition(status=status)
    return rule.target or status


def allowed_actions(
    status: S,
    actor: Actor,
    reporter_id: int | None,
    assignee_id: int | None,
    kind: OrderKind | str | None = None,
) -> list[Action]:
    parties = actor.parties(reporter_id, assignee_id, kind)
    return [
        action
        for action, rule in RULES.items()
        if status in rule.sources and parties & rule.parties
    ]
