"""The worker's chat: the job card's buttons, reasons, appointments, My jobs, duty.

Every press re-checks in core that this person is the job's assignee (or, for grab, a worker of
the team): someone else's Accept, a resident pressing a worker's button or a forged order id
changes nothing and gets a polite refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot import notify
from bot.context import Context
from bot.desk import JobAct, send_job_card, to_desk
from bot.dialogs.slots import Slot, window
from bot.events import Kind
from bot.handlers.desk import REASON_DIALOG, refuse_with_reason
from bot.labels import STATUS_LABELS
from bot.menus import Menu, MenuItem, main_menu
from bot.payloads import Payload
from bot.replies import Button, Reply
from bot.routing import Router
from core.enums import OrderStatus
from core.i18n import N_, Translator
from core.services import directory, duty, jobs, people
from core.services.orders import OrderView

router = Router("staff")


@dataclass(frozen=True)
class WorkerRebook(Payload, prefix="wr"):
    order_id: int
    day: str
    slot: str  # a Slot, or "-" while the day is chosen


@dataclass(frozen=True)
class Duty(Payload, prefix="du"):
    on: int


def work_buttons(t: Translator, order: OrderView) -> list[list[Button]]:
    """What the worker can do next, by the job's status."""
    status = order.status
    rows: list[list[Button]] = []
    if status is OrderStatus.ACCEPTED:
        first = []
        if order.window_start:
            first.append(Button(t.gettext("Confirm the time"), JobAct(order.id, "appoint")))
        first.append(Button(t.gettext("Reschedule"), JobAct(order.id, "move")))
        rows.append(first)
        rows.append(
            [
                Button(t.gettext("On my way"), JobAct(order.id, "depart")),
                Button(t.gettext("Arrived"), JobAct(order.id, "arrive")),
            ]
        )
    elif status is OrderStatus.EN_ROUTE:
        rows.append(
            [
                Button(t.gettext("Arrived"), JobAct(order.id, "arrive")),
                Button(t.gettext("No one home"), JobAct(order.id, "nobody")),
            ]
        )
    elif status is OrderStatus.ON_SITE:
        rows.append(
            [
                Button(t.gettext("Completed"), JobAct(order.id, "complete")),
                Button(t.gettext("No one home"), JobAct(order.id, "nobody")),
            ]
        )
    if status in (OrderStatus.ACCEPTED, OrderStatus.EN_ROUTE, OrderStatus.ON_SITE):
        rows.append(
            [
                Button(t.gettext("Need parts / cannot finish"), JobAct(order.id, "cannot")),
                Button(t.gettext("Show phone"), JobAct(order.id, "phone")),
            ]
        )
        rows.append([Button(t.gettext("Message the resident"), JobAct(order.id, "msg"))])
    return rows


def job_status_card(t: Translator, order: OrderView, headline: str) -> Reply:
    lines = [t(headline), *notify.order_lines(t, order)]
    lines.append(t.gettext("Status: {status}", status=t(STATUS_LABELS[order.status])))
    return Reply("\n".join(lines), buttons=work_buttons(t, order))


ACCEPTED_HEAD = N_("You accepted this job.")
UPDATED_HEAD = N_("Job updated.")


@router.button(JobAct)
async def on_job(ctx: Context, payload: JobAct) -> None:
    op = payload.op
    if op == "grab":
        order = await jobs_grab(ctx, payload.order_id)
        return
    order = await jobs.require_assignee(ctx.uow, payload.order_id, ctx.person_id)
    if op == "accept":
        order = await jobs.accept(ctx.uow, order.id, ctx.person_id)
        await notify.accepted(ctx, order)
        await ctx.edit(job_status_card(ctx.t, order, ACCEPTED_HEAD))
    elif op in ("decline", "cannot", "msg", "move", "eod"):
        ctx.start_dialog(REASON_DIALOG, op, {"order_id": order.id})
        await ctx.reply(ctx._(REASON_QUESTIONS[op], number=order.number))
    elif op == "appoint":
        assert order.window_start and order.window_end
        order = await jobs.set_appointment(
            ctx.uow, order.id, ctx.person_id, order.window_start, order.window_end
        )
        await notify.appointment_set(ctx, order)
        await ctx.edit(job_status_card(ctx.t, order, UPDATED_HEAD))
    elif op == "depart":
        order = await jobs.depart(ctx.uow, order.id, ctx.person_id)
        await notify.on_the_way(ctx, order)
        await ctx.edit(job_status_card(ctx.t, order, UPDATED_HEAD))
    elif op == "arrive":
        order = await jobs.arrive(ctx.uow, order.id, ctx.person_id)
        await notify.arrived(ctx, order)
        await ctx.edit(job_status_card(ctx.t, order, UPDATED_HEAD))
    elif op == "nobody":
        order = await jobs.no_one_home(ctx.uow, order.id, ctx.person_id)
        await notify.no_one_home(ctx, order)
        await ctx.edit(
            job_status_card(
                ctx.t, order, N_("Recorded: no one home. The resident is asked to rebook.")
            )
        )
    elif op == "complete":
        from bot.dialogs import complete_job

        await complete_job.start(ctx, order)
    elif op == "show":
        if order.status is OrderStatus.DISPATCHED:
            await send_job_card(ctx, order)
        else:
            await ctx.reply(job_status_card(ctx.t, order, UPDATED_HEAD))
    elif op == "phone":
        phone = await jobs.reveal_phone(ctx.uow, order.id, ctx.person_id)
        await ctx.reply(ctx._("Resident's phone: {phone}", phone=phone or "—"))


