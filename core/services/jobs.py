"""The worker's side of an order and the resident's answers to it: accept, decline, appointment,
on my way, arrived, no one home, cannot finish, completed with fee; confirm or dispute.

Each function takes the acting person's id and re-checks, through the state machine and their
roles in the order's estate, that they may do it: a button is never proof of anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from core.crypto import mask_phone
from core.enums import OrderKind, OrderStatus
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.i18n import N_
from core.lifecycle import Action, Party, doer_roles
from core.models import Estate, Order, OrderAttachment
from core.news import DeskReason, FeeWaiting, NeedsDispatch, Relayed, TimeAgreed
from core.services import callbacks, feedback, orders, people
from core.services.dispatch import estate_actor, route
from core.services.orders import OrderView
from core.uow import UnitOfWork

ACTIVE = (
    OrderStatus.DISPATCHED,
    OrderStatus.ACCEPTED,
    OrderStatus.EN_ROUTE,
    OrderStatus.ON_SITE,
)


class NotYourJob(PermissionDenied):
    """Not (or no longer) this person's job: never assigned to them, their role was taken away,
    or no such order (the same answer, so that a forged id learns nothing)."""

    message_id = N_(
        "This job is not assigned to you. If you think it should be, please contact the "
        "service centre."
    )


async def perform(
    uow: UnitOfWork,
    order_id: int,
    person_id: int | None,
    action: Action,
    note: str | None = None,
) -> OrderView:
    """Any life-cycle act by a person, with their roles in the order's estate."""
    order = await orders.get(uow, order_id)
    actor = await estate_actor(uow, person_id, order.estate_id)
    return await orders.act(uow, order_id, action, actor, note)


async def accept(uow: UnitOfWork, order_id: int, person_id: int | None) -> OrderView:
    return await perform(uow, order_id, person_id, Action.ACCEPT)


async def decline(uow: UnitOfWork, order_id: int, person_id: int | None, reason: str) -> OrderView:
    """The job goes on its way again, never back to the worker who declined it."""
    await perform(uow, order_id, person_id, Action.DECLINE, reason)
    exclude = {person_id} if person_id is not None else None
    await route(uow, order_id, DeskReason.DECLINED, reason, exclude)
    return await orders.get(uow, order_id)


async def depart(uow: UnitOfWork, order_id: int, person_id: int | None) -> OrderView:
    return await perform(uow, order_id, person_id, Action.DEPART)


async def arrive(uow: UnitOfWork, order_id: int, person_id: int | None) -> OrderView:
    return await perform(uow, order_id, person_id, Action.ARRIVE)


async def no_one_home(uow: UnitOfWork, order_id: int, person_id: int | None) -> OrderView:
    """The seeds' 留言条: back to accepted, waiting for the resident to pick a new time."""
    view = await perform(uow, order_id, person_id, Action.NO_ONE_HOME)
    await uow.session.execute(
        Order.__table__.update()
        .where(Order.id == order_id)
        .values(window_start=None, window_end=None)
    )
    return view


async def cannot_finish(
    uow: UnitOfWork, order_id: int, person_id: int | None, reason: str
) -> OrderView:
    view = await perform(uow, order_id, person_id, Action.CANNOT_FINISH, reason)
    uow.announce(NeedsDispatch(order_id, DeskReason.RETURNED, reason))
    return view


async def set_appointment(
    uow: UnitOfWork,
    order_id: int,
    person_id: int | None,
    start: datetime,
    end: datetime,
    note: str | None = None,
) -> OrderView:
    """An appointment set or moved, by the worker, the resident or the desk."""
    order = await orders.get(uow, order_id)
    actor = await estate_actor(uow, person_id, order.estate_id)
    await orders.set_window(uow, order_id, start, end, actor, note)
    return await orders.get(uow, order_id)


async def agree_appointment(uow: UnitOfWork, order_id: int, person_id: int | None) -> OrderView:
    """The other side agrees to the window as it stands (recorded, the status is unchanged)."""
    view = await perform(uow, order_id, person_id, Action.NOTE, "appointment agreed")
    uow.announce(TimeAgreed(order_id))
    return view


