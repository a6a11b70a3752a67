"""The resident's answers about a job: confirm or dispute the completion, agree to or move the
appointment, rebook after no one was home, reply to the worker. Only the order's reporter (or,
for a reply, its worker) may answer; anyone else is politely refused."""

from __future__ import annotations

from datetime import date

from bot import notify
from bot.context import Context
from bot.dialogs.slots import Slot, window
from bot.handlers.desk import REASON_DIALOG
from bot.handlers.staff import DISPUTE_QUESTION, job_status_card
from bot.notify import Rebook, ResidentAnswer
from bot.replies import Reply
from bot.routing import Router
from core.errors import PermissionDenied
from core.i18n import N_
from core.services import directory, jobs, orders

router = Router("job_answers")


@router.button(ResidentAnswer)
async def on_answer(ctx: Context, payload: ResidentAnswer) -> None:
    if payload.op == "msg":  # a reply to a relayed message: either side of the order
        order = await orders.get(ctx.uow, payload.order_id)
        if ctx.person_id is None or ctx.person_id not in (order.reporter_id, order.assignee_id):
            raise PermissionDenied()
        ctx.start_dialog(REASON_DIALOG, "msg", {"order_id": order.id})
        await ctx.reply(ctx._("Write your message:"))
        return
    order = await jobs.require_reporter(ctx.uow, payload.order_id, ctx.person_id)
    if payload.op == "ok":
        order = await jobs.confirm(ctx.uow, order.id, ctx.person_id)
        await ctx.edit(ctx._(notify.THANKS_CONFIRMED, number=order.number))
        if order.assignee_id is not None:
            await ctx.notify(
                order.assignee_id,
                lambda t: Reply(
                    t.gettext("The resident confirmed order {number}.", number=order.number)
                ),
            )
    elif payload.op == "no":
        ctx.start_dialog(REASON_DIALOG, "dispute", {"order_id": order.id})
        await ctx.reply(ctx._(DISPUTE_QUESTION, number=order.number))
    elif payload.op == "agree":
        await jobs.agree_appointment(ctx.uow, order.id, ctx.person_id)
        await ctx.edit(ctx._("Thank you, the appointment is confirmed."))
        if order.assignee_id is not None:
            await ctx.notify(
                order.assignee_id,
                lambda t: Reply(
                    t.gettext(
                        "The resident agreed to the time for order {number}.", number=order.number
                    )
                ),
            )
    elif payload.op == "move":
        estate = await directory.get_estate_by_id(ctx.uow, order.estate_id)
        rows = notify.day_buttons(ctx.t, order.id, ctx.uow.clock.now(), estate.timezone)
        await ctx.reply(Reply(ctx._("When would you like the visit?"), buttons=rows))


@router.button(Rebook)
async def on_rebook(ctx: Context, payload: Rebook) -> None:
    order = await jobs.require_reporter(ctx.uow, payload.order_id, ctx.person_id)
    estate = await directory.get_estate_by_id(ctx.uow, order.estate_id)
    now = ctx.uow.clock.now()
    day = date.fromisoformat(payload.day)
    if payload.slot == "-":
        rows = notify.slot_buttons(ctx.t, order.id, day, now, estate.timezone)
        await ctx.reply(Reply(ctx._("Which part of {day}?", day=ctx.t.day(day)), buttons=rows))
        return
    found = window(day, Slot(payload.slot), now, estate.timezone)
    if found is None:
        await ctx.reply(ctx._("The time you chose has passed; please choose another."))
        return
    order = await jobs.set_appointment(
        ctx.uow, order.id, ctx.person_id, *found, note="chosen by the resident"
    )
    start, end = notify.when(ctx.t, order)
    await ctx.edit(ctx._(NEW_TIME, number=order.number, start=start, end=end))
    if order.assignee_id is not None:
        await ctx.notify(
            order.assignee_id,
            lambda t: job_status_card(t, order, N_("The resident chose a new time:")),
        )


NEW_TIME = N_("Thank you. The new time for order {number} is {start} to {end}.")