async def jobs_grab(ctx: Context, order_id: int) -> OrderView:
    from core.services import dispatch

    order = await dispatch.grab(ctx.uow, order_id, ctx.person_id)
    name = await people.name_of(ctx.uow, ctx.person_id) if ctx.person_id else None
    await ctx.edit(ctx._("Order {number} taken by {worker}.", number=order.number, worker=name))
    await notify.accepted(ctx, order)
    await ctx.notify(
        ctx.person_id,  # type: ignore[arg-type]
        lambda t: job_status_card(t, order, ACCEPTED_HEAD),
    )
    return order


DISPUTE_QUESTION = N_("What is still wrong with order {number}? Please describe it.")
REASON_QUESTIONS = {
    "decline": N_("Why do you decline order {number}? Please write the reason."),
    "cannot": N_("What is missing to finish order {number} (parts, help, another trade)?"),
    "msg": N_("Write your message to the resident of order {number}:"),
    "move": N_("Why must the appointment for order {number} move? Please write the reason."),
    "dispute": DISPUTE_QUESTION,
    "refuse": N_("Please write the reason."),
    "eod": N_("Order {number}: why is it not finished, and when do you expect to finish it?"),
}


@router.message(dialog=REASON_DIALOG)
async def on_reason(ctx: Context) -> None:
    assert ctx.state is not None
    text = (ctx.inbound.text or "").strip() if ctx.inbound.kind is Kind.TEXT else ""
    purpose = ctx.state.step
    if not text:
        await ctx.reply(ctx._("Please write it in words."))
        return
    order_id = int(ctx.state.data["order_id"])
    text = text[:500]
    ctx.end_dialog()
    if purpose == "refuse":
        await refuse_with_reason(ctx, order_id, text)
    elif purpose == "decline":
        order = await jobs.decline(ctx.uow, order_id, ctx.person_id, text)
        from bot.desk import route_order

        await route_order(ctx, order, DECLINED_HEAD, text, exclude={ctx.person_id})
        await ctx.reply(
            ctx._("Declined. The desk will dispatch order {number} again.", number=order.number)
        )
    elif purpose == "cannot":
        order = await jobs.cannot_finish(ctx.uow, order_id, ctx.person_id, text)
        await to_desk(ctx, order, RETURNED_HEAD, text)
        await notify.returned(ctx, order, text)
        await ctx.reply(ctx._("Order {number} is back with the desk.", number=order.number))
    elif purpose == "msg":
        await relay(ctx, order_id, text)
    elif purpose == "move":
        ctx.start_dialog(REASON_DIALOG, "move_when", {"order_id": order_id, "reason": text})
        await ask_worker_day(ctx, order_id)
    elif purpose == "dispute":
        order = await jobs.dispute(ctx.uow, order_id, ctx.person_id, text)
        if order.assignee_id is not None:
            await ctx.notify(
                order.assignee_id,
                lambda t: Reply(
                    t(DISPUTED, number=order.number, reason=text),
                    buttons=work_buttons(t, order),
                ),
            )
        await ctx.reply(
            ctx._("Thank you. The worker will come back to order {number}.", number=order.number)
        )
    elif purpose == "eod":
        await jobs.note(ctx.uow, order_id, ctx.person_id, "eod: " + text)
        await ctx.reply(ctx._("Thank you, noted for the supervisor."))


DISPUTED = N_("The resident says order {number} is not finished: {reason}")
DECLINED_HEAD = N_("Declined by the worker, please dispatch again:")
RETURNED_HEAD = N_("Returned by the worker, please arrange:")


