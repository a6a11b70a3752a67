"""The desk: dispatching (assign, automatic, grab), refusing with a reason, desk groups, fees.

Anyone may press a desk button in a desk group; core checks on every press that the person works
at the desk of the order's estate, so a resident or a worker pressing one is politely refused.
"""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.replies import Button, Reply
from bot.conversation.routing import Router
from bot.dialogs import reasons
from bot.dialogs.reasons import Purpose
from bot.views.buttons import (
    CollectFee,
    DeskAct,
    DeskOp,
    DeskPick,
    MergeInto,
    QueueOpen,
    SpecialEventAct,
    SpecialOp,
)
from bot.views.desk_views import SpecialOnCard, approvals_reply, opened_card, queue_reply
from bot.views.menus import Menu, MenuItem
from core.enums import Role
from core.i18n import N_, place
from core.services import (
    candidates,
    desk_queue,
    desks,
    dispatch,
    incidents,
    jobs,
    people,
    special_events,
)

router = Router("desk")

DESK_USAGE = N_(
    "Send this in a group: /desk control (control centre: repairs), /desk service (customer "
    "service: everything else) or /desk team <team name> (the team's group for grab jobs)."
)


@router.command("desk")
async def register_desk(ctx: Context) -> None:
    what, _, team = (ctx.inbound.args or "").partition(" ")
    if ctx.inbound.is_private or what not in ("control", "service", "team"):
        await ctx.reply(ctx.t(DESK_USAGE))
        return
    estate, _ = await desks.register_desk_chat(
        ctx.uow, ctx.inbound.chat_id, what, ctx.person_id, team or None
    )
    await ctx.reply(ctx.t("This group is now a desk of {estate}.", estate=estate))


def _worker_label(ctx: Context, c: candidates.Candidate) -> str:
    duty = ctx.t("on duty") if c.on_duty else ctx.t("off duty")
    label = ctx.t(
        "{name} ({duty}, {n} open)", name=ctx.t.name(c.name or "—"), duty=duty, n=c.open_jobs
    )
    extras = ["/".join(c.skills)] if c.skills else []
    if c.buildings:
        extras.append(ctx.t.name(",".join(c.buildings)))
    return place(label, *extras)


@router.button(DeskAct)
async def on_desk_act(ctx: Context, payload: DeskAct) -> None:
    order = await dispatch.require_desk(ctx.uow, payload.order_id, ctx.person_id)
    if payload.op is DeskOp.PICK:
        offered = [c for c in await candidates.candidates(ctx.uow, order.id) if c.on_duty]
        if not offered:
            await ctx.reply(ctx.t(NOBODY_ON_DUTY))
            return
        buttons = [
            [Button(_worker_label(ctx, c), DeskPick(order.id, c.person_id))] for c in offered
        ]
        await ctx.reply(
            Reply(ctx.t("Who should do order {number}?", number=order.number), buttons=buttons)
        )
    elif payload.op is DeskOp.AUTO:
        done = await dispatch.dispatch_automatically(ctx.uow, order.id, ctx.person_id)
        if done is None:
            await ctx.reply(ctx.t(NOBODY_ON_DUTY))
            return
        await _dispatched_note(ctx, done)
    elif payload.op is DeskOp.GRAB:
        await dispatch.post_for_grab(ctx.uow, order.id, ctx.person_id)
        await ctx.edit(ctx.t("Order {number} is posted for grabbing.", number=order.number))
    elif payload.op is DeskOp.REFUSE:
        await reasons.ask(ctx, Purpose.REFUSE, order.id, order.number)


NOBODY_ON_DUTY = N_("Nobody who could do this job is on duty now.")


async def _dispatched_note(ctx: Context, order) -> None:
    name = await people.name_of(ctx.uow, order.assignee_id) if order.assignee_id else None
    await ctx.edit(
        ctx.t(
            "Order {number} dispatched to {worker}.",
            number=order.number,
            worker=ctx.t.name(name or "—"),
        )
    )


@router.button(DeskPick)
async def on_pick(ctx: Context, payload: DeskPick) -> None:
    await dispatch.require_desk(ctx.uow, payload.order_id, ctx.person_id)
    order = await dispatch.dispatch(ctx.uow, payload.order_id, payload.worker_id, ctx.person_id)
    await _dispatched_note(ctx, order)


