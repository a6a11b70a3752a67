"""Telling people what happened to an order, each in their own language: the resident of every
change that concerns them, the worker and the desk of what they must do next.

Handlers pass their Context; routines pass an Outlet (the same `uow`, `notify`, `send_to_chat`
without an incoming update), so a reminder at 17:30 reads like a reply at noon.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from bot.context import BotConfig
from bot.dialogs.slots import SLOT_LABELS, Slot, days_offered, local_today, open_slots
from bot.labels import KIND_LABELS, PRIORITY_LABELS
from bot.payloads import Payload
from bot.replies import Button, Reply
from core.i18n import N_, Translator, pick_name
from core.services import directory, incidents, people
from core.services.orders import OrderView
from core.uow import UnitOfWork


class Sink(Protocol):
    """What a Context and an Outlet both offer: enough to tell people things."""

    uow: UnitOfWork
    config: BotConfig

    async def notify(self, person_id: int, build: Callable[[Translator], Reply]) -> None: ...

    async def send_to_chat(self, chat_id: int, reply: Reply) -> None: ...


# --- resident-facing payloads (handled in bot/dialogs/job_answers.py) ---------------------------


@dataclass(frozen=True)
class ResidentAnswer(Payload, prefix="ra"):
    order_id: int
    op: str  # ok: confirm completion; no: dispute; agree: the appointment; move: pick a time


@dataclass(frozen=True)
class Rebook(Payload, prefix="rb"):
    order_id: int
    day: str  # ISO date
    slot: str  # a Slot, or "-" while the day is being chosen


# --- texts ---------------------------------------------------------------------------------------

DISPATCHED = N_("Your order {number} has been given to {worker}, who will contact you soon.")
ACCEPTED = N_("{worker} has accepted your order {number}.")
APPOINTMENT = N_("Appointment for order {number}: {start} to {end}.")
APPOINTMENT_MOVED = N_(
    "{worker} asks to move the appointment for order {number} to {start} to {end}. Reason: {reason}"
)
ON_THE_WAY = N_("{worker} is on the way for your order {number}.")
ARRIVED = N_("{worker} has arrived for your order {number}.")
NO_ONE_HOME = N_(
    "{worker} came for your order {number} at {time}, but no one was home. Please choose a new "
    "time for the visit:"
)
COMPLETED = N_(
    "Order {number} is completed.\nWork done: {work}\nFee: {fee}\nPlease confirm, or tell us if "
    "the problem is not solved."
)
REFUSED = N_(
    "We are sorry, but we cannot take order {number} as a service request. Reason: {reason}\n"
    "If you have questions, please contact the service centre."
)
RETURNED = N_(
    "Order {number} needs more arrangements ({reason}); the service desk is arranging it and "
    "will keep you informed."
)
APOLOGY = N_(
    "We are sorry that order {number} is taking longer than it should. We now expect the next "
    "step by {time}."
)
AUTO_CONFIRMED = N_(
    "We did not hear from you within 48 hours, so order {number} has been recorded as "
    "confirmed. If something is still wrong, please report it again."
)
INCIDENT_NEWS = N_("About your order {own}, handled together with order {number}:")
INCIDENT_COMPLETED = N_(
    "The fault you reported in order {own} has been repaired (handled together with order "
    "{number}).\nWork done: {work}\nThank you for letting us know. If it is not solved, please "
    "report it again."
)
MERGED = N_(
    "Your order {own} concerns a fault that is already being handled as order {number}; we "
    "have joined your report to it and will keep you informed of every step."
)
THANKS_CONFIRMED = N_("Thank you for confirming order {number}.")
FEE_NONE = N_("none")


async def worker_name(uow: UnitOfWork, person_id: int | None, t: Translator | None = None) -> str:
    name = await people.name_of(uow, person_id) if person_id else None
    return name or "—"


def when(t: Translator, order: OrderView) -> tuple[str, str]:
    assert order.window_start is not None and order.window_end is not None
    return t.short_datetime(order.window_start), t.time(order.window_end)


def fee_text(t: Translator, order: OrderView) -> str:
    return t.money(order.fee) if order.fee else t(FEE_NONE)


async def tell_reporter(
    sink: Sink,
    order: OrderView,
    build: Callable[[Translator], Reply],
    for_followers: Callable[[Translator, str], Reply] | None = None,
    fan_out: bool = True,
) -> None:
    """Tells the order's reporter and, when the order is the primary of an incident, everyone
    whose report was merged into it (core/services/incidents.py). The merged reporters get the
    same news under a line naming their own order, without buttons: the job, the appointment
    and the confirmation belong to the primary; `for_followers(t, own_number)` replaces the text
    where the primary's would ask them for something."""
    told: set[int] = set()
    if order.reporter_id is not None:
        told.add(order.reporter_id)
        await sink.notify(order.reporter_id, build)
    if not fan_out:
        return
    for follower in await incidents.followers(sink.uow, order.id):
        if follower.reporter_id is None or follower.reporter_id in told:
            continue
        told.add(follower.reporter_id)
        await sink.notify(
            follower.reporter_id, _follower_news(order, follower.number, build, for_followers)
        )


