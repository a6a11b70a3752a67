"""The resident answers a callback (回访): one question at a time with buttons, the comment as
text or a voice message (or skipped). Every answer is kept in core at once, so the next question
can come days later; core checks on every press that the presser is the order's resident. A
supervisor closes a complaint after its callback."""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.events import Kind
from bot.conversation.replies import Reply
from bot.conversation.routing import Router
from bot.views.buttons import CallbackReply, CallOp, CloseComplaint, PhoneCall
from bot.views.callback_news import phone_card, question_reply
from core.errors import PermissionDenied
from core.i18n import N_
from core.services import callbacks, orders, people
from core.services.callbacks import CallbackView, Question, VoiceComment

router = Router("callback")

DIALOG = "callback"
THANKS = N_("Thank you for your answers on order {number}; they help us serve you better.")
THANKS_REOPENED = N_(
    "Thank you, and we are sorry order {number} did not satisfy you. It is reopened: the team "
    "will come back to it, and a supervisor has your answers."
)
WRITE_IT = N_("Please write your comment or send it as a voice message, or tap Skip.")
CLOSED = N_("Complaint {number} is closed.")
RECORDED = N_("The answers on order {number} are recorded as given by phone. Thank you.")
NO_ANSWER_AGAIN = N_("No answer on order {number}: it is on tomorrow's list again.")
NOT_REACHED = N_("No answer on order {number} for the third time: it is closed as not reached.")


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
    view = await callbacks.require_answerer(ctx.uow, view.id, ctx.person_id)
    order = await orders.get(ctx.uow, view.order_id)
    if view.next_question is not Question.COMMENT:
        await _next(ctx, view)
        return
    settings = await callbacks.estate_settings(ctx.uow, order.estate_id)
    reply = question_reply(ctx.t, order, view, settings, writing=True, reminder=_by(view))
    assert reply is not None
    ctx.start_dialog(DIALOG, "comment", {"callback_id": view.id})
    await ctx.reply(reply)


async def _next(ctx: Context, view: CallbackView) -> None:
    order = await orders.get(ctx.uow, view.order_id)
    if view.next_question is None:
        message = THANKS if view.satisfied else THANKS_REOPENED
        message = RECORDED if view.by_phone else message
        await ctx.reply(ctx.t(message, number=order.number))
        return
    if view.next_question is Question.COMMENT:
        await _ask_comment(ctx, view)
        return
    settings = await callbacks.estate_settings(ctx.uow, order.estate_id)
    reply = question_reply(ctx.t, order, view, settings, reminder=_by(view))
    assert reply is not None
    await ctx.reply(reply)


def _by(view: CallbackView) -> bool | None:
    """None when the desk records a phone call (the questions say so), else False."""
    return None if view.by_phone else False


@router.button(PhoneCall)
async def on_phone_call(ctx: Context, payload: PhoneCall) -> None:
    """The desk's buttons on the phone list: record the resident's answers, or no answer."""
    if payload.op is CallOp.ANSWERS:
        view = await callbacks.require_answerer(ctx.uow, payload.callback_id, ctx.person_id)
        order = await orders.get(ctx.uow, view.order_id)
        if ctx.person_id == order.reporter_id:
            raise PermissionDenied()  # a resident answers in their own chat
        settings = await callbacks.estate_settings(ctx.uow, order.estate_id)
        if view.next_question is Question.COMMENT:
            await _ask_comment(ctx, view)
            return
        reply = question_reply(ctx.t, order, view, settings, reminder=None)
        assert reply is not None
        await ctx.reply(reply)
        return
    view = await callbacks.no_answer(ctx.uow, payload.callback_id, ctx.person_id)
    order = await orders.get(ctx.uow, view.order_id)
    name = await people.name_of(ctx.uow, order.reporter_id) if order.reporter_id else None
    phone = await people.phone_of(ctx.uow, order.reporter_id) if order.reporter_id else None
    card = phone_card(ctx.t, order, view, name or "—", phone)
    if view.status is callbacks.Status.NOT_REACHED:
        await ctx.edit(Reply(ctx.t(NOT_REACHED, number=order.number)))
    else:
        text = ctx.t(NO_ANSWER_AGAIN, number=order.number) + "\n" + card.text
        await ctx.edit(Reply(text, buttons=card.buttons))


@router.message(dialog=DIALOG)
async def on_comment(ctx: Context) -> None:
    assert ctx.state is not None
    inbound = ctx.inbound
    comment: str | VoiceComment
    if inbound.kind is Kind.VOICE and inbound.file_ref:
        comment = VoiceComment(inbound.file_ref, inbound.duration or 0)
    else:
        comment = (inbound.text or "").strip() if inbound.kind is Kind.TEXT else ""
    if not comment:
        await ctx.reply(ctx.t(WRITE_IT))
        return
    callback_id = int(ctx.state.data["callback_id"])
    ctx.end_dialog()
    view = await callbacks.answer(ctx.uow, callback_id, ctx.person_id, Question.COMMENT, comment)
    await _next(ctx, view)


@router.button(CloseComplaint)
async def on_close(ctx: Context, payload: CloseComplaint) -> None:
    await callbacks.close_complaint(ctx.uow, payload.order_id, ctx.person_id)
    order = await orders.get(ctx.uow, payload.order_id)
    await ctx.edit(Reply(ctx.t(CLOSED, number=order.number)))
