"""Completing a job: what was done, photos before and after, materials, the fee, confirm.

Below the estate's threshold the worker records taking the fee; at or above it the supervisors
are asked to record it. The resident is then asked to confirm or dispute.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot import notify
from bot.context import Context
from bot.events import Kind
from bot.handlers.desk import CollectFee
from bot.payloads import Payload
from bot.replies import Button, Reply
from bot.routing import Router
from core.enums import Role
from core.errors import InvalidInput
from core.i18n import N_
from core.services import jobs, people
from core.services.orders import OrderView

DIALOG = "complete"
router = Router("complete_job")


@dataclass(frozen=True)
class CompleteStep(Payload, prefix="cj"):
    nonce: int
    op: str  # next: photos done; skip: no materials; nofee; ok; cancel


ASK_WORK = N_("What did you do for order {number}? Please describe it in a few words.")
ASK_BEFORE = N_("Send photos from before the work, then tap Next.")
ASK_AFTER = N_("Send photos of the finished work, then tap Next.")
ASK_MATERIALS = N_("Which materials did you use? Write them, or tap None.")
ASK_FEE = N_("What fee did the resident pay (in yuan)? Write the amount, or tap No fee.")


async def start(ctx: Context, order: OrderView) -> None:
    ctx.start_dialog(DIALOG, "work", {"order_id": order.id, "number": order.number})
    ctx.remember(before=[], after=[])
    await ctx.reply(ctx._(ASK_WORK, number=order.number))


def _button(ctx: Context, label: str, op: str) -> Button:
    return Button(ctx._(label), CompleteStep(ctx.nonce, op))


@router.message(dialog=DIALOG)
async def on_message(ctx: Context) -> None:
    assert ctx.state is not None
    step = ctx.state.step
    inbound = ctx.inbound
    text = (inbound.text or "").strip()
    if step == "work" and inbound.kind is Kind.TEXT and text:
        ctx.remember(work=text[:1000])
        ctx.set_step("before")
        await ctx.reply(Reply(ctx._(ASK_BEFORE), buttons=[[_button(ctx, N_("Next"), "next")]]))
    elif step in ("before", "after") and inbound.kind is Kind.PHOTO and inbound.file_ref:
        photos = [*ctx.state.data.get(step, []), inbound.file_ref][:10]
        ctx.remember(**{step: photos})
        if not inbound.media_group_id or ctx.state.data.get("album") != inbound.media_group_id:
            ctx.remember(album=inbound.media_group_id)
            await ctx.reply(
                Reply(ctx._("Photo received."), buttons=[[_button(ctx, N_("Next"), "next")]])
            )
    elif step == "materials" and inbound.kind is Kind.TEXT and text:
        ctx.remember(materials=text[:500])
        await _ask_fee(ctx)
    elif step == "fee" and inbound.kind is Kind.TEXT and text:
        try:
            fee = jobs.parse_fee(text)
        except InvalidInput:
            await ctx.reply(ctx._("Please write the amount as a number, for example 80 or 80.50."))
            return
        ctx.remember(fee=str(fee))
        await _summary(ctx)
    else:
        await ctx.reply(ctx._("Please answer the question above, or /cancel."))


async def _ask_fee(ctx: Context) -> None:
    ctx.set_step("fee")
    await ctx.reply(Reply(ctx._(ASK_FEE), buttons=[[_button(ctx, N_("No fee"), "nofee")]]))


async def _summary(ctx: Context) -> None:
    assert ctx.state is not None
    data = ctx.state.data
    ctx.set_step("confirm")
    fee = Decimal(data["fee"]) if data.get("fee") else None
    lines = [
        ctx._("Please check the completion of order {number}:", number=data["number"]),
        ctx._("Work done: {work}", work=data["work"]),
        ctx._(
            "Photos: {before} before, {after} after",
            before=len(data["before"]),
            after=len(data["after"]),
        ),
        ctx._("Materials: {materials}", materials=data.get("materials") or "—"),
        ctx._("Fee: {fee}", fee=ctx.t.money(fee) if fee else ctx._(notify.FEE_NONE)),
    ]
    await ctx.reply(
        Reply(
            "\n".join(lines),
            buttons=[[_button(ctx, N_("Confirm"), "ok"), _button(ctx, N_("Cancel"), "cancel")]],
        )
    )


@router.button(CompleteStep)
async def on_step(ctx: Context, payload: CompleteStep) -> None:
    if not ctx.in_dialog(DIALOG) or payload.nonce != ctx.nonce:
        await ctx.reply(ctx._("This button belongs to an earlier message and no longer works."))
        return
    assert ctx.state is not None
    step, op = ctx.state.step, payload.op
    if step == "before" and op == "next":
        ctx.set_step("after")
        await ctx.reply(Reply(ctx._(ASK_AFTER), buttons=[[_button(ctx, N_("Next"), "next")]]))
    elif step == "after" and op == "next":
        ctx.set_step("materials")
        await ctx.reply(Reply(ctx._(ASK_MATERIALS), buttons=[[_button(ctx, N_("None"), "skip")]]))
    elif step == "materials" and op == "skip":
        await _ask_fee(ctx)
    elif step == "fee" and op == "nofee":
        ctx.remember(fee=None)
        await _summary(ctx)
    elif step == "confirm" and op == "cancel":
        ctx.end_dialog()
        await ctx.edit(ctx._("Not recorded. The job stays open."))
    elif step == "confirm" and op == "ok":
        await _finish(ctx)
    else:
        await ctx.reply(ctx._("Please answer the question above, or /cancel."))


async def _finish(ctx: Context) -> None:
    assert ctx.state is not None
    data = ctx.state.data
    report = jobs.CompletionReport(
        work_done=data["work"],
        materials=data.get("materials"),
        fee=Decimal(data["fee"]) if data.get("fee") else None,
        before=tuple(data["before"]),
        after=tuple(data["after"]),
    )
    order, needs_supervisor = await jobs.complete(
        ctx.uow, int(data["order_id"]), ctx.person_id, report
    )
    ctx.end_dialog()
    await notify.completed(ctx, order)
    if needs_supervisor:
        await _ask_supervisors(ctx, order)
        text = ctx._(
            "Completed. The fee {fee} is at or above the threshold: a supervisor will record it.",
            fee=ctx.t.money(order.fee),  # type: ignore[arg-type]
        )
    elif order.fee:
        text = ctx._(
            "Completed, and the fee {fee} is recorded as collected by you.",
            fee=ctx.t.money(order.fee),
        )
    else:
        text = ctx._("Completed. The resident is asked to confirm.")
    await ctx.edit(text)


async def _ask_supervisors(ctx: Context, order: OrderView) -> None:
    assert order.fee is not None
    fee = order.fee
    for person_id in await people.holders(ctx.uow, order.estate_id, {Role.SUPERVISOR}):
        await ctx.notify(
            person_id,
            lambda t: Reply(
                t(
                    "Order {number}: a fee of {fee} is waiting for you to collect and record.",
                    number=order.number,
                    fee=t.money(fee),
                ),
                buttons=[[Button(t.gettext("Record the fee as collected"), CollectFee(order.id))]],
            ),
        )