def _follower_news(
    order: OrderView,
    own_number: str,
    build: Callable[[Translator], Reply],
    for_followers: Callable[[Translator, str], Reply] | None,
) -> Callable[[Translator], Reply]:
    def news(t: Translator) -> Reply:
        if for_followers is not None:
            return for_followers(t, own_number)
        head = t(INCIDENT_NEWS, own=own_number, number=order.number)
        return Reply(f"{head}\n{build(t).text}")

    return news


async def dispatched(sink: Sink, order: OrderView) -> None:
    name = await worker_name(sink.uow, order.assignee_id)
    await tell_reporter(
        sink, order, lambda t: Reply(t(DISPATCHED, number=order.number, worker=name))
    )


async def accepted(sink: Sink, order: OrderView) -> None:
    name = await worker_name(sink.uow, order.assignee_id)
    await tell_reporter(sink, order, lambda t: Reply(t(ACCEPTED, number=order.number, worker=name)))


async def appointment_set(sink: Sink, order: OrderView, reason: str | None = None) -> None:
    """The worker set or moved the time: the resident agrees or picks another."""
    name = await worker_name(sink.uow, order.assignee_id)

    def build(t: Translator) -> Reply:
        start, end = when(t, order)
        if reason:
            text = t(
                APPOINTMENT_MOVED,
                worker=name,
                number=order.number,
                start=start,
                end=end,
                reason=reason,
            )
        else:
            text = t(APPOINTMENT, number=order.number, start=start, end=end)
        return Reply(
            text,
            buttons=[
                [
                    Button(t.gettext("That time is fine"), ResidentAnswer(order.id, "agree")),
                    Button(t.gettext("Choose another time"), ResidentAnswer(order.id, "move")),
                ]
            ],
        )

    await tell_reporter(sink, order, build)


async def on_the_way(sink: Sink, order: OrderView) -> None:
    name = await worker_name(sink.uow, order.assignee_id)
    await tell_reporter(
        sink, order, lambda t: Reply(t(ON_THE_WAY, number=order.number, worker=name))
    )


async def arrived(sink: Sink, order: OrderView) -> None:
    name = await worker_name(sink.uow, order.assignee_id)
    await tell_reporter(sink, order, lambda t: Reply(t(ARRIVED, number=order.number, worker=name)))


def day_buttons(t: Translator, order_id: int, now, timezone: str) -> list[list[Button]]:
    today = local_today(now, timezone)
    buttons = []
    for day in days_offered(now, timezone):
        label = {0: t.gettext("Today"), 1: t.gettext("Tomorrow")}.get((day - today).days) or t.day(
            day
        )
        buttons.append(Button(label, Rebook(order_id, day.isoformat(), "-")))
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def slot_buttons(t: Translator, order_id: int, day: date, now, timezone: str) -> list[list[Button]]:
    return [
        [Button(t(SLOT_LABELS[slot]), Rebook(order_id, day.isoformat(), slot.value))]
        for slot in open_slots(day, now, timezone)
    ]


