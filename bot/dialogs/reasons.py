"""One question, one written answer: why a worker declines or cannot finish, why the time must
move, what the resident says is still wrong, a message across the order, the end-of-day answer,
the desk's reason for refusing. The answer goes to core; core's news tells the others."""

from __future__ import annotations

from enum import StrEnum

from bot.conversation.context import Context
from bot.conversation.events import Kind
from bot.conversation.replies import Button, Reply
from bot.conversation.routing import Router
from bot.views.buttons import Rebook, SlotChoice
from bot.views.slots import day_rows
from core.i18n import N_
from core.services import directory, dispatch, jobs, special_events

router = Router("reasons")

DIALOG = "reason"
MAX_REASON = 500


class Purpose(StrEnum):
    DECLINE = "decline"
    CANNOT = "cannot"
    MESSAGE = "msg"
    MOVE = "move"
    MOVE_WHEN = "move_when"  # the reason is in, the worker is picking the new time
    DISPUTE = "dispute"
    REFUSE = "refuse"
    END_OF_DAY = "eod"
    SPECIAL_REPORT = "special"  # the manager's report after a special event's callback


REPORT_TOO_LONG = N_(
    "Your report has {length} characters; please keep it under {limit} and send it again."
)
REPORT_KEPT = N_("The report is attached to order {number}; the supervisors have it.")

QUESTIONS = {
    Purpose.DECLINE: N_("Why do you decline order {number}? Please write the reason."),
    Purpose.CANNOT: N_("What is missing to finish order {number} (parts, help, another trade)?"),
    Purpose.MESSAGE: N_("Write your message to the resident of order {number}:"),
    Purpose.MOVE: N_("Why must the appointment for order {number} move? Please write the reason."),
    Purpose.DISPUTE: N_("What is still wrong with order {number}? Please describe it."),
    Purpose.REFUSE: N_(
        "Why can we not take order {number}? Please write the reason politely; the resident "
        "will read it."
    ),
    Purpose.END_OF_DAY: N_(
        "Order {number}: why is it not finished, and when do you expect to finish it?"
    ),
    Purpose.SPECIAL_REPORT: N_(
        "Please write a short report on the special event of order {number}: the callback, what "
        "the resident said, what will be done."
    ),
}


async def ask(ctx: Context, purpose: Purpose, order_id: int, number: str) -> None:
    ctx.start_dialog(DIALOG, purpose, {"order_id": order_id})
    await ctx.reply(ctx.t(QUESTIONS[purpose], number=number))


async def ask_for_message(ctx: Context, order_id: int) -> None:
    """A reply to a relayed message, from either side of the order."""
    ctx.start_dialog(DIALOG, Purpose.MESSAGE, {"order_id": order_id})
    await ctx.reply(ctx.t("Write your message:"))


@router.message(dialog=DIALOG)
async def on_reason(ctx: Context) -> None:
    assert ctx.state is not None
    text = (ctx.inbound.text or "").strip() if ctx.inbound.kind is Kind.TEXT else ""
    if not text:
        await ctx.reply(ctx.t("Please write it in words."))
        return
    if ctx.state.step == Purpose.MOVE_WHEN:
        await ctx.reply(ctx.t("Please choose the new time with the buttons above, or /cancel."))
        return
    purpose = Purpose(ctx.state.step)
    order_id = int(ctx.state.data["order_id"])
    ctx.end_dialog()
    if purpose is Purpose.SPECIAL_REPORT:
        if len(text) > special_events.MAX_REPORT:
            ctx.start_dialog(DIALOG, purpose, {"order_id": order_id})
            await ctx.reply(
                ctx.t(REPORT_TOO_LONG, length=len(text), limit=special_events.MAX_REPORT)
            )
            return
        await special_events.report(ctx.uow, order_id, ctx.person_id, text)
        order = await dispatch.require_desk(ctx.uow, order_id, ctx.person_id)
        await ctx.reply(ctx.t(REPORT_KEPT, number=order.number))
        return
    text = text[:MAX_REASON]
    if purpose is Purpose.REFUSE:
        order = await dispatch.refuse(ctx.uow, order_id, ctx.person_id, text)
        await ctx.reply(ctx.t("Order {number} is marked as not accepted.", number=order.number))
    elif purpose is Purpose.DECLINE:
        order = await jobs.decline(ctx.uow, order_id, ctx.person_id, text)
        await ctx.reply(
            ctx.t("Declined. The desk will dispatch order {number} again.", number=order.number)
        )
    elif purpose is Purpose.CANNOT:
        order = await jobs.cannot_finish(ctx.uow, order_id, ctx.person_id, text)
        await ctx.reply(ctx.t("Order {number} is back with the desk.", number=order.number))
    elif purpose is Purpose.MESSAGE:
        await jobs.relay(ctx.uow, order_id, ctx.person_id, text)
        await ctx.reply(ctx.t("Your message has been passed on."))
    elif purpose is Purpose.MOVE:
        order = await jobs.require_assignee(ctx.uow, order_id, ctx.person_id)
        ctx.start_dialog(DIALOG, Purpose.MOVE_WHEN, {"order_id": order_id, "reason": text})
        estate = await directory.get_estate_by_id(ctx.uow, order.estate_id)
        rows = day_rows(
            ctx.t,
            ctx.uow.clock.now(),
            estate.timezone,
            lambda label, day: Button(label, Rebook(order.id, day, SlotChoice.NONE)),
        )
        await ctx.reply(Reply(ctx.t("Which day?"), buttons=rows))
    elif purpose is Purpose.DISPUTE:
        order = await jobs.dispute(ctx.uow, order_id, ctx.person_id, text)
        await ctx.reply(
            ctx.t("Thank you. The worker will come back to order {number}.", number=order.number)
        )
    elif purpose is Purpose.END_OF_DAY:
        await jobs.answer_end_of_day(ctx.uow, order_id, ctx.person_id, text)
        await ctx.reply(ctx.t("Thank you, noted for the supervisor."))


def move_reason(ctx: Context, order_id: int) -> str | None:
    """The reason given for moving this order's time, if the worker is picking it now."""
    state = ctx.state
    if state is None or state.dialog != DIALOG or state.step != Purpose.MOVE_WHEN:
        return None
    if state.data.get("order_id") != order_id:
        return None
    ctx.end_dialog()
    return state.data.get("reason")