@dataclass(frozen=True)
class CompletionReport:
    work_done: str
    materials: str | None = None
    fee: Decimal | None = None
    before: tuple[str, ...] = field(default_factory=tuple)
    after: tuple[str, ...] = field(default_factory=tuple)
    # Why no photo of the finished work could be taken, where the estate asks for one.
    no_photo_reason: str | None = None


# The estate setting `completion_photos`: "after" (the default) asks a repair for at least one
# photo of the finished work, or the reason why none could be taken; "optional" asks nothing.
PHOTO_KINDS = frozenset({OrderKind.IN_HOME_REPAIR, OrderKind.PUBLIC_REPAIR})
NO_AFTER_PHOTO = N_(
    "A repair is completed with at least one photo of the finished work, or the reason why none "
    "could be taken."
)


async def after_photo_required(uow: UnitOfWork, order_id: int) -> bool:
    row = await uow.session.get_one(Order, order_id)
    if OrderKind(row.kind) not in PHOTO_KINDS:
        return False
    estate = await uow.session.get_one(Estate, row.estate_id)
    return (estate.settings or {}).get("completion_photos", "after") != "optional"


def parse_fee(text: str) -> Decimal:
    cleaned = text.strip().replace("¥", "").replace("￥", "").replace("元", "").replace(",", "")
    try:
        fee = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput() from None
    if fee < 0 or fee > Decimal(100000) or fee != fee.quantize(Decimal("0.01")):
        raise InvalidInput()
    return fee.quantize(Decimal("0.01"))


async def fee_threshold(uow: UnitOfWork, estate_id: int) -> Decimal:
    return Decimal((await uow.session.get_one(Estate, estate_id)).fee_threshold)


async def complete(
    uow: UnitOfWork, order_id: int, person_id: int | None, report: CompletionReport
) -> tuple[OrderView, bool]:
    """Records the work and fee; returns the order and whether a supervisor must collect the fee.

    Below the estate's threshold the worker records collecting it at once; at or above it the
    order waits for a supervisor (seed 002)."""
    order = await require_assignee(uow, order_id, person_id)
    actor = await estate_actor(uow, person_id, order.estate_id)
    row = await uow.session.get_one(Order, order_id)
    now = uow.clock.now()
    reason = (report.no_photo_reason or "").strip()
    if not report.after and not reason and await after_photo_required(uow, order_id):
        raise InvalidInput(NO_AFTER_PHOTO)
    for stage, refs in (("before", report.before), ("after", report.after)):
        for ref in refs:
            uow.add(
                OrderAttachment(
                    order_id=order_id,
                    kind="photo",
                    file_ref=ref,
                    stage=stage,
                    added_by=person_id,
                    added_at=now,
                )
            )
    note = report.work_done if report.after or not reason else f"{report.work_done}\n{reason}"
    view = await orders.act(uow, order_id, Action.COMPLETE, actor, note)
    row.work_done = report.work_done
    row.materials = report.materials
    row.fee = report.fee
    needs_supervisor = False
    if report.fee:
        threshold = await fee_threshold(uow, order.estate_id)
        if report.fee < threshold:
            await _collect(uow, row, actor)
        else:
            needs_supervisor = True
            uow.announce(FeeWaiting(order_id))
    await uow.flush()
    return await orders.get(uow, view.id), needs_supervisor


async def _collect(uow: UnitOfWork, row: Order, actor) -> None:
    await orders.act(uow, row.id, Action.COLLECT_FEE, actor, str(row.fee))
    row.fee_collected_by = actor.person_id
    row.fee_collected_at = uow.clock.now()


async def collect_fee(uow: UnitOfWork, order_id: int, person_id: int | None) -> OrderView:
    """A supervisor of the estate records taking a fee at or above the threshold."""
    row = await uow.session.get(Order, order_id)
    if row is None:
        raise NotFound()
    actor = await estate_actor(uow, person_id, row.estate_id)
    if Party.SUPERVISOR not in actor.parties(row.reporter_id, row.assignee_id):
        raise PermissionDenied()
    if not row.fee or row.fee_collected_by is not None:
        raise InvalidInput("The fee of this order has already been recorded.")
    await _collect(uow, row, actor)
    await uow.flush()
    return await orders.get(uow, order_id)


