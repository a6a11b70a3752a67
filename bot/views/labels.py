"""Message ids for the domain's vocabularies, translated where they are shown."""

from __future__ import annotations

from core.enums import OrderKind, OrderStatus, Priority, Relation, Role
from core.i18n import N_
from core.lifecycle import Action

STATUS_LABELS = {
    OrderStatus.REGISTERED: N_("registered"),
    OrderStatus.DISPATCHED: N_("dispatched"),
    OrderStatus.ACCEPTED: N_("accepted"),
    OrderStatus.EN_ROUTE: N_("worker on the way"),
    OrderStatus.ON_SITE: N_("worker on site"),
    OrderStatus.COMPLETED: N_("completed, awaiting your confirmation"),
    OrderStatus.CONFIRMED: N_("confirmed"),
    OrderStatus.CALLED_BACK: N_("called back"),
    OrderStatus.CLOSED: N_("closed"),
    OrderStatus.REFUSED: N_("not accepted for service"),
    OrderStatus.CANCELLED: N_("cancelled"),
}

KIND_LABELS = {
    OrderKind.IN_HOME_REPAIR: N_("In-home repair"),
    OrderKind.PUBLIC_REPAIR: N_("Public-area repair"),
    OrderKind.HOUSEKEEPING: N_("Home service"),
    OrderKind.ALARM: N_("Home alarm"),
    OrderKind.COMPLAINT: N_("Complaint"),
    OrderKind.INQUIRY: N_("Question or suggestion"),
    OrderKind.PRAISE: N_("Praise"),
}

PRIORITY_LABELS = {
    Priority.NORMAL: N_("Normal"),
    Priority.URGENT: N_("Urgent"),
    Priority.EMERGENCY: N_("Emergency (danger, flooding, no power)"),
}

# The currency an amount is asked in (the estate's).
CURRENCY_LABELS = {
    "CNY": N_("yuan"),
    "HKD": N_("Hong Kong dollars"),
    "MOP": N_("patacas"),
    "TWD": N_("New Taiwan dollars"),
}

ROLE_LABELS = {
    Role.RESIDENT: N_("resident"),
    Role.TECHNICIAN: N_("technician"),
    Role.HOUSEKEEPER: N_("housekeeper"),
    Role.DISPATCHER: N_("dispatcher"),
    Role.SUPERVISOR: N_("supervisor"),
    Role.MANAGER: N_("manager"),
    Role.ADMIN: N_("administrator"),
}

RELATION_LABELS = {
    Relation.OWNER: N_("owner"),
    Relation.TENANT: N_("tenant"),
}

ACTION_LABELS = {
    Action.REGISTER: N_("Registered"),
    Action.REFUSE: N_("Not accepted for service"),
    Action.DISPATCH: N_("Dispatched to a worker"),
    Action.DECLINE: N_("Declined by the worker, being re-dispatched"),
    Action.ACCEPT: N_("Accepted by the worker"),
    Action.APPOINT: N_("Appointment set"),
    Action.RESCHEDULE: N_("Appointment moved"),
    Action.DEPART: N_("Worker on the way"),
    Action.ARRIVE: N_("Worker arrived"),
    Action.NO_ONE_HOME: N_("No one was home"),
    Action.CANNOT_FINISH: N_("Returned to the service desk"),
    Action.COMPLETE: N_("Work completed"),
    Action.CONFIRM: N_("Completion confirmed"),
    Action.DISPUTE: N_("Completion disputed"),
    Action.CALL_BACK: N_("Called back"),
    Action.REOPEN: N_("Reopened"),
    Action.CLOSE: N_("Closed"),
    Action.CANCEL: N_("Cancelled"),
    Action.ESCALATE: N_("Escalated to a supervisor"),
    Action.NOTE: N_("Note added"),
    Action.REMIND: N_("Reminder sent"),
    Action.COLLECT_FEE: N_("Fee collected"),
    Action.REVEAL_PHONE: N_("Phone number viewed by staff"),
    Action.MERGE: N_("Handled together with other reports of the same fault"),
    Action.TAKE_OVER: N_("Now carries the job for every report of the same fault"),
    Action.END_OF_DAY_QUESTION: N_("End-of-day check: the worker was asked"),
    Action.END_OF_DAY_ANSWER: N_("End-of-day check: the worker answered"),
    Action.RETURN_TO_DESK: N_("Returned to the service desk"),
    Action.NO_ANSWER: N_("Callback by phone: no answer"),
    Action.SPECIAL_EVENT: N_("Marked as a special event"),
    Action.SPECIAL_REPORT: N_("Called back by the manager"),
    Action.SPECIAL_REMIND: N_("Special-event callback overdue: the managers reminded"),
    Action.SPOT_CHECK: N_("Chosen for a check call by the service centre"),
}
# Staff's own business: not in the resident's timeline of their order.
STAFF_ONLY_ACTIONS = frozenset({Action.SPECIAL_EVENT, Action.SPECIAL_REMIND})