@router.button(MergeInto)
async def on_merge(ctx: Context, payload: MergeInto) -> None:
    """Core checks the presser's desk roles and that both orders can still be merged; a forged
    or stale press ends in a polite refusal from the pipeline."""
    done = await incidents.merge_into_incident(
        ctx.uow, payload.order_id, payload.primary_id, ctx.person_id
    )
    await ctx.edit(
        ctx.t(
            "Order {number} was merged into order {primary}: one job for both; the reporter will "
            "be told of every step.",
            number=done.merged.number,
            primary=done.primary.number,
        )
    )


@router.button(CollectFee)
async def on_collect_fee(ctx: Context, payload: CollectFee) -> None:
    order = await jobs.collect_fee(ctx.uow, payload.order_id, ctx.person_id)
    assert order.fee is not None
    await ctx.edit(
        ctx.t(
            "Fee {fee} for order {number} recorded as collected.",
            fee=ctx.t.money(order.fee, order.currency),
            number=order.number,
        )
    )


# --- The desk's queue and the supervisor's approvals ---------------------------------------------


async def show_queue(ctx: Context) -> None:
    """In a desk group: that desk's estates; in a private chat: the person's desks."""
    if ctx.inbound.is_private:
        view = await desk_queue.queue(ctx.uow, ctx.person_id)
    else:
        view = await desk_queue.chat_queue(ctx.uow, ctx.inbound.chat_id, ctx.person_id)
    await ctx.reply(queue_reply(ctx.t, view))


async def show_approvals(ctx: Context) -> None:
    await ctx.reply(approvals_reply(ctx.t, await desk_queue.approvals(ctx.uow, ctx.person_id)))


@router.command("queue")
async def queue_command(ctx: Context) -> None:
    await show_queue(ctx)


@router.command("approvals")
async def approvals_command(ctx: Context) -> None:
    await show_approvals(ctx)


@router.button(Menu)
async def menu_item(ctx: Context, payload: Menu) -> bool:
    if payload.item is MenuItem.QUEUE:
        await show_queue(ctx)
    elif payload.item is MenuItem.APPROVALS:
        await show_approvals(ctx)
    else:
        return False
    return True


@router.button(QueueOpen)
async def open_from_queue(ctx: Context, payload: QueueOpen) -> None:
    """The order's card with the actions its state and the presser's roles allow; core checks
    that the presser works at the desk of the order's estate."""
    order = await dispatch.require_desk(ctx.uow, payload.order_id, ctx.person_id)
    actor = await dispatch.estate_actor(ctx.uow, ctx.person_id, order.estate_id)
    threshold = await jobs.fee_threshold(ctx.uow, order.estate_id)
    fee_waiting = bool(order.fee) and order.fee_collected_by is None and order.fee >= threshold
    assignee = await people.name_of(ctx.uow, order.assignee_id) if order.assignee_id else None
    may_collect = Role.SUPERVISOR in actor.roles
    await ctx.reply(
        opened_card(
            ctx.t, order, fee_waiting, may_collect, assignee, await special_on_card(ctx, order)
        )
    )


async def special_on_card(ctx: Context, order) -> SpecialOnCard:
    """The order's special event and what the reader may do about it (a supervisor or manager
    marks; a manager reports); core checks again on the press."""
    event = await special_events.of_order(ctx.uow, order.id)
    actor = await dispatch.estate_actor(ctx.uow, ctx.person_id, order.estate_id)
    reporter = None
    if event is not None and event.reported_by is not None:
        reporter = await people.name_of(ctx.uow, event.reported_by)
    return SpecialOnCard(
        event=event,
        now=ctx.uow.clock.now(),
        reporter=reporter,
        may_mark=await special_events.may_mark(ctx.uow, order, ctx.person_id),
        may_report=bool(actor.roles & special_events.REPORTING_ROLES),
    )


MARKED = N_(
    "Order {number} is marked as a special event: the manager's callback is due by {due}, and "
    "the managers are told."
)


@router.button(SpecialEventAct)
async def on_special_event(ctx: Context, payload: SpecialEventAct) -> None:
    """A supervisor or manager marks the order; a manager writes the report after the callback
    (a one-question dialog). Core checks the presser's roles in the order's estate each time."""
    if payload.op is SpecialOp.MARK:
        event = await special_events.mark(ctx.uow, payload.order_id, ctx.person_id)
        order = await dispatch.require_desk(ctx.uow, payload.order_id, ctx.person_id)
        await ctx.reply(ctx.t(MARKED, number=order.number, due=ctx.t.short_datetime(event.due_at)))
        return
    order = await special_events.require_reporter(ctx.uow, payload.order_id, ctx.person_id)
    await reasons.ask(ctx, Purpose.SPECIAL_REPORT, order.id, order.number)
