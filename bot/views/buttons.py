"""The buttons on order messages, typed: every op an enum, so a forged or outdated op fails to
decode and is answered like any stale button (bot/runtime/pipeline.py). A button proves nothing:
the handler behind each one checks the presser's authority in core on every press.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.conversation.payloads import Payload
from core.services.callbacks import Question


class JobOp(StrEnum):
    """A worker's buttons on a job card (bot/handlers/staff.py)."""

    ACCEPT = "accept"
    DECLINE = "decline"
    GRAB = "grab"  # first to accept a job posted to the team takes it
    APPOINT = "appoint"  # confirm the resident's preferred time
    MOVE = "move"
    DEPART = "depart"
    ARRIVE = "arrive"
    NOBODY = "nobody"  # no one home
    CANNOT = "cannot"  # need parts / cannot finish
    COMPLETE = "complete"
    PHONE = "phone"  # reveal the resident's full number (recorded)
    MESSAGE = "msg"
    SHOW = "show"
    END_OF_DAY = "eod"  # answer the end-of-day question


@dataclass(frozen=True)
class JobAct(Payload, prefix="jb"):
    order_id: int
    op: JobOp


class DeskOp(StrEnum):
    PICK = "pick"  # list the workers who could do it
    AUTO = "auto"
    GRAB = "grab"
    REFUSE = "refuse"


@dataclass(frozen=True)
class DeskAct(Payload, prefix="dk"):
    order_id: int
    op: DeskOp


@dataclass(frozen=True)
class DeskPick(Payload, prefix="dp"):
    order_id: int
    worker_id: int


@dataclass(frozen=True)
class MergeInto(Payload, prefix="mi"):
    """Join this new public-area report to the incident of an open order."""

    order_id: int
    primary_id: int


@dataclass(frozen=True)
class CollectFee(Payload, prefix="cf"):
    order_id: int


class AnswerOp(StrEnum):
    """The resident's buttons on news about their order (bot/dialogs/job_answers.py)."""

    CONFIRM = "ok"
    DISPUTE = "no"
    AGREE = "agree"  # the appointment suits them
    MOVE = "move"  # pick another time
    MESSAGE = "msg"  # reply to a relayed message (either side of the order)


@dataclass(frozen=True)
class ResidentAnswer(Payload, prefix="ra"):
    order_id: int
    op: AnswerOp


class SlotChoice(StrEnum):
    """Part of a day, or NONE while the day is still being chosen."""

    NONE = "-"
    MORNING = "am"
    AFTERNOON = "pm"
    EVENING = "ev"


@dataclass(frozen=True)
class Rebook(Payload, prefix="rb"):
    """A new time for an order's visit, chosen by its resident or its worker: the presser's
    place on the order decides which (bot/handlers/rebook.py)."""

    order_id: int
    day: date
    slot: SlotChoice


@dataclass(frozen=True)
class CallbackReply(Payload, prefix="cb"):
    """One answer to a callback's question (bot/dialogs/callback.py): 1/0 for satisfied, 1–5
    for a score; for the comment 1 writes one, 0 skips it."""

    callback_id: int
    question: Question
    value: int


@dataclass(frozen=True)
class CloseComplaint(Payload, prefix="cc"):
    """The supervisor closes a complaint after its callback."""

    order_id: int


class CallOp(StrEnum):
    ANSWERS = "a"  # the resident answered on the phone: record the questionnaire
    NO_ANSWER = "n"


@dataclass(frozen=True)
class PhoneCall(Payload, prefix="pc"):
    """The desk's buttons on a callback of the morning's phone list."""

    callback_id: int
    op: CallOp


@dataclass(frozen=True)
class QueueOpen(Payload, prefix="qo"):
    """Open an order's card from a desk's queue or a supervisor's approvals."""

    order_id: int


class SpecialOp(StrEnum):
    MARK = "m"  # a supervisor or manager marks the order as a special event
    REPORT = "r"  # the manager writes the report after the callback


@dataclass(frozen=True)
class SpecialEventAct(Payload, prefix="se"):
    """The special-event buttons (bot/handlers/special_events.py)."""

    order_id: int
    op: SpecialOp


class Period(StrEnum):
    """The feedback library's periods, counted back from today."""

    WEEK = "w"
    MONTH = "m"
    QUARTER = "q"
    YEAR = "y"


class Narrow(StrEnum):
    """What the feedback shown is narrowed to (core.services.feedback.Dimension, or nothing)."""

    NONE = "-"
    CATEGORY = "c"
    TEAM = "t"
    WORKER = "w"


@dataclass(frozen=True)
class FeedbackPage(Payload, prefix="fb"):
    """One page of an estate's feedback (bot/handlers/feedback.py): a period, at most one of
    category / team / worker (`ref` its id), and the offset."""

    estate_id: int
    period: Period
    narrow: Narrow
    ref: int
    offset: int


@dataclass(frozen=True)
class FeedbackChoose(Payload, prefix="fc"):
    """List the categories, teams or workers the period's feedback is about, to pick one."""

    estate_id: int
    period: Period
    narrow: Narrow


@dataclass(frozen=True)
class FeedbackListen(Payload, prefix="fl"):
    """Send a spoken comment of the library again, by its file id."""

    feedback_id: int


@dataclass(frozen=True)
class SurveyReply(Payload, prefix="sv"):
    """One answer to a satisfaction survey's question for a household (bot/dialogs/survey.py):
    an option's index or a 1–5 score; for a text question 1 writes an answer, 0 skips it."""

    campaign_id: int
    unit_id: int
    question: int
    value: int


@dataclass(frozen=True)
class SurveyStatus(Payload, prefix="ss"):
    """Refresh a survey's status (managers, bot/handlers/surveys.py)."""

    campaign_id: int
