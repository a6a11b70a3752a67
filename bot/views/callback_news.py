"""The callback (回访) as people read it: each question to the resident, in their script, in the
estate's own wording (core/services/callbacks.py), a reminder; the answers to the supervisors,
with the Close button on a complaint."""

from __future__ import annotations

from typing import Any

from bot.conversation.replies import Button, Reply
from bot.views.audience import Audience
from bot.views.buttons import CallbackReply, CallOp, CloseComplaint, PhoneCall
from bot.views.cards import order_lines
from bot.views.labels import KIND_LABELS
from core.enums import OrderKind, OrderStatus
from core.i18n import N_, Translator
from core.news import CallbackAnswered, CallbackAsked, PhoneList
from core.services import callbacks, desks, orders, people
from core.services.callbacks import CallbackView, Question
from core.services.orders import OrderView

HEAD = N_("Callback on order {number} ({kind}):")
REMINDER_HEAD = N_(
    "A reminder: we would still like to hear how order {number} ({kind}) went. It takes a minute."
)
SATISFIED = N_("Satisfied")
NOT_SATISFIED = N_("Not satisfied")
WRITE = N_("Write a comment")
SKIP = N_("Skip")
ANSWERS_SATISFIED = N_("The resident is satisfied with order {number}.")
ANSWERS_NOT_SATISFIED = N_(
    "The resident is NOT satisfied with order {number}: it is reopened for the team."
)
ANSWERS_SCORES = N_("Response speed {speed}, attitude {attitude}, quality of work {quality}.")
ANSWERS_COMMENT = N_("Comment: {comment}")
ANSWERS_NO_COMMENT = N_("No comment.")
ANSWERS_VOICE = N_("Voice comment ({length}): the voice message comes with this one.")
ANSWERS_VOICE_LINE = N_("Voice comment ({length})")
BY_PHONE = N_("(answered by phone)")
COMPLAINT_CLOSE = N_("The complaint's callback is done: please close it.")
CLOSE = N_("Close the complaint")
PHONE_HEAD = N_("Callback by phone for order {number} ({kind}):")
PHONE_LIST_HEAD = N_("Today's phone callbacks: {count}. Please call each resident below.")
WHY_ASKED = N_("Why: the resident asked for a phone call.")
WHY_NO_CHAT = N_("Why: the resident has no chat with us.")
WHY_COMPLAINT = N_("Why: a complaint.")
WHY_UNANSWERED = N_("Why: the chat callback went unanswered after a reminder.")
WHY_SPOT_CHECK = N_("Why: a spot check of a completed home service.")
TRIES = N_("Calls not answered so far: {tries} of {limit}.")
RECORD = N_("Record answers")
NO_ANSWER = N_("No answer")


def question_reply(
    t: Translator,
    order: OrderView,
    callback: CallbackView,
    settings: dict[str, Any],
    reminder: bool | None = False,
    writing: bool = False,
) -> Reply | None:
    """The callback's next question (None: all answered). `reminder` None: the desk records a
    phone call. `writing`: the next text is the comment (a dialog is open), so only Skip is
    offered."""
    question = callback.next_question
    if question is None:
        return None
    kind = t(KIND_LABELS[order.kind])
    if callback.phone or callback.by_phone or reminder is None:
        head = t(PHONE_HEAD, number=order.number, kind=kind)
    else:
        head = t(REMINDER_HEAD if reminder else HEAD, number=order.number, kind=kind)
    text = f"{head}\n{callbacks.question_text(settings, question, t.locale)}"
    cid = callback.id
    if question is Question.SATISFIED:
        buttons = [
            [
                Button(t(SATISFIED), CallbackReply(cid, question, 1)),
                Button(t(NOT_SATISFIED), CallbackReply(cid, question, 0)),
            ]
        ]
    elif question is Question.COMMENT:
        row = [Button(t(SKIP), CallbackReply(cid, question, 0))]
        if not writing:
            row.insert(0, Button(t(WRITE), CallbackReply(cid, question, 1)))
        buttons = [row]
    else:
        buttons = [[Button(str(n), CallbackReply(cid, question, n)) for n in range(1, 6)]]
    return Reply(text, buttons=buttons)


