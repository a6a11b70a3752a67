"""Each role's desk as people read it: the dispatcher's queue, the supervisor's approvals, the
card an order opens to from either, and the worker's fees of the day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.conversation.replies import Button, Reply
from bot.views.buttons import CollectFee, QueueOpen
from bot.views.cards import desk_card, order_lines
from bot.views.labels import KIND_LABELS, STATUS_LABELS
from bot.views.special_event_news import card_line, mark_button, queue_note, report_button
from core.enums import OrderStatus
from core.i18n import N_, Translator, pick_name
from core.services.desk_queue import DeskView, FeesOfDay, QueueLine, Reason
from core.services.orders import OrderView
from core.services.special_events import SpecialEventView

SECTION_TITLES = {
    Reason.WAITING: N_("Waiting for dispatch ({count}):"),
    Reason.OVERDUE: N_("Overdue ({count}):"),
    Reason.FEE: N_("Fees waiting for a supervisor ({count}):"),
    Reason.TODAY: N_("Today's appointments ({count}):"),
    Reason.DISPUTED: N_("Disputed completions ({count}):"),
    Reason.ESCALATED: N_("Escalated ({count}):"),
    Reason.COMPLAINT: N_("Open complaints ({count}):"),
    Reason.SPECIAL_EVENT: N_("Special events ({count}):"),
    Reason.SPECIAL_OVERDUE: N_("Special-event callbacks overdue ({count}):"),
}
QUEUE_EMPTY = N_("Nothing is waiting at the desk.")
APPROVALS_EMPTY = N_("Nothing is waiting for your approval.")
QUEUE_HEAD = N_("The desk's queue:")
APPROVALS_HEAD = N_("Waiting for your approval:")
TAP_TO_OPEN = N_("Tap an order's number to open its card.")
BUTTONS_PER_ROW = 3


def duration(t: Translator, span: timedelta) -> str:
    minutes = max(int(span.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return t("{days} d {hours} h", days=days, hours=hours)
    if hours:
        return t("{hours} h {minutes} min", hours=hours, minutes=minutes)
    return t("{minutes} min", minutes=minutes)


def _what(t: Translator, order: OrderView) -> str:
    if order.category_hans:
        return pick_name(t.locale, order.category_hans, order.category_hant or order.category_hans)
    return t(KIND_LABELS[order.kind])


def queue_line(t: Translator, reason: Reason, line: QueueLine) -> str:
    order = line.order
    parts = [order.number, _what(t, order)]
    where = order.unit_label or order.place
    if where:
        parts.append(t.name(where))
    if reason is Reason.OVERDUE and line.overdue_by is not None:
        parts.append(t("overdue by {span}", span=duration(t, line.overdue_by)))
        parts.append(t(STATUS_LABELS[order.status]))
    elif reason is Reason.FEE and order.fee is not None:
        parts.append(t.money(order.fee))
    elif reason is Reason.SPECIAL_OVERDUE and line.overdue_by is not None:
        parts.append(t("overdue by {span}", span=duration(t, line.overdue_by)))
    elif reason is Reason.SPECIAL_EVENT and line.special is not None:
        parts.append(queue_note(t, line.special))
    elif reason is Reason.TODAY and order.window_start is not None:
        parts.append(t.time(order.window_start))
        parts.append(t(STATUS_LABELS[order.status]))
    elif reason is not Reason.WAITING:
        parts.append(t(STATUS_LABELS[order.status]))
    return " · ".join(parts)


def desk_view_reply(t: Translator, view: DeskView, head: str, empty: str) -> Reply:
    """Each section with its count and its lines; a button per order opens its card."""
    if view.orders == 0:
        return Reply(t(empty))
    lines = [t(head)]
    opened: list[OrderView] = []
    for section in view.sections:
        if not section.total:
            continue
        lines.append("")
        lines.append(t(SECTION_TITLES[section.reason], count=section.total))
        for line in section.lines:
            lines.append(queue_line(t, section.reason, line))
            if all(o.id != line.order.id for o in opened):
                opened.append(line.order)
        if section.total > len(section.lines):
            lines.append(t("… and {count} more", count=section.total - len(section.lines)))
    lines += ["", t(TAP_TO_OPEN)]
    buttons = [Button(order.number, QueueOpen(order.id)) for order in opened]
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    return Reply("\n".join(lines), buttons=rows)


def queue_reply(t: Translator, view: DeskView) -> Reply:
    return desk_view_reply(t, view, QUEUE_HEAD, QUEUE_EMPTY)


def approvals_reply(t: Translator, view: DeskView) -> Reply:
    return desk_view_reply(t, view, APPROVALS_HEAD, APPROVALS_EMPTY)


@dataclass(frozen=True)
class SpecialOnCard:
    """The order's special event as its card shows it, and what the reader may do about it."""

    event: SpecialEventView | None
    now: datetime
    reporter: str | None = None
    may_mark: bool = False
    may_report: bool = False


def opened_card(
    t: Translator,
    order: OrderView,
    fee_waiting: bool,
    may_collect: bool,
    assignee: str | None,
    special: SpecialOnCard | None = None,
) -> Reply:
    """An order opened from a queue, with the actions its state and the reader allow: the
    desk's dispatch buttons while it waits, the supervisor's fee button while a fee waits, the
    special event (marking it, writing its report)."""
    reply = _opened_card(t, order, fee_waiting, may_collect, assignee)
    if special is None:
        return reply
    lines = [reply.text]
    buttons = list(reply.buttons)
    if special.event is not None:
        lines.append(card_line(t, special.event, special.now, special.reporter))
        if special.may_report and special.event.reported_at is None:
            buttons.append(report_button(t, order.id))
    elif special.may_mark:
        buttons.append(mark_button(t, order.id))
    return Reply("\n".join(lines), buttons=buttons)


def _opened_card(
    t: Translator, order: OrderView, fee_waiting: bool, may_collect: bool, assignee: str | None
) -> Reply:
    if order.status is OrderStatus.REGISTERED:
        return desk_card(t, order, N_("Waiting for dispatch:"))
    lines = [*order_lines(t, order)]
    lines.append(t("Status: {status}", status=t(STATUS_LABELS[order.status])))
    if assignee:
        lines.append(t("Worker: {worker}", worker=assignee))
    if order.due_at is not None and order.is_open:
        lines.append(t("Time limit: {when}", when=t.short_datetime(order.due_at)))
    buttons: list[list[Button]] = []
    if fee_waiting and order.fee is not None:
        lines.append(t("Fee waiting for a supervisor: {fee}", fee=t.money(order.fee)))
        if may_collect:
            buttons.append([Button(t("Record the fee as collected"), CollectFee(order.id))])
    return Reply("\n".join(lines), buttons=buttons)


def fees_line(t: Translator, fees: FeesOfDay) -> str:
    return t(
        "Fees you collected today: {total} ({count} orders)",
        total=t.money(fees.total),
        count=fees.orders,
    )