async def confirm(uow: UnitOfWork, order_id: int, person_id: int | None) -> OrderView:
    """The resident confirms the completion: the callback's next round is scheduled (asked at
    once when the estate asks for a rating at confirmation)."""
    await perform(uow, order_id, person_id, Action.CONFIRM)
    await callbacks.schedule(uow, order_id)
    return await orders.get(uow, order_id)


async def dispute(uow: UnitOfWork, order_id: int, person_id: int | None, reason: str) -> OrderView:
    """The resident says the work is not done; what they wrote joins the feedback library."""
    view = await perform(uow, order_id, person_id, Action.DISPUTE, reason)
    await feedback.record_feedback(
        uow, view.estate_id, feedback.Source.DISPUTE, reason, order=view.id
    )
    return view


async def relay(uow: UnitOfWork, order_id: int, person_id: int | None, text: str) -> OrderView:
    """A message between worker and resident, kept on the order and passed to the other side."""
    view = await perform(uow, order_id, person_id, Action.NOTE, text)
    to = view.reporter_id if person_id == view.assignee_id else view.assignee_id
    if person_id is not None and to is not None:
        uow.announce(Relayed(order_id, person_id, to, text))
    return view


async def answer_end_of_day(
    uow: UnitOfWork, order_id: int, person_id: int | None, text: str
) -> OrderView:
    """The worker's answer to the end-of-day question: why not finished, and until when."""
    return await perform(uow, order_id, person_id, Action.END_OF_DAY_ANSWER, text)


async def require_assignee(uow: UnitOfWork, order_id: int, person_id: int | None) -> OrderView:
    """The order, if it is this person's job now: assigned to them, and they still hold a role
    doing its kind of work in its estate. Otherwise NotYourJob, a missing order included."""
    try:
        order = await orders.get(uow, order_id)
    except NotFound:
        raise NotYourJob() from None
    if person_id is None or order.assignee_id != person_id:
        raise NotYourJob()
    actor = await estate_actor(uow, person_id, order.estate_id)
    if Party.ASSIGNEE not in actor.parties(order.reporter_id, order.assignee_id, order.kind):
        raise NotYourJob()
    return order


async def require_reporter(uow: UnitOfWork, order_id: int, person_id: int | None) -> OrderView:
    order = await orders.get(uow, order_id)
    if person_id is None or order.reporter_id != person_id:
        raise PermissionDenied()
    return order


async def masked_reporter_phone(uow: UnitOfWork, order: OrderView) -> str | None:
    if order.reporter_id is None:
        return None
    phone = await people.phone_of(uow, order.reporter_id)
    return mask_phone(phone) if phone else None


async def reveal_phone(uow: UnitOfWork, order_id: int, person_id: int | None) -> str | None:
    """The full number, for the assignee or the desk only, and recorded as an order event."""
    view = await perform(uow, order_id, person_id, Action.REVEAL_PHONE)
    if view.reporter_id is None:
        return None
    return await people.phone_of(uow, view.reporter_id)


async def my_jobs(uow: UnitOfWork, person_id: int | None) -> list[OrderView]:
    """Open jobs in appointment order (those without one last, oldest first): only those the
    person still holds a role for in the order's estate; none for someone unknown."""
    if person_id is None:
        return []
    posts = await people.staff_posts(uow, person_id)
    rows = await uow.session.execute(
        select(Order.id, Order.estate_id, Order.kind)
        .where(
            Order.assignee_id == person_id,
            or_(*(Order.status == s for s in (*ACTIVE, OrderStatus.COMPLETED))),
        )
        .order_by(Order.id)
    )
    held = [
        order_id
        for order_id, estate_id, kind in rows.all()
        if any(p.estate_id == estate_id and p.role in doer_roles(kind) for p in posts)
    ]
    views = await orders.views_of(uow, held)
    far = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
    return sorted(views, key=lambda v: (v.window_start or far, v.id))