async def relay(ctx: Context, order_id: int, text: str) -> None:
    """A message between worker and resident, through the bot, kept on the order."""
    order = await jobs.note(ctx.uow, order_id, ctx.person_id, text)
    to = order.reporter_id if ctx.person_id == order.assignee_id else order.assignee_id
    if to is None:
        return
    sender = ctx.person_id == order.assignee_id
    head = (
        N_("Message from the worker about order {number}:")
        if sender
        else N_("Message from the resident about order {number}:")
    )
    await ctx.notify(
        to,
        lambda t: Reply(
            t(head, number=order.number) + "\n" + text,
            buttons=[[Button(t.gettext("Reply"), notify.ResidentAnswer(order.id, "msg"))]],
        ),
    )
    await ctx.reply(ctx._("Your message has been passed on."))


async def ask_worker_day(ctx: Context, order_id: int) -> None:
    order = await jobs.require_assignee(ctx.uow, order_id, ctx.person_id)
    estate = await directory.get_estate_by_id(ctx.uow, order.estate_id)
    rows = notify.day_buttons(ctx.t, order.id, ctx.uow.clock.now(), estate.timezone)
    rows = [
        [Button(b.text, WorkerRebook(order.id, b.payload.day, "-")) for b in row] for row in rows
    ]  # type: ignore[union-attr]
    await ctx.reply(Reply(ctx._("Which day?"), buttons=rows))


@router.button(WorkerRebook)
async def on_worker_rebook(ctx: Context, payload: WorkerRebook) -> None:
    order = await jobs.require_assignee(ctx.uow, payload.order_id, ctx.person_id)
    estate = await directory.get_estate_by_id(ctx.uow, order.estate_id)
    now = ctx.uow.clock.now()
    day = date.fromisoformat(payload.day)
    if payload.slot == "-":
        rows = [
            [Button(b.text, WorkerRebook(order.id, payload.day, b.payload.slot)) for b in row]  # type: ignore[union-attr]
            for row in notify.slot_buttons(ctx.t, order.id, day, now, estate.timezone)
        ]
        await ctx.edit(Reply(ctx._("Which part of {day}?", day=ctx.t.day(day)), buttons=rows))
        return
    found = window(day, Slot(payload.slot), now, estate.timezone)
    if found is None:
        await ctx.reply(ctx._("The time you chose has passed; please choose another."))
        return
    reason = None
    if ctx.in_dialog(REASON_DIALOG) and ctx.state and ctx.state.data.get("order_id") == order.id:
        reason = ctx.state.data.get("reason")
        ctx.end_dialog()
    order = await jobs.set_appointment(ctx.uow, order.id, ctx.person_id, *found, note=reason)
    await notify.appointment_set(ctx, order, reason or "—")
    await ctx.edit(job_status_card(ctx.t, order, UPDATED_HEAD))


# --- My jobs and duty ----------------------------------------------------------------------------


@router.command("jobs")
async def jobs_command(ctx: Context) -> None:
    await ctx.reply(await my_jobs(ctx))


@router.button(Menu)
async def menu_item(ctx: Context, payload: Menu) -> bool:
    if payload.item is MenuItem.MY_JOBS:
        await ctx.reply(await my_jobs(ctx))
        return True
    if payload.item is MenuItem.DUTY:
        on = await duty.is_on_duty(ctx.uow, ctx.person_id)
        await ctx.reply(duty_reply(ctx, on))
        return True
    return False


def duty_reply(ctx: Context, on: bool) -> Reply:
    text = ctx._("You are on duty.") if on else ctx._("You are off duty.")
    button = Button(ctx._("Go off duty"), Duty(0)) if on else Button(ctx._("Go on duty"), Duty(1))
    return Reply(text, buttons=[[button]])


@router.button(Duty)
async def on_duty(ctx: Context, payload: Duty) -> None:
    await duty.set_on_duty(ctx.uow, ctx.person_id, bool(payload.on))
    await ctx.edit(duty_reply(ctx, bool(payload.on)))


async def my_jobs(ctx: Context) -> Reply:
    found = await jobs.my_jobs(ctx.uow, ctx.person_id)  # none for someone not bound yet
    if not found:
        return main_menu(ctx, ctx._("You have no open jobs."))
    lines = [ctx._("Your open jobs (by appointment):")]
    buttons = []
    for order in found:
        when = ctx.t.short_datetime(order.window_start) if order.window_start else "—"
        where = order.unit_label or order.place or ""
        status = ctx._(STATUS_LABELS[order.status])
        lines.append(f"{when} · {order.number} · {where} · {status}")
        buttons.append([Button(order.number, JobAct(order.id, "show"))])
    return Reply("\n".join(lines), buttons=buttons)
