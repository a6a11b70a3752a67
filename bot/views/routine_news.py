"""The routines' news: reminders, follow-ups and escalations past a time limit, the apology to
the resident, the team digests and the end-of-day check with its report to the supervisors."""

from __future__ import annotations

from bot.conversation.replies import Button, Reply
from bot.views.audience import Audience
from bot.views.buttons import JobAct, JobOp
from bot.views.cards import buttons_for_worker, order_lines
from bot.views.labels import STATUS_LABELS
from bot.views.order_news import DESK_HEADLINES, offer_job, to_desk
from core.enums import OrderStatus
from core.i18n import N_, Translator
from core.news import (
    Delayed,
    DeskReason,
    DigestReady,
    EndOfDayAsked,
    EndOfDayReport,
    Escalated,
    FollowUp,
    Reminded,
)
from core.services import desks, orders
from core.services.orders import OrderView

REMIND_ACCEPT = N_("Reminder: order {number} is waiting for you to accept it.")
REMIND_WORK = N_("Reminder: order {number} is past its time limit. Please update it.")
FOLLOW_UP_DESK = N_(
    "Order {number} is past its time limit ({status}, worker: {worker}). Please follow up."
)
ESCALATED = N_(
    "Escalated to you: order {number} is past its time limit ({status}, worker: {worker}). "
    "Please follow up."
)
COMPLAINT_UNCONFIRMED = N_(
    "Complaint {number}: the resident has not confirmed in 48 hours. Please call them."
)
APOLOGY = N_(
    "We are sorry that order {number} is taking longer than it should. We now expect the next "
    "step by {time}."
)
DIGEST_HEAD = N_("{team}: job list at {time}")
DIGEST_NEW = N_("Waiting for dispatch ({count}):")
DIGEST_UNACCEPTED = N_("Dispatched, not yet accepted ({count}):")
DIGEST_TODAY = N_("Today's jobs ({count}):")
DIGEST_MORE = N_("… and {count} more")
DIGEST_LINES = 10  # a digest is read on a phone: each section's first ten, then the count
EOD_QUESTION = N_(
    "End of day: order {number} is not signed off. Please tell us why, and when you expect to "
    "finish it."
)
EOD_ANSWER_BUTTON = N_("Answer")
EOD_REPORT_HEAD = N_("End-of-day check for {day}: jobs not signed off")
EOD_NO_ANSWER = N_("no answer")


async def reminded(audience: Audience, news: Reminded) -> None:
    """Whoever owes the next step: the worker, the team's group, or the desk before dispatch."""
    order = await orders.get(audience.uow, news.order_id)
    if order.assignee_id is not None:
        head = REMIND_ACCEPT if order.status is OrderStatus.DISPATCHED else REMIND_WORK
        await audience.person(
            order.assignee_id,
            lambda t: Reply(
                "\n".join([t(head, number=order.number), *order_lines(t, order)]),
                buttons=buttons_for_worker(t, order),
            ),
        )
    elif order.status is OrderStatus.DISPATCHED and order.team_id is not None:
        await offer_job(audience, order)
    else:
        await to_desk(audience, order, DESK_HEADLINES[DeskReason.WAITING], None)


def _status_line(message_id: str, order: OrderView, worker: str):
    def line(t: Translator) -> str:
        status = t(STATUS_LABELS[order.status])
        return t(message_id, number=order.number, status=status, worker=t.name(worker))

    return line


async def follow_up(audience: Audience, news: FollowUp) -> None:
    order = await orders.get(audience.uow, news.order_id)
    line = _status_line(FOLLOW_UP_DESK, order, await audience.name(order.assignee_id))
    await audience.desk(order.estate_id, lambda t: Reply(line(t)), desks.desk_for(order.kind))


async def escalated(audience: Audience, news: Escalated) -> None:
    order = await orders.get(audience.uow, news.order_id)
    line = _status_line(ESCALATED, order, await audience.name(order.assignee_id))

    def build(t: Translator) -> Reply:
        if order.status is OrderStatus.COMPLETED:  # a complaint its resident left unconfirmed
            head = t(COMPLAINT_UNCONFIRMED, number=order.number)
        else:
            head = line(t)
        return Reply("\n".join([head, *order_lines(t, order)]))

    await audience.supervisors(order.estate_id, build)


async def delayed(audience: Audience, news: Delayed) -> None:
    order = await orders.get(audience.uow, news.order_id)
    if order.due_at is None:
        return
    due = order.due_at
    await audience.reporters(
        order, lambda t: Reply(t(APOLOGY, number=order.number, time=t.short_datetime(due)))
    )


async def digest_ready(audience: Audience, news: DigestReady) -> None:
    digest = news.digest
    now = audience.uow.clock.now()
    workers = {o.assignee_id for o in (*digest.unaccepted, *digest.today)} - {None}
    names = {person_id: await audience.name(person_id) for person_id in workers}

    def line(t: Translator, order: OrderView) -> str:
        parts = [order.number, t.name(order.unit_label) if order.unit_label else order.place or "—"]
        if order.window_start:
            parts.append(t.short_datetime(order.window_start))
        if order.assignee_id in names:
            parts.append(t.name(names[order.assignee_id]))
        return "· " + " · ".join(parts)

    def build(t: Translator) -> Reply:
        lines = [t(DIGEST_HEAD, team=t.name(digest.team_name), time=t.time(now))]
        for head, found in (
            (DIGEST_NEW, digest.new),
            (DIGEST_UNACCEPTED, digest.unaccepted),
            (DIGEST_TODAY, digest.today),
        ):
            if found:
                lines.append(t(head, count=len(found)))
                lines.extend(line(t, order) for order in found[:DIGEST_LINES])
                if len(found) > DIGEST_LINES:
                    lines.append(t(DIGEST_MORE, count=len(found) - DIGEST_LINES))
        return Reply("\n".join(lines))

    await audience.team(news.estate_id, digest.team_id, build)


async def end_of_day_asked(audience: Audience, news: EndOfDayAsked) -> None:
    order = await orders.get(audience.uow, news.order_id)
    await audience.person(
        order.assignee_id,
        lambda t: Reply(
            "\n".join([t(EOD_QUESTION, number=order.number), *order_lines(t, order)]),
            buttons=[[Button(t(EOD_ANSWER_BUTTON), JobAct(order.id, JobOp.END_OF_DAY))]],
        ),
    )


async def end_of_day_report(audience: Audience, news: EndOfDayReport) -> None:
    workers = {line.worker_id for line in news.lines} - {None}
    names = {person_id: await audience.name(person_id) for person_id in workers}

    def build(t: Translator) -> Reply:
        text = [t(EOD_REPORT_HEAD, day=t.day(news.day))]
        for entry in news.lines:
            worker = t.name(names.get(entry.worker_id, "—"))
            status = t(STATUS_LABELS[entry.order.status])
            answer = entry.answer or t(EOD_NO_ANSWER)
            text.append(f"· {entry.order.number} · {worker} · {status}: {answer}")
        return Reply("\n".join(text))

    await audience.supervisors(news.estate_id, build)