async def no_one_home(sink: Sink, order: OrderView) -> None:
    name = await worker_name(sink.uow, order.assignee_id)
    estate = await directory.get_estate_by_id(sink.uow, order.estate_id)
    now = sink.uow.clock.now()

    def build(t: Translator) -> Reply:
        text = t(NO_ONE_HOME, worker=name, number=order.number, time=t.time(now))
        return Reply(text, buttons=day_buttons(t, order.id, now, estate.timezone))

    await tell_reporter(sink, order, build)


async def completed(sink: Sink, order: OrderView) -> None:
    def build(t: Translator) -> Reply:
        text = t(
            COMPLETED,
            number=order.number,
            work=order.work_done or "—",
            fee=fee_text(t, order),
        )
        return Reply(
            text,
            buttons=[
                [
                    Button(t.gettext("Confirm completion"), ResidentAnswer(order.id, "ok")),
                    Button(t.gettext("Not solved"), ResidentAnswer(order.id, "no")),
                ]
            ],
        )

    def for_followers(t: Translator, own: str) -> Reply:
        work = order.work_done or "—"
        return Reply(t(INCIDENT_COMPLETED, own=own, number=order.number, work=work))

    await tell_reporter(sink, order, build, for_followers)


async def merged(sink: Sink, merged_order: OrderView, primary: OrderView) -> None:
    """The reporter of a report the desk joined to an incident: whose job it now is."""
    if merged_order.reporter_id is None or merged_order.reporter_id == primary.reporter_id:
        return
    await sink.notify(
        merged_order.reporter_id,
        lambda t: Reply(t(MERGED, own=merged_order.number, number=primary.number)),
    )


async def refused(sink: Sink, order: OrderView, reason: str) -> None:
    await tell_reporter(
        sink, order, lambda t: Reply(t(REFUSED, number=order.number, reason=reason))
    )


async def returned(sink: Sink, order: OrderView, reason: str) -> None:
    await tell_reporter(
        sink, order, lambda t: Reply(t(RETURNED, number=order.number, reason=reason))
    )


async def apology(sink: Sink, order: OrderView) -> None:
    if order.due_at is None:
        return
    due = order.due_at
    await tell_reporter(
        sink, order, lambda t: Reply(t(APOLOGY, number=order.number, time=t.short_datetime(due)))
    )


async def auto_confirmed(sink: Sink, order: OrderView) -> None:
    # The merged reporters were never asked to confirm: they heard of the completion already.
    await tell_reporter(
        sink, order, lambda t: Reply(t(AUTO_CONFIRMED, number=order.number)), fan_out=False
    )


# --- the job as staff see it ---------------------------------------------------------------------


def order_lines(t: Translator, order: OrderView, phone: str | None = None) -> list[str]:
    """Number, kind, category, place, description, preferred window, urgency, masked phone."""
    lines = [
        t.gettext("Order {number}", number=order.number),
        t.gettext("Type: {kind}", kind=t(KIND_LABELS[order.kind])),
    ]
    if order.category_hans:
        category = pick_name(t.locale, order.category_hans, order.category_hant or "")
        lines.append(t.gettext("Category: {category}", category=category))
    if order.unit_label:
        lines.append(t.gettext("Home: {home}", home=order.unit_label))
    if order.place:
        lines.append(t.gettext("Place: {place}", place=order.place))
    lines.append(t.gettext("Description: {text}", text=order.description))
    if order.window_start and order.window_end:
        start, end = when(t, order)
        lines.append(t.gettext("Preferred time: {start} to {end}", start=start, end=end))
    lines.append(t.gettext("Urgency: {priority}", priority=t(PRIORITY_LABELS[order.priority])))
    if phone:
        lines.append(t.gettext("Resident's phone: {phone}", phone=phone))
    photos = [a for a in order.attachments if a.kind == "photo" and a.stage == "report"]
    if photos:
        lines.append(t.gettext("Attachments: {count}", count=len(photos)))
    return lines


def report_photos(order: OrderView) -> list[str]:
    return [a.file_ref for a in order.attachments if a.kind == "photo" and a.stage == "report"]


def slot_label(t: Translator, slot: Slot) -> str:
    return t(SLOT_LABELS[slot])
