"""One renderer per thing: an order as each reader sees it, the worker's buttons by the job's
status, the job card, the desk card, the grab post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.conversation.replies import Button, Reply
from bot.views.buttons import DeskAct, DeskOp, JobAct, JobOp, MergeInto
from bot.views.labels import KIND_LABELS, PRIORITY_LABELS, STATUS_LABELS
from core.enums import OrderKind, OrderStatus, Priority
from core.i18n import N_, Translator, pick_name
from core.services import incidents
from core.services.orders import OrderView

FEE_NONE = N_("none")


def when(t: Translator, order: OrderView) -> tuple[str, str]:
    assert order.window_start is not None and order.window_end is not None
    return t.short_datetime(order.window_start), t.time(order.window_end)


def fee_text(t: Translator, order: OrderView) -> str:
    return t.money(order.fee, order.currency) if order.fee else t(FEE_NONE)


@dataclass(frozen=True)
class OrderFacts:
    """What is shown of an order, registered or still a draft, whoever reads it."""

    kind: OrderKind
    description: str
    number: str | None = None
    status: OrderStatus | None = None
    category: tuple[str, str] | None = None  # (Simplified, Traditional)
    home: str | None = None
    place: str | None = None
    window: tuple[datetime, datetime] | None = None
    priority: Priority | None = None
    phone: str | None = None
    attachments: int = 0
    phone_callback: bool = False  # staff read that the resident asked for a phone call


def fact_lines(t: Translator, facts: OrderFacts) -> list[str]:
    """The one rendering of an order: number, type, status, category, home or place, the
    description, the preferred time, urgency, phone and attachments, each where known."""
    lines = []
    if facts.number:
        lines.append(t("Order {number}", number=facts.number))
    lines.append(t("Type: {kind}", kind=t(KIND_LABELS[facts.kind])))
    if facts.status is not None:
        lines.append(t("Status: {status}", status=t(STATUS_LABELS[facts.status])))
    if facts.category:
        lines.append(t("Category: {category}", category=pick_name(t.locale, *facts.category)))
    if facts.home:
        lines.append(t("Home: {home}", home=t.name(facts.home)))
    if facts.place:
        lines.append(t("Place: {place}", place=facts.place))
    lines.append(t("Description: {text}", text=facts.description))
    if facts.window:
        start, end = facts.window
        lines.append(
            t("Preferred time: {start} to {end}", start=t.short_datetime(start), end=t.time(end))
        )
    if facts.priority is not None:
        lines.append(t("Urgency: {priority}", priority=t(PRIORITY_LABELS[facts.priority])))
    if facts.phone:
        lines.append(t("Resident's phone: {phone}", phone=facts.phone))
    if facts.attachments:
        lines.append(t("Attachments: {count}", count=facts.attachments))
    if facts.phone_callback:
        lines.append(t("The resident asked to be called back by phone."))
    return lines


def facts_of(
    order: OrderView,
    phone: str | None = None,
    *,
    for_resident: bool = False,
) -> OrderFacts:
    """Staff read the urgency, the phone they may see and the resident's own photos; the
    resident reads the status and everything attached to their order."""
    window = None
    if order.window_start and order.window_end:
        window = (order.window_start, order.window_end)
    category = None
    if order.category_hans:
        category = (order.category_hans, order.category_hant or order.category_hans)
    return OrderFacts(
        kind=order.kind,
        description=order.description,
        number=order.number,
        status=order.status if for_resident else None,
        category=category,
        home=order.unit_label,
        place=order.place,
        window=window,
        priority=None if for_resident else order.priority,
        phone=phone,
        attachments=len(order.attachments) if for_resident else len(report_photos(order)),
        phone_callback=order.wants_phone_callback and not for_resident,
    )


def order_lines(t: Translator, order: OrderView, phone: str | None = None) -> list[str]:
    """An order as staff read it on their cards."""
    return fact_lines(t, facts_of(order, phone))


def report_photos(order: OrderView) -> list[str]:
    return [a.file_ref for a in order.attachments if a.kind == "photo" and a.stage == "report"]


def offer_buttons(t: Translator, order: OrderView) -> list[list[Button]]:
    return [
        [
            Button(t("Accept"), JobAct(order.id, JobOp.ACCEPT)),
            Button(t("Decline"), JobAct(order.id, JobOp.DECLINE)),
        ]
    ]


def work_buttons(t: Translator, order: OrderView) -> list[list[Button]]:
    """What the worker can do next, by the job's status."""
    status = order.status

    def button(label: str, op: JobOp) -> Button:
        return Button(t(label), JobAct(order.id, op))

    rows: list[list[Button]] = []
    if status is OrderStatus.ACCEPTED:
        first = [button(N_("Confirm the time"), JobOp.APPOINT)] if order.window_start else []
        first.append(button(N_("Reschedule"), JobOp.MOVE))
        rows.append(first)
        rows.append([button(N_("On my way"), JobOp.DEPART), button(N_("Arrived"), JobOp.ARRIVE)])
    elif status is OrderStatus.EN_ROUTE:
        rows.append([button(N_("Arrived"), JobOp.ARRIVE), button(N_("No one home"), JobOp.NOBODY)])
    elif status is OrderStatus.ON_SITE:
        rows.append(
            [button(N_("Completed"), JobOp.COMPLETE), button(N_("No one home"), JobOp.NOBODY)]
        )
    if status in (OrderStatus.ACCEPTED, OrderStatus.EN_ROUTE, OrderStatus.ON_SITE):
        rows.append(
            [
                button(N_("Need parts / cannot finish"), JobOp.CANNOT),
                button(N_("Show phone"), JobOp.PHONE),
            ]
        )
        rows.append([button(N_("Message the resident"), JobOp.MESSAGE)])
    return rows


