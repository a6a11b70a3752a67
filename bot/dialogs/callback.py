"""The resident answers a callback (回访): one question at a time with buttons, the comment as
text (or skipped). Every answer is kept in core at once, so the next question can come days
later; core checks on every press that the presser is the order's resident. A supervisor closes
a complaint after its callback."""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.events import Kind
from bot.conversation.replies import Reply
from bot.conversation.routing import Router
from bot.views.buttons import CallbackReply, CloseComplaint
from bot.views.callback_news import question_reply
from core.i18n import N_
from core.services import callbacks, orders
from core.services.callbacks import CallbackView, Question

router = Router("callback")

DIALOG = "callback"
THANKS = N_("Thank you for your answers on order {number}; they help us serve you better.")
THANKS_REOPENED = N_(
    "Thank you, and we are sorry order {number} did not satisfy you. It is reopened: the team "
    "will come back to it, and a supervisor has your answers."
)
WRITE_IT = N_("Please write your comment in words, or tap Skip.")
CLOSED = N_("Complaint {number} is closed.")


@router.button(CallbackReply)
async def on_reply(ctx: Context, payload: CallbackReply) -> None:
    if payload.question is Question.COMMENT and payload.value == 1:
        view = await callbacks.get(ctx.uow, payload.callback_id)
        await _ask_comment(ctx, view)
        return
    value: int | None = payload.value
    if payload.question is Question.COMMENT:
        value = None  # skipped
    if ctx.in_dialog(DIALOG):
        ctx.end_dialog()
    view = await callbacks.answer(
        ctx.uow, payload.callback_id, ctx.person_id, payload.question, value
    )
    await _next(ctx, view)


async def _ask_comment(ctx: Context, view: CallbackView) -> None:
    """The comment is the resident's next text: a dialog holds it, kept in the database."""
    order = await orders.get(ctx.uow, view.order_id)
    if order.reporter_id != ctx.person_id or view.next_question is not Question.COMMENT:
        await _next(ctx, view)
        return
    settings = await callbacks.estate_settings(ctx.uow, order.estate_id)
    reply = question_reply(ctx.t, order, view, settings, writing=True)
    assert reply is not None
    ctx.start_dialog(DIALOG, "comment", {"callback_id": view.id})
    await ctx.reply(reply)


async def _next(ctx: Context, view: CallbackView) -> None:
    order = await orders.get(ctx.uow, view.order_id)
    if view.next_question is None:
        message = THANKS if view.satisfied else THANKS_REOPENED
        await ctx.reply(ctx.t(message, number=order.number))
        return
    if view.next_question is Question.COMMENT:
        await _ask_comment(ctx, view)
        return
    settings = await callbacks.estate_settings(ctx.uow, order.estate_id)
    reply = question_reply(ctx.t, order, view, settings)
    assert reply is not None
    await ctx.reply(reply)


@router.message(dialog=DIALOG)
async def on_comment(ctx: Context) -> None:
    assert ctx.state is not None
    text = (ctx.inbound.text or "").strip() if ctx.inbound.kind is Kind.TEXT else ""
    if not text:
        await ctx.reply(ctx.t(WRITE_IT))
        return
    callback_id = int(ctx.state.data["callback_id"])
    ctx.end_dialog()
    view = await callbacks.answer(ctx.uow, callback_id, ctx.person_id, Question.COMMENT, text)
    await _next(ctx, view)


@router.button(CloseComplaint)
async def on_close(ctx: Context, payload: CloseComplaint) -> None:
    await callbacks.close_complaint(ctx.uow, payload.order_id, ctx.person_id)
    order = await orders.get(ctx.uow, payload.order_id)
    await ctx.edit(Reply(ctx.t(CLOSED, number=order.number)))
