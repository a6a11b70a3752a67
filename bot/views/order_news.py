"""News about an order, for everyone it concerns: its resident (and the reporters merged into
it), its worker, the desk, the supervisors. Rendered from the order as it stands at commit."""

from __future__ import annotations

from bot.conversation.replies import Button, Reply
from bot.views.audience import Audience
from bot.views.buttons import AnswerOp, CollectFee, Rebook, ResidentAnswer, SlotChoice
from bot.views.cards import (
    buttons_for_worker,
    desk_card,
    fee_text,
    grab_card,
    job_card,
    job_status_card,
    order_lines,
    when,
)
from bot.views.slots import day_rows
from core.enums import OrderStatus
from core.i18n import N_, Translator
from core.lifecycle import Action
from core.news import (
    DeskReason,
    FeeWaiting,
    NeedsDispatch,
    OrderActed,
    Relayed,
    ReportMerged,
    TimeAgreed,
    Withdrawn,
)
from core.services import desks, directory, dispatch, incidents, jobs, orders
from core.services.orders import OrderView

DISPATCHED = N_("Your order {number} has been given to {worker}, who will contact you soon.")
ACCEPTED = N_("{worker} has accepted your order {number}.")
APPOINTMENT = N_("Appointment for order {number}: {start} to {end}.")
APPOINTMENT_MOVED = N_(
    "We are sorry: {worker} needs to move the appointment for order {number} to {start} to "
    "{end}. Reason: {reason}\nIs the new time all right for you?"
)
APPOINTMENT_MOVED_DESK = N_(
    "Order {number}: {worker} moved the appointment to {start} to {end}. Reason: {reason}. The "
    "resident is asked to agree or choose another time."
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
INCIDENT_COMPLETED = N_(
    "The fault you reported in order {own} has been repaired (handled together with order "
    "{number}).\nWork done: {work}\nThank you for letting us know. If it is not solved, please "
    "report it again."
)
REFUSED = N_(
    "We are sorry, but we cannot take order {number} as a service request. Reason: {reason}\n"
    "If you have questions, please contact the service centre."
)
RETURNED = N_(
    "Order {number} needs more arrangements ({reason}); the service desk is arranging it and "
    "will keep you informed."
)
AUTO_CONFIRMED = N_(
    "We did not hear from you within 48 hours, so order {number} has been recorded as "
    "confirmed. If something is still wrong, please report it again."
)
WORKER_AUTO_CONFIRMED = N_(
    "Order {number} was recorded as confirmed: the resident did not answer in 48 hours."
)
CONFIRMED_FOR_WORKER = N_("The resident confirmed order {number}.")
DISPUTED = N_("The resident says order {number} is not finished: {reason}")
MERGED = N_(
    "Your order {own} concerns a fault that is already being handled as order {number}; we "
    "have joined your report to it and will keep you informed of every step."
)
NEW_JOB = N_("New job for you:")
ACCEPTED_HEAD = N_("You accepted this job.")
NEW_TIME_FOR_WORKER = N_("The resident chose a new time:")
TIME_AGREED = N_("The resident agreed to the time for order {number}.")
FEE_WAITING = N_("Order {number}: a fee of {fee} is waiting for you to collect and record.")
FEE_RECORDED = N_("The supervisor recorded the fee {fee} for order {number}.")
CANCELLED_FOR_WORKER = N_("Order {number} was cancelled by the resident: you need not go.")
CARRIES_ON = N_(
    "Order {number} was withdrawn by its reporter, but others reported the same fault: the job "
    "carries on as order {heir}."
)
FROM_WORKER = N_("Message from the worker about order {number}:")
FROM_RESIDENT = N_("Message from the resident about order {number}:")
DESK_HEADLINES = {
    DeskReason.NEW: N_("New order to dispatch:"),
    DeskReason.DECLINED: N_("Declined by the worker, please dispatch again:"),
    DeskReason.RETURNED: N_("Returned by the worker, please arrange:"),
    DeskReason.WAITING: N_("Waiting too long, please dispatch:"),
    DeskReason.OVERDUE: N_("Overdue, nobody accepted in time; please dispatch again:"),
    DeskReason.CARRIED_ON: N_(
        "A withdrawn report's job carries on as this order; please dispatch:"
    ),
    DeskReason.WORKER_REMOVED: N_(
        "The worker of this order no longer holds the role. Please dispatch again:"
    ),
    DeskReason.REOPENED: N_(
        "Reopened: the resident was not satisfied at the callback. Please dispatch to the same "
        "team again:"
    ),
}
CLOSED_BY_SUPERVISOR = N_(
    "Your order {number} is closed after our callback. Thank you for your patience and trust."
)


# --- to the desk, the worker, the team ---


async def to_desk(audience: Audience, order: OrderView, headline: str, note: str | None) -> None:
    merge_into = await incidents.merge_candidates(audience.uow, order.id)
    await audience.desk(
        order.estate_id,
        lambda t: desk_card(t, order, headline, note, merge_into),
        desks.desk_for(order.kind),
    )


async def needs_dispatch(audience: Audience, news: NeedsDispatch) -> None:
    order = await orders.get(audience.uow, news.order_id)
    await to_desk(audience, order, DESK_HEADLINES[news.reason], news.note)


async def offer_job(audience: Audience, order: OrderView, headline: str = NEW_JOB) -> None:
    """The worker's card with the resident's phone masked, or the team's grab post."""
    if order.assignee_id is None:
        if order.team_id is not None:
            await audience.team(order.estate_id, order.team_id, lambda t: grab_card(t, order))
        return
    phone = await jobs.masked_reporter_phone(audience.uow, order)
    await audience.person(order.assignee_id, lambda t: job_card(t, order, phone, headline))


# --- what each act means for whom ---


async def order_acted(audience: Audience, news: OrderActed) -> None:
    render = ACT_NEWS.get(news.action)
    if render is not None:
        await render(audience, news, await orders.get(audience.uow, news.order_id))


async def _dispatched(audience: Audience, news: OrderActed, order: OrderView) -> None:
    await offer_job(audience, order)
    if order.assignee_id is not None:
        worker = await audience.name(order.assignee_id)
        await audience.reporters(
            order, lambda t: Reply(t(DISPATCHED, number=order.number, worker=t.name(worker)))
        )


async def _accepted(audience: Audience, news: OrderActed, order: OrderView) -> None:
    worker = await audience.name(order.assignee_id)
    await audience.reporters(
        order, lambda t: Reply(t(ACCEPTED, number=order.number, worker=t.name(worker)))
    )
    if news.note == dispatch.GRABBED:  # taken in the team's group: the card in their own chat
        await audience.person(order.assignee_id, lambda t: job_status_card(t, order, ACCEPTED_HEAD))


async def _appointment(audience: Audience, news: OrderActed, order: OrderView) -> None:
    """Set or moved by the worker: the resident agrees or picks another; chosen by the
    resident: the worker's card shows the new time."""
    if order.window_start is None:
        return
    if news.actor_id is not None and news.actor_id == order.reporter_id:
        await audience.person(
            order.assignee_id, lambda t: job_status_card(t, order, NEW_TIME_FOR_WORKER)
        )
        return
    worker = await audience.name(order.assignee_id)

    def build(t: Translator) -> Reply:
        start, end = when(t, order)
        if news.note:
            text = t(
                APPOINTMENT_MOVED,
                worker=t.name(worker),
                number=order.number,
                start=start,
                end=end,
                reason=news.note,
            )
        else:
            text = t(APPOINTMENT, number=order.number, start=start, end=end)
        answer = ResidentAnswer
        return Reply(
            text,
            buttons=[
                [
                    Button(t("That time is fine"), answer(order.id, AnswerOp.AGREE)),
                    Button(t("Choose another time"), answer(order.id, AnswerOp.MOVE)),
                ]
            ],
        )

    await audience.reporters(order, build)
    if news.note:  # a time the resident had agreed to is moved: the desk knows why (seed 002)
        reason = news.note

        def for_desk(t: Translator) -> Reply:
            start, end = when(t, order)
            return Reply(
                t(
                    APPOINTMENT_MOVED_DESK,
                    number=order.number,
                    worker=t.name(worker),
                    start=start,
                    end=end,
                    reason=reason,
                )
            )

        await audience.desk(order.estate_id, for_desk, desks.desk_for(order.kind))


def _simple(message_id: str):
    async def render(audience: Audience, news: OrderActed, order: OrderView) -> None:
        worker = await audience.name(order.assignee_id)
        await audience.reporters(
            order, lambda t: Reply(t(message_id, number=order.number, worker=t.name(worker)))
        )

    return render


async def _no_one_home(audience: Audience, news: OrderActed, order: OrderView) -> None:
    worker = await audience.name(order.assignee_id)
    estate = await directory.get_estate_by_id(audience.uow, order.estate_id)
    now = audience.uow.clock.now()

    def build(t: Translator) -> Reply:
        text = t(NO_ONE_HOME, worker=t.name(worker), number=order.number, time=t.time(now))
        return Reply(text, buttons=rebook_rows(t, order, now, estate.timezone))

    await audience.reporters(order, build)


def rebook_rows(t: Translator, order: OrderView, now, timezone: str) -> list[list[Button]]:
    return day_rows(
        t, now, timezone, lambda label, day: Button(label, Rebook(order.id, day, SlotChoice.NONE))
    )


async def _completed(audience: Audience, news: OrderActed, order: OrderView) -> None:
    def build(t: Translator) -> Reply:
        text = t(
            COMPLETED, number=order.number, work=order.work_done or "—", fee=fee_text(t, order)
        )
        return Reply(
            text,
            buttons=[
                [
                    Button(t("Confirm completion"), ResidentAnswer(order.id, AnswerOp.CONFIRM)),
                    Button(t("Not solved"), ResidentAnswer(order.id, AnswerOp.DISPUTE)),
                ]
            ],
        )

    def for_followers(t: Translator, own: str) -> Reply:
        work = order.work_done or "—"
        return Reply(t(INCIDENT_COMPLETED, own=own, number=order.number, work=work))

    await audience.reporters(order, build, for_followers)


async def _refused(audience: Audience, news: OrderActed, order: OrderView) -> None:
    reason = news.note or "—"
    await audience.reporters(order, lambda t: Reply(t(REFUSED, number=order.number, reason=reason)))


async def _returned(audience: Audience, news: OrderActed, order: OrderView) -> None:
    reason = news.note or "—"
    await audience.reporters(
        order, lambda t: Reply(t(RETURNED, number=order.number, reason=reason))
    )


async def _confirmed(audience: Audience, news: OrderActed, order: OrderView) -> None:
    if news.actor_id is not None:  # the resident confirmed
        await audience.person(
            order.assignee_id, lambda t: Reply(t(CONFIRMED_FOR_WORKER, number=order.number))
        )
        return
    # Confirmed by the system after 48 hours. The merged reporters were never asked to
    # confirm: they heard of the completion already.
    await audience.reporters(
        order, lambda t: Reply(t(AUTO_CONFIRMED, number=order.number)), fan_out=False
    )
    await audience.person(
        order.assignee_id, lambda t: Reply(t(WORKER_AUTO_CONFIRMED, number=order.number))
    )


async def _disputed(audience: Audience, news: OrderActed, order: OrderView) -> None:
    reason = news.note or "—"
    await audience.person(
        order.assignee_id,
        lambda t: Reply(
            t(DISPUTED, number=order.number, reason=reason), buttons=buttons_for_worker(t, order)
        ),
    )


async def _fee_collected(audience: Audience, news: OrderActed, order: OrderView) -> None:
    if order.fee is None or news.actor_id == order.assignee_id:
        return  # the worker recorded it themselves
    fee = order.fee
    await audience.person(
        order.assignee_id,
        lambda t: Reply(t(FEE_RECORDED, fee=t.money(fee, order.currency), number=order.number)),
    )


async def _closed(audience: Audience, news: OrderActed, order: OrderView) -> None:
    """Closed by a person (a complaint's supervisor, after its callback): the resident hears
    it; a close by the system follows the resident's own answers, already thanked."""
    if news.actor_id is None:
        return
    await audience.reporters(
        order, lambda t: Reply(t(CLOSED_BY_SUPERVISOR, number=order.number)), fan_out=False
    )


ACT_NEWS = {
    Action.DISPATCH: _dispatched,
    Action.ACCEPT: _accepted,
    Action.APPOINT: _appointment,
    Action.RESCHEDULE: _appointment,
    Action.DEPART: _simple(ON_THE_WAY),
    Action.ARRIVE: _simple(ARRIVED),
    Action.NO_ONE_HOME: _no_one_home,
    Action.COMPLETE: _completed,
    Action.REFUSE: _refused,
    Action.CANNOT_FINISH: _returned,
    Action.CONFIRM: _confirmed,
    Action.DISPUTE: _disputed,
    Action.COLLECT_FEE: _fee_collected,
    Action.CLOSE: _closed,
}


# --- news that no single act tells ---


async def report_merged(audience: Audience, news: ReportMerged) -> None:
    """The reporter of a report the desk joined to an incident: whose job it now is."""
    merged = await orders.get(audience.uow, news.order_id)
    primary = await orders.get(audience.uow, news.primary_id)
    if merged.reporter_id is None or merged.reporter_id == primary.reporter_id:
        return
    await audience.person(
        merged.reporter_id, lambda t: Reply(t(MERGED, own=merged.number, number=primary.number))
    )


async def withdrawn(audience: Audience, news: Withdrawn) -> None:
    """The job's holder hears that it is called off, or, when others reported the same fault,
    that it carries on under the heir's number: the worker with its buttons, the team's group
    as a job to grab again, or the desk to dispatch."""
    cancelled = await orders.get(audience.uow, news.order_id)
    if news.heir_id is None:
        await audience.person(
            news.assignee_id, lambda t: Reply(t(CANCELLED_FOR_WORKER, number=cancelled.number))
        )
        return
    heir = await orders.get(audience.uow, news.heir_id)

    def carries_on(t: Translator) -> str:
        return t(CARRIES_ON, number=cancelled.number, heir=heir.number)

    if heir.assignee_id is not None and heir.status is OrderStatus.DISPATCHED:
        await audience.person(heir.assignee_id, lambda t: Reply(carries_on(t)))
        await offer_job(audience, heir)
    elif heir.assignee_id is not None:
        await audience.person(
            heir.assignee_id,
            lambda t: Reply(
                "\n".join([carries_on(t), *order_lines(t, heir)]),
                buttons=buttons_for_worker(t, heir),
            ),
        )
    elif heir.status is OrderStatus.DISPATCHED and heir.team_id is not None:
        await offer_job(audience, heir)
    else:
        await to_desk(audience, heir, DESK_HEADLINES[DeskReason.CARRIED_ON], None)


async def relayed(audience: Audience, news: Relayed) -> None:
    order = await orders.get(audience.uow, news.order_id)
    head = FROM_WORKER if news.sender_id == order.assignee_id else FROM_RESIDENT
    await audience.person(
        news.recipient_id,
        lambda t: Reply(
            t(head, number=order.number) + "\n" + news.text,
            buttons=[[Button(t("Reply"), ResidentAnswer(order.id, AnswerOp.MESSAGE))]],
        ),
    )


async def time_agreed(audience: Audience, news: TimeAgreed) -> None:
    order = await orders.get(audience.uow, news.order_id)
    await audience.person(order.assignee_id, lambda t: Reply(t(TIME_AGREED, number=order.number)))


async def fee_waiting(audience: Audience, news: FeeWaiting) -> None:
    order = await orders.get(audience.uow, news.order_id)
    if order.fee is None:
        return
    fee = order.fee
    await audience.supervisors(
        order.estate_id,
        lambda t: Reply(
            t(FEE_WAITING, number=order.number, fee=t.money(fee, order.currency)),
            buttons=[[Button(t("Record the fee as collected"), CollectFee(order.id))]],
        ),
    )