def buttons_for_worker(t: Translator, order: OrderView) -> list[list[Button]]:
    """Accept / Decline while the job waits for them, else what they can do next."""
    if order.status is OrderStatus.DISPATCHED:
        return offer_buttons(t, order)
    return work_buttons(t, order)


def job_status_card(t: Translator, order: OrderView, headline: str) -> Reply:
    lines = [t(headline), *order_lines(t, order)]
    lines.append(t("Status: {status}", status=t(STATUS_LABELS[order.status])))
    return Reply("\n".join(lines), buttons=work_buttons(t, order))


def job_card(t: Translator, order: OrderView, phone: str | None, headline: str) -> Reply:
    """A job offered to its worker: what, where, when, the masked phone, Accept / Decline."""
    return Reply(
        "\n".join([t(headline), *order_lines(t, order, phone)]),
        buttons=offer_buttons(t, order),
        photos=report_photos(order)[:1],
    )


def grab_card(t: Translator, order: OrderView) -> Reply:
    lines = [t("New job, first to accept takes it:"), *order_lines(t, order)]
    return Reply("\n".join(lines), buttons=[[Button(t("Accept"), JobAct(order.id, JobOp.GRAB))]])


def desk_card(
    t: Translator,
    order: OrderView,
    headline: str,
    note: str | None = None,
    merge_into: list[incidents.MergeCandidate] | None = None,
) -> Reply:
    lines = [t(headline), *order_lines(t, order)]
    if note:
        lines.append(t("Note: {note}", note=note))

    def act(label: str, op: DeskOp) -> Button:
        return Button(t(label), DeskAct(order.id, op))

    return Reply(
        "\n".join(lines),
        buttons=[
            [act(N_("Dispatch to a worker"), DeskOp.PICK)],
            [
                act(N_("Dispatch automatically"), DeskOp.AUTO),
                act(N_("Post for grabbing"), DeskOp.GRAB),
            ],
            [act(N_("Not accepted for service"), DeskOp.REFUSE)],
            # Other open reports of the same kind of fault: one job for all of them.
            *[
                [Button(t("Merge into {number}", number=c.number), MergeInto(order.id, c.order_id))]
                for c in merge_into or []
            ],
        ],
    )