async def callback_asked(audience: Audience, news: CallbackAsked) -> None:
    callback = await callbacks.get(audience.uow, news.callback_id)
    order = await orders.get(audience.uow, callback.order_id)
    settings = await callbacks.estate_settings(audience.uow, order.estate_id)

    def build(t: Translator) -> Reply:
        reply = question_reply(t, order, callback, settings, reminder=news.reminder)
        assert reply is not None  # asked or reminded only while a question is open
        return reply

    if callback.next_question is not None:
        await audience.person(order.reporter_id, build)


def answers_lines(
    t: Translator, order: OrderView, callback: CallbackView, voice_attached: bool = False
) -> list[str]:
    """The answers as staff read them; `voice_attached`: the spoken comment goes with them."""
    lines = [
        t(ANSWERS_SATISFIED if callback.satisfied else ANSWERS_NOT_SATISFIED, number=order.number)
    ]
    lines.append(
        t(
            ANSWERS_SCORES,
            speed=callback.speed or "—",
            attitude=callback.attitude or "—",
            quality=callback.quality or "—",
        )
    )
    if callback.comment:
        lines.append(t(ANSWERS_COMMENT, comment=callback.comment))
    if callback.comment_voice:
        length = callbacks.clock_length(callback.comment_voice_seconds or 0)
        lines.append(t(ANSWERS_VOICE if voice_attached else ANSWERS_VOICE_LINE, length=length))
    if not callback.comment and not callback.comment_voice:
        lines.append(t(ANSWERS_NO_COMMENT))
    if callback.by_phone:
        lines.append(t(BY_PHONE))
    return lines


async def callback_answered(audience: Audience, news: CallbackAnswered) -> None:
    """The supervisors read every callback that reopens an order, and every complaint's (with
    the Close button while it waits for them)."""
    callback = await callbacks.get(audience.uow, news.callback_id)
    order = await orders.get(audience.uow, callback.order_id)
    complaint = order.kind is OrderKind.COMPLAINT
    if callback.satisfied and not complaint:
        return

    def build(t: Translator) -> Reply:
        lines = answers_lines(t, order, callback, voice_attached=True)
        lines.append("")
        lines.extend(order_lines(t, order))
        buttons = []
        if complaint and order.status is OrderStatus.CALLED_BACK:
            lines.insert(0, t(COMPLAINT_CLOSE))
            buttons = [[Button(t(CLOSE), CloseComplaint(order.id))]]
        voices = [callback.comment_voice] if callback.comment_voice else []
        return Reply("\n".join(lines), buttons=buttons, voices=voices)

    await audience.supervisors(order.estate_id, build)


def _why(order: OrderView, callback: CallbackView) -> str:
    if callback.spot_check:
        return WHY_SPOT_CHECK
    if callback.phone:
        return WHY_ASKED if order.wants_phone_callback else WHY_NO_CHAT
    if order.kind is OrderKind.COMPLAINT:
        return WHY_COMPLAINT
    return WHY_UNANSWERED


def phone_card(
    t: Translator, order: OrderView, callback: CallbackView, name: str, phone: str | None
) -> Reply:
    """One call to make: the order, who to call and why, the buttons to record it."""
    lines = [t(PHONE_HEAD, number=order.number, kind=t(KIND_LABELS[order.kind]))]
    lines.append(f"{name} {phone or '—'}")
    lines.append(t(_why(order, callback)))
    if callback.phone_tries:
        lines.append(t(TRIES, tries=callback.phone_tries, limit=callbacks.MAX_PHONE_TRIES))
    lines.extend(order_lines(t, order))
    return Reply(
        "\n".join(lines),
        buttons=[
            [
                Button(t(RECORD), PhoneCall(callback.id, CallOp.ANSWERS)),
                Button(t(NO_ANSWER), PhoneCall(callback.id, CallOp.NO_ANSWER)),
            ]
        ],
    )


async def phone_list(audience: Audience, news: PhoneList) -> None:
    """The customer-service desk's morning list: a headline, then one card per call."""
    count = len(news.callback_ids)
    await audience.desk(
        news.estate_id, lambda t: Reply(t(PHONE_LIST_HEAD, count=count)), desks.Desk.SERVICE
    )
    for callback_id in news.callback_ids:
        callback = await callbacks.get(audience.uow, callback_id)
        order = await orders.get(audience.uow, callback.order_id)
        name = await audience.name(order.reporter_id)
        phone = (
            await people.phone_of(audience.uow, order.reporter_id) if order.reporter_id else None
        )
        await audience.desk(
            news.estate_id,
            lambda t, o=order, c=callback, n=name, p=phone: phone_card(t, o, c, n, p),
            desks.Desk.SERVICE,
        )
