"""Special events (seed 002 篇4 3(2)) as people read them: the managers are told an order was
marked and owe its callback (with the button to write the report), reminded when it is overdue;
the supervisors read the report. The lines on an order's card and in the queues."""

from __future__ import annotations

from datetime import datetime

from bot.conversation.replies import Button, Reply
from bot.views.audience import Audience
from bot.views.buttons import SpecialEventAct, SpecialOp
from bot.views.cards import order_lines
from core.enums import Role
from core.i18n import N_, Translator
from core.news import SpecialEventMarked, SpecialEventOverdue, SpecialEventReported
from core.services import orders, people, special_events
from core.services.special_events import SpecialEventView

MARKED = N_(
    "Order {number} was marked as a special event by {who}. Please call the resident back by "
    "{due} and then write a short report."
)
OVERDUE = N_(
    "The special-event callback on order {number} was due by {due}. Please call the resident "
    "back and write the report."
)
REPORTED = N_("Special-event report on order {number}, by {who}:\n{report}")
WRITE_REPORT = N_("Write the report")
MARK = N_("Mark as a special event")
CARD_WAITING = N_("Special event: the manager's callback is due by {due}.")
CARD_OVERDUE = N_("Special event: the manager's callback was due by {due} and is overdue.")
CARD_REPORTED = N_("Special event: report by {who}, {when}: {report}")
LINE_DUE = N_("callback due by {due}")
LINE_REPORTED = N_("report written")


def report_button(t: Translator, order_id: int) -> list[Button]:
    return [Button(t(WRITE_REPORT), SpecialEventAct(order_id, SpecialOp.REPORT))]


def mark_button(t: Translator, order_id: int) -> list[Button]:
    return [Button(t(MARK), SpecialEventAct(order_id, SpecialOp.MARK))]


def card_line(t: Translator, event: SpecialEventView, now: datetime, reporter: str | None) -> str:
    """The special event on an order's card."""
    if event.reported_at is not None:
        return t(
            CARD_REPORTED,
            who=t.name(reporter or "—"),
            when=t.short_datetime(event.reported_at),
            report=event.report or "",
        )
    message = CARD_OVERDUE if event.overdue(now) else CARD_WAITING
    return t(message, due=t.short_datetime(event.due_at))


def queue_note(t: Translator, event: SpecialEventView) -> str:
    """The special event in one part of a queue line."""
    if event.reported_at is not None:
        return t(LINE_REPORTED)
    return t(LINE_DUE, due=t.short_datetime(event.due_at))


async def _managers(audience: Audience, estate_id: int) -> list[int]:
    """The estate's managers; with none, its supervisors carry the callback."""
    managers = await people.holders(audience.uow, estate_id, {Role.MANAGER})
    return managers or await people.holders(audience.uow, estate_id, {Role.SUPERVISOR})


async def marked(audience: Audience, news: SpecialEventMarked) -> None:
    order = await orders.get(audience.uow, news.order_id)
    event = await special_events.of_order(audience.uow, news.order_id)
    assert event is not None
    who = await audience.name(event.marked_by)

    def build(t: Translator) -> Reply:
        head = t(MARKED, number=order.number, who=t.name(who), due=t.short_datetime(event.due_at))
        return Reply(
            "\n".join([head, "", *order_lines(t, order)]),
            buttons=[report_button(t, order.id)],
        )

    await audience.people(await _managers(audience, order.estate_id), build)


async def overdue(audience: Audience, news: SpecialEventOverdue) -> None:
    order = await orders.get(audience.uow, news.order_id)
    event = await special_events.of_order(audience.uow, news.order_id)
    assert event is not None

    def build(t: Translator) -> Reply:
        head = t(OVERDUE, number=order.number, due=t.short_datetime(event.due_at))
        return Reply(
            "\n".join([head, "", *order_lines(t, order)]),
            buttons=[report_button(t, order.id)],
        )

    await audience.people(await _managers(audience, order.estate_id), build)


async def reported(audience: Audience, news: SpecialEventReported) -> None:
    """The supervisors (and the other managers) read the report."""
    order = await orders.get(audience.uow, news.order_id)
    event = await special_events.of_order(audience.uow, news.order_id)
    assert event is not None and event.report is not None
    who = await audience.name(event.reported_by)
    readers = await people.holders(audience.uow, order.estate_id, {Role.SUPERVISOR, Role.MANAGER})

    def build(t: Translator) -> Reply:
        head = t(REPORTED, number=order.number, who=t.name(who), report=event.report)
        return Reply("\n".join([head, "", *order_lines(t, order)]))

    await audience.people([p for p in readers if p != event.reported_by], build)
