"""What happened that somebody must hear of: core records it, the bot decides who is told and
how (bot/views/tell.py), for handlers and routines alike.

A core service announces news on its unit of work (`uow.announce`); the caller renders it into
the outbox before committing, so the change and what is said about it commit together, and a
rolled-back change says nothing. News carries ids and facts, not views: it is rendered from the
order as it stands when the unit of work is about to commit, so several steps in one unit (a
completion, then its fee) are told as they ended.

Every life-cycle act is news (`OrderActed`, announced by `orders.act`); the rest are decisions a
service or a routine took that no single act describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from core.lifecycle import Action

if TYPE_CHECKING:
    from core.routines import EndOfDayLine, TeamDigest


class News:
    """The base of every kind of news (a marker: the bot keeps one renderer per kind)."""


@dataclass(frozen=True)
class OrderActed(News):
    """An order moved through its life cycle (or an act was recorded on it)."""

    order_id: int
    action: Action
    actor_id: int | None  # None: the system
    note: str | None
    before: str  # the status before the act


class DeskReason(StrEnum):
    """Why an order is on the desk's table: the headline of its desk card."""

    NEW = "new"
    DECLINED = "declined"  # its worker declined it
    RETURNED = "returned"  # its worker cannot finish it (parts, help, another trade)
    WAITING = "waiting"  # past its time limit before anybody dispatched it
    OVERDUE = "overdue"  # dispatched, nobody accepted in time
    CARRIED_ON = "carried_on"  # a withdrawn report's job carries on as this order
    WORKER_REMOVED = "worker_removed"  # its worker no longer holds a worker's role
    REOPENED = "reopened"  # its resident was not satisfied at the callback


@dataclass(frozen=True)
class NeedsDispatch(News):
    order_id: int
    reason: DeskReason
    note: str | None = None


@dataclass(frozen=True)
class ReportMerged(News):
    """The desk joined a report to the incident whose job `primary_id` carries."""

    order_id: int
    primary_id: int


@dataclass(frozen=True)
class Withdrawn(News):
    """A resident cancelled an order that carried a job; `heir_id` carries it on, if any."""

    order_id: int
    heir_id: int | None
    assignee_id: int | None  # who held the job when it was withdrawn


@dataclass(frozen=True)
class Relayed(News):
    """A message between an order's worker and its resident, passed on through the bot."""

    order_id: int
    sender_id: int
    recipient_id: int
    text: str


@dataclass(frozen=True)
class TimeAgreed(News):
    order_id: int


@dataclass(frozen=True)
class FeeWaiting(News):
    """A fee at or above the estate's threshold waits for a supervisor to collect it."""

    order_id: int


@dataclass(frozen=True)
class Reminded(News):
    """The first step past a time limit: whoever owes the next step is reminded."""

    order_id: int


@dataclass(frozen=True)
class FollowUp(News):
    """Past its limit with the work begun: the desk follows it up."""

    order_id: int


@dataclass(frozen=True)
class Escalated(News):
    """Past its last limit (or a complaint left unconfirmed): the supervisors take it up."""

    order_id: int


@dataclass(frozen=True)
class Delayed(News):
    """The resident is told, with an apology, by when the next step is now expected."""

    order_id: int


@dataclass(frozen=True)
class EndOfDayAsked(News):
    """Seed 002 4.3.4: the worker of a job not signed off is asked why, and until when."""

    order_id: int


@dataclass(frozen=True)
class DigestReady(News):
    estate_id: int
    digest: TeamDigest


@dataclass(frozen=True)
class EndOfDayReport(News):
    estate_id: int
    day: date
    lines: tuple[EndOfDayLine, ...]


@dataclass(frozen=True)
class PeriodReportReady(News):
    """The scheduled report of a month or a quarter that just ended, for the estate's managers
    (each export already recorded)."""

    estate_id: int
    estate_code: str
    first: date  # the period's first and last local days, and its label (2026-11, 2026Q4)
    last: date
    label: str
    managers: tuple[int, ...]


@dataclass(frozen=True)
class BindingRequested(News):
    """A resident asks to be bound to a unit the office could not match: the desk decides."""

    binding_id: int
    name: str
    phone: str
    typed: bool  # typed by hand, not shared from Telegram


@dataclass(frozen=True)
class BindingDecided(News):
    binding_id: int
    approved: bool


@dataclass(frozen=True)
class CallbackAsked(News):
    """A callback's next question is due to its resident (`reminder`: asked once already)."""

    callback_id: int
    reminder: bool = False


@dataclass(frozen=True)
class CallbackAnswered(News):
    """The resident answered the whole callback: the supervisors read the answers (and close a
    complaint)."""

    callback_id: int


@dataclass(frozen=True)
class PhoneList(News):
    """The morning's phone callbacks for the customer-service desk (seed 002 篇3 4.2.4)."""

    estate_id: int
    callback_ids: tuple[int, ...]


@dataclass(frozen=True)
class SpecialEventMarked(News):
    """An order was marked as a special event: its estate's managers owe the callback."""

    order_id: int


@dataclass(frozen=True)
class SpecialEventReported(News):
    """The manager wrote the special event's report: the supervisors read it."""

    order_id: int


@dataclass(frozen=True)
class SpecialEventOverdue(News):
    """A special event's callback is past its time: the managers are reminded."""

    order_id: int


@dataclass(frozen=True)
class NoticeProgress(News):
    """How far a notice sent from chat has gone: its sender's message shows it, edited in place;
    `final` once nothing is left pending."""

    notice_id: int
    chat_id: int
    message_id: int
    identity_id: int | None
    recipients: int
    sent: int
    pending: int
    failed: int
    blocked: int
    final: bool


@dataclass(frozen=True)
class SurveyAlert(News):
    """A closed satisfaction survey's rate is under the estate's threshold (seed 004 4.4.1):
    the managers get the corrective-action alert with the weakest questions and buildings."""

    campaign_id: int
