"""Answers about a job: the resident confirms or disputes the completion, agrees to or moves the
appointment, replies to the worker; the resident or the worker picks a new time. Only the
order's reporter (or, for a reply or a new time, its worker) may answer; anyone else is politely
refused, and core says who may on every press."""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.replies import Button, Reply
from bot.conversation.routing import Router
from bot.dialogs import reasons
from bot.dialogs.reasons import Purpose
from bot.views.buttons import AnswerOp, Rebook, ResidentAnswer, SlotChoice
from bot.views.cards import job_status_card, when
from bot.views.slots import Slot, day_rows, slot_rows, window
from core.errors import PermissionDenied
from core.i18n import N_
from core.services import directory, jobs, orders
from core.services.orders import OrderView

router = Router("job_answers")

THANKS_CONFIRMED = N_("Thank you for confirming order {number}.")
NEW_TIME = N_("Thank you. The new time for order {number} is {start} to {end}.")
UPDATED_HEAD = N_("Job updated.")


@router.button(ResidentAnswer)
async def on_answer(ctx: Context, payload: ResidentAnswer) -> None:
    if payload.op is AnswerOp.MESSAGE:  # a reply to a relayed message: either side of the order
        order = await orders.get(ctx.uow, payload.order_id)
        if ctx.person_id is None or ctx.person_id not in (order.reporter_id, order.assignee_id):
            raise PermissionDenied()
        await reasons.ask_for_message(ctx, order.id)
        return
    order = await jobs.require_reporter(ctx.uow, payload.order_id, ctx.person_id)
    if payload.op is AnswerOp.CONFIRM:
        order = await jobs.confirm(ctx.uow, order.id, ctx.person_id)
        await ctx.edit(ctx.t(THANKS_CONFIRMED, number=order.number))
    elif payload.op is AnswerOp.DISPUTE:
        await reasons.ask(ctx, Purpose.DISPUTE, order.id, order.number)
    elif payload.op is AnswerOp.AGREE:
        await jobs.agree_appointment(ctx.uow, order.id, ctx.person_id)
        await ctx.edit(ctx.t("Thank you, the appointment is confirmed."))
    elif payload.op is AnswerOp.MOVE:
        await ctx.reply(await _day_picker(ctx, order, ctx.t("When would you like the visit?")))


async def _day_picker(ctx: Context, order: OrderView, question: str) -> Reply:
    estate = await directory.get_estate_by_id(ctx.uow, order.estate_id)
    rows = day_rows(
        ctx.t,
        ctx.uow.clock.now(),
        estate.timezone,
        lambda label, day: Button(label, Rebook(order.id, day, SlotChoice.NONE)),
    )
    return Reply(question, buttons=rows)


@router.button(Rebook)
async def on_rebook(ctx: Context, payload: Rebook) -> None:
    """A day, then a part of it; the presser's place on the order says whose choice it is."""
    order = await orders.get(ctx.uow, payload.order_id)
    by_worker = ctx.person_id is not None and ctx.person_id == order.assignee_id
    if by_worker:
        order = await jobs.require_assignee(ctx.uow, order.id, ctx.person_id)
    else:
        order = await jobs.require_reporter(ctx.uow, order.id, ctx.person_id)
    estate = await directory.get_estate_by_id(ctx.uow, order.estate_id)
    now, day = ctx.uow.clock.now(), payload.day
    if payload.slot is SlotChoice.NONE:
        rows = slot_rows(
            ctx.t,
            day,
            now,
            estate.timezone,
            lambda label, slot: Button(label, Rebook(order.id, day, SlotChoice(slot.value))),
        )
        question = ctx.t("Which part of {day}?", day=ctx.t.day(day))
        if by_worker:
            await ctx.edit(Reply(question, buttons=rows))
        else:
            await ctx.reply(Reply(question, buttons=rows))
        return
    found = window(day, Slot(payload.slot.value), now, estate.timezone)
    if found is None:
        await ctx.reply(ctx.t("The time you chose has passed; please choose another."))
        return
    if by_worker:
        reason = reasons.move_reason(ctx, order.id) or "—"
        order = await jobs.set_appointment(ctx.uow, order.id, ctx.person_id, *found, note=reason)
        await ctx.edit(job_status_card(ctx.t, order, UPDATED_HEAD))
        return
    order = await jobs.set_appointment(
        ctx.uow, order.id, ctx.person_id, *found, note="chosen by the resident"
    )
    start, end = when(ctx.t, order)
    await ctx.edit(ctx.t(NEW_TIME, number=order.number, start=start, end=end))
