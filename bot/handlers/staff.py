"""The worker's chat: the job card's buttons, reasons, appointments, My jobs, duty.

Every press re-checks in core that this person is the job's assignee (or, for grab, a worker of
the team): someone else's Accept, a resident pressing a worker's button or a forged order id
changes nothing and gets a polite refusal.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.conversation.context import Context
from bot.conversation.payloads import Payload
from bot.conversation.replies import Button, Reply
from bot.conversation.routing import Router
from bot.dialogs import complete_job, reasons
from bot.dialogs.reasons import Purpose
from bot.views.buttons import JobAct, JobOp
from bot.views.cards import job_card, job_status_card
from bot.views.desk_views import fees_line
from bot.views.labels import STATUS_LABELS
from bot.views.menus import Menu, MenuItem, main_menu
from bot.views.order_news import NEW_JOB
from core.enums import OrderStatus
from core.errors import NotFound
from core.i18n import N_
from core.services import desk_queue, dispatch, duty, jobs, people

router = Router("staff")


@dataclass(frozen=True)
class Duty(Payload, prefix="du"):
    on: int


ACCEPTED_HEAD = N_("You accepted this job.")
UPDATED_HEAD = N_("Job updated.")
NOBODY_HEAD = N_("Recorded: no one home. The resident is asked to rebook.")
ASKING = {
    JobOp.DECLINE: Purpose.DECLINE,
    JobOp.CANNOT: Purpose.CANNOT,
    JobOp.MESSAGE: Purpose.MESSAGE,
    JobOp.MOVE: Purpose.MOVE,
    JobOp.END_OF_DAY: Purpose.END_OF_DAY,
}
STEPS = {JobOp.ACCEPT: jobs.accept, JobOp.DEPART: jobs.depart, JobOp.ARRIVE: jobs.arrive}


@router.button(JobAct)
async def on_job(ctx: Context, payload: JobAct) -> None:
    op = payload.op
    if op is JobOp.GRAB:
        await grab(ctx, payload.order_id)
        return
    order = await jobs.require_assignee(ctx.uow, payload.order_id, ctx.person_id)
    if op in STEPS:
        order = await STEPS[op](ctx.uow, order.id, ctx.person_id)
        head = ACCEPTED_HEAD if op is JobOp.ACCEPT else UPDATED_HEAD
        await ctx.edit(job_status_card(ctx.t, order, head))
    elif op in ASKING:
        await reasons.ask(ctx, ASKING[op], order.id, order.number)
    elif op is JobOp.APPOINT:
        if order.window_start is None or order.window_end is None:
            raise NotFound()  # the card was older than the time it offered
        order = await jobs.set_appointment(
            ctx.uow, order.id, ctx.person_id, order.window_start, order.window_end
        )
        await ctx.edit(job_status_card(ctx.t, order, UPDATED_HEAD))
    elif op is JobOp.NOBODY:
        order = await jobs.no_one_home(ctx.uow, order.id, ctx.person_id)
        await ctx.edit(job_status_card(ctx.t, order, NOBODY_HEAD))
    elif op is JobOp.COMPLETE:
        await complete_job.start(ctx, order)
    elif op is JobOp.SHOW:
        if order.status is OrderStatus.DISPATCHED:
            phone = await jobs.masked_reporter_phone(ctx.uow, order)
            await ctx.reply(job_card(ctx.t, order, phone, NEW_JOB))
        else:
            await ctx.reply(job_status_card(ctx.t, order, UPDATED_HEAD))
    elif op is JobOp.PHONE:
        phone = await jobs.reveal_phone(ctx.uow, order.id, ctx.person_id)
        await ctx.reply(ctx.t("Resident's phone: {phone}", phone=phone or "—"))


async def grab(ctx: Context, order_id: int) -> None:
    """First tap in the team's group wins; the worker gets the job in their own chat."""
    order = await dispatch.grab(ctx.uow, order_id, ctx.person_id)
    name = await people.name_of(ctx.uow, ctx.person_id) if ctx.person_id else None
    await ctx.edit(
        ctx.t(
            "Order {number} taken by {worker}.", number=order.number, worker=ctx.t.name(name or "—")
        )
    )


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
    text = ctx.t("You are on duty.") if on else ctx.t("You are off duty.")
    button = Button(ctx.t("Go off duty"), Duty(0)) if on else Button(ctx.t("Go on duty"), Duty(1))
    return Reply(text, buttons=[[button]])


@router.button(Duty)
async def on_duty(ctx: Context, payload: Duty) -> None:
    await duty.set_on_duty(ctx.uow, ctx.person_id, bool(payload.on))
    await ctx.edit(duty_reply(ctx, bool(payload.on)))


async def my_jobs(ctx: Context) -> Reply:
    found = await jobs.my_jobs(ctx.uow, ctx.person_id)  # none for someone not bound yet
    fees = await desk_queue.fees_collected_today(ctx.uow, ctx.person_id)
    if not found:
        text = ctx.t("You have no open jobs.")
        if fees.orders:
            text += "\n" + fees_line(ctx.t, fees)
        return main_menu(ctx, text)
    lines = [ctx.t("Your open jobs (by appointment):")]
    buttons = []
    for order in found:
        when = ctx.t.short_datetime(order.window_start) if order.window_start else "—"
        where = order.unit_label or order.place or ""
        status = ctx.t(STATUS_LABELS[order.status])
        lines.append(f"{when} · {order.number} · {where} · {status}")
        buttons.append([Button(order.number, JobAct(order.id, JobOp.SHOW))])
    lines.append(fees_line(ctx.t, fees))
    return Reply("\n".join(lines), buttons=buttons)
