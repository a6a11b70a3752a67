"""The desk: dispatching (assign, automatic, grab), refusing with a reason, desk groups, fees.

Anyone may press a desk button in a desk group; core checks on every press that the person works
at the desk of the order's estate, so a resident or a worker pressing one is politely refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Context
from bot.desk import (
    DeskAct,
    DeskPick,
    MergeInto,
    dispatch_automatically,
    post_grab,
    send_job_card,
)
from bot.events import Kind
from bot.notify import dispatched, merged, refused
from bot.payloads import Payload
from bot.replies import Button, Reply
from bot.routing import Router
from core.i18n import N_
from core.services import dispatch, incidents, jobs, people

router = Router("desk")

REASON_DIALOG = "reason"  # shared with the worker's reasons (bot/handlers/staff.py)


@dataclass(frozen=True)
class CollectFee(Payload, prefix="cf"):
    order_id: int


DESK_USAGE = N_(
    "Send this in a group: /desk control (control centre: repairs), /desk service (customer "
    "service: everything else) or /desk team <team name> (the team's group for grab jobs)."
)


@router.command("desk")
async def register_desk(ctx: Context) -> None:
    what, _, team = (ctx.inbound.args or "").partition(" ")
    if ctx.inbound.is_private or what not in ("control", "service", "team"):
        await ctx.reply(ctx._(DESK_USAGE))
        return
    estate, _ = await dispatch.register_desk_chat(
        ctx.uow, ctx.inbound.chat_id, what, ctx.person_id, team or None
    )
    await ctx.reply(ctx._("This group is now a desk of {estate}.", estate=estate))


def _worker_label(ctx: Context, c: dispatch.Candidate) -> str:
    duty = ctx._("on duty") if c.on_duty else ctx._("off duty")
    parts = [c.name or "—", duty, ctx._("{n} open", n=c.open_jobs)]
    if c.skills:
        parts.append("/".join(c.skills))
    if c.buildings:
        parts.append(",".join(c.buildings))
    return " · ".join(parts)


@router.button(DeskAct)
async def on_desk_act(ctx: Context, payload: DeskAct) -> None:
    order = await dispatch.require_desk(ctx.uow, payload.order_id, ctx.person_id)
    if payload.op == "pick":
        offered = [c for c in await dispatch.candidates(ctx.uow, order.id) if c.on_duty]
        if not offered:
            await ctx.reply(ctx._("Nobody who could do this job is on duty now."))
            return
        buttons = [
            [Button(_worker_label(ctx, c), DeskPick(order.id, c.person_id))] for c in offered
        ]
        await ctx.reply(
            Reply(ctx._("Who should do order {number}?", number=order.number), buttons=buttons)
        )
    elif payload.op == "auto":
        done = await dispatch_automatically(ctx, order, ctx.person_id)
        if done is None:
            await ctx.reply(ctx._("Nobody who could do this job is on duty now."))
            return
        await _dispatched_note(ctx, done)
    elif payload.op == "grab":
        grabbed, team_id = await dispatch.post_for_grab(ctx.uow, order.id, ctx.person_id)
        await post_grab(ctx, grabbed, team_id)
        await ctx.edit(ctx._("Order {number} is posted for grabbing.", number=order.number))
    elif payload.op == "refuse":
        ctx.start_dialog(REASON_DIALOG, "refuse", {"order_id": order.id})
        await ctx.reply(
            ctx._(
                "Why can we not take order {number}? Please write the reason politely; the "
                "resident will read it.",
                number=order.number,
            )
        )


async def _dispatched_note(ctx: Context, order) -> None:
    name = await people.name_of(ctx.uow, order.assignee_id) if order.assignee_id else None
    await ctx.edit(
        ctx._("Order {number} dispatched to {worker}.", number=order.number, worker=name or "—")
    )


@router.button(DeskPick)
async def on_pick(ctx: Context, payload: DeskPick) -> None:
    await dispatch.require_desk(ctx.uow, payload.order_id, ctx.person_id)
    order = await dispatch.dispatch(ctx.uow, payload.order_id, payload.worker_id, ctx.person_id)
    await send_job_card(ctx, order)
    await dispatched(ctx, order)
    await _dispatched_note(ctx, order)


@router.button(MergeInto)
async def on_merge(ctx: Context, payload: MergeInto) -> None:
    """Core checks the presser's desk roles and that both orders can still be merged; a forged
    or stale press ends in a polite refusal from the pipeline."""
    done = await incidents.merge_into_incident(
        ctx.uow, payload.order_id, payload.primary_id, ctx.person_id
    )
    await ctx.edit(
        ctx._(
            "Order {number} was merged into order {primary}: one job for both; the reporter will "
            "be told of every step.",
            number=done.merged.number,
            primary=done.primary.number,
        )
    )
    await merged(ctx, done.merged, done.primary)


async def refuse_with_reason(ctx: Context, order_id: int, reason: str) -> None:
    order = await dispatch.refuse(ctx.uow, order_id, ctx.person_id, reason)
    await refused(ctx, order, reason)
    await ctx.reply(ctx._("Order {number} is marked as not accepted.", number=order.number))


@router.button(CollectFee)
async def on_collect_fee(ctx: Context, payload: CollectFee) -> None:
    order = await jobs.collect_fee(ctx.uow, payload.order_id, ctx.person_id)
    assert order.fee is not None
    await ctx.edit(
        ctx._(
            "Fee {fee} for order {number} recorded as collected.",
            fee=ctx.t.money(order.fee),
            number=order.number,
        )
    )
    if order.assignee_id is not None:
        fee = order.fee
        await ctx.notify(
            order.assignee_id,
            lambda t: Reply(
                t(
                    "The supervisor recorded the fee {fee} for order {number}.",
                    fee=t.money(fee),
                    number=order.number,
                )
            ),
        )


def is_text(ctx: Context) -> bool:
    return ctx.inbound.kind is Kind.TEXT and bool((ctx.inbound.text or "").strip())
