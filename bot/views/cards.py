"""One renderer per thing: an order as each reader sees it, the worker's buttons by the job's
status, the job card, the desk card, the grab post."""

from __future__ import annotations

from bot.conversation.replies import Button, Reply
from bot.views.buttons import DeskAct, DeskOp, JobAct, JobOp, MergeInto
from bot.views.labels import KIND_LABELS, PRIORITY_LABELS, STATUS_LABELS
from core.enums import OrderStatus
from core.i18n import N_, Translator, pick_name
from core.services import incidents
from core.services.orders import OrderView

FEE_NONE = N_("none")


def when(t: Translator, order: OrderView) -> tuple[str, str]:
    assert order.window_start is not None and order.window_end is not None
    return t.short_datetime(order.window_start), t.time(order.window_end)


def fee_text(t: Translator, order: OrderView) -> str:
    return t.money(order.fee) if order.fee else t(FEE_NONE)


def order_lines(t: Translator, order: OrderView, phone: str | None = None) -> list[str]:
    """Number, kind, category, place, description, preferred window, urgency, masked phone."""
    lines = [
        t("Order {number}", number=order.number),
        t("Type: {kind}", kind=t(KIND_LABELS[order.kind])),
    ]
    if order.category_hans:
        category = pick_name(t.locale, order.category_hans, order.category_hant or "")
        lines.append(t("Category: {category}", category=category))
    if order.unit_label:
        lines.append(t("Home: {home}", home=order.unit_label))
    if order.place:
        lines.append(t("Place: {place}", place=order.place))
    lines.append(t("Description: {text}", text=order.description))
    if order.window_start and order.window_end:
        start, end = when(t, order)
        lines.append(t("Preferred time: {start} to {end}", start=start, end=end))
    lines.append(t("Urgency: {priority}", priority=t(PRIORITY_LABELS[order.priority])))
    if phone:
        lines.append(t("Resident's phone: {phone}", phone=phone))
    photos = report_photos(order)
    if photos:
        lines.append(t("Attachments: {count}", count=len(photos)))
    return lines


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
