"""Completing a job: what was done, photos before and after, materials, the fee, confirm.

Below the estate's threshold the worker records taking the fee; at or above it the supervisors
are asked to record it. The resident is then asked to confirm or dispute.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bot.conversation.context import Context
from bot.conversation.events import Kind
from bot.conversation.payloads import InvalidPayload, Payload
from bot.conversation.replies import Button, Reply
from bot.conversation.routing import Router
from bot.views.cards import FEE_NONE
from bot.views.labels import CURRENCY_LABELS
from core.errors import InvalidInput
from core.i18n import N_
from core.services import jobs
from core.services.orders import OrderView

DIALOG = "complete"
router = Router("complete_job")


class StepOp(StrEnum):
    NEXT = "next"  # the photos are done
    SKIP = "skip"  # no materials
    NO_FEE = "nofee"
    CONFIRM = "ok"
    CANCEL = "cancel"


@dataclass(frozen=True)
class CompleteStep(Payload, prefix="cj"):
    nonce: int
    op: StepOp


ASK_WORK = N_("What did you do for order {number}? Please describe it in a few words.")
ASK_BEFORE = N_("Send photos from before the work, then tap Next.")
ASK_AFTER = N_("Send photos of the finished work, then tap Next.")
ASK_AFTER_OR_WHY = N_(
    "Please send at least one photo of the finished work. If none could be taken, write why."
)
ASK_MATERIALS = N_("Which materials did you use? Write them, or tap None.")
ASK_FEE = N_("What fee did the resident pay (in {currency})? Write the amount, or tap No fee.")


async def start(ctx: Context, order: OrderView) -> None:
    ctx.start_dialog(
        DIALOG, "work", {"order_id": order.id, "number": order.number, "currency": order.currency}
    )
    ctx.remember(before=[], after=[])
    await ctx.reply(ctx.t(ASK_WORK, number=order.number))


def _button(ctx: Context, label: str, op: StepOp) -> Button:
    return Button(ctx.t(label), CompleteStep(ctx.nonce, op))


@router.message(dialog=DIALOG)
async def on_message(ctx: Context) -> None:
    assert ctx.state is not None
    step = ctx.state.step
    inbound = ctx.inbound
    text = (inbound.text or "").strip()
    if step == "work" and inbound.kind is Kind.TEXT and text:
        ctx.remember(work=text[:1000])
        ctx.set_step("before")
        await ctx.reply(Reply(ctx.t(ASK_BEFORE), buttons=[[_button(ctx, N_("Next"), StepOp.NEXT)]]))
    elif step == "after_or_why" and inbound.kind is Kind.TEXT and text:
        ctx.remember(no_photo_reason=text[:500])
        await _ask_materials(ctx)
    elif step == "after_or_why" and inbound.kind is Kind.PHOTO and inbound.file_ref:
        ctx.set_step("after")
        ctx.remember(after=[inbound.file_ref])
        await ctx.reply(
            Reply(ctx.t("Photo received."), buttons=[[_button(ctx, N_("Next"), StepOp.NEXT)]])
        )
    elif step in ("before", "after") and inbound.kind is Kind.PHOTO and inbound.file_ref:
        photos = [*ctx.state.data.get(step, []), inbound.file_ref][:10]
        ctx.remember(**{step: photos})
        if not inbound.media_group_id or ctx.state.data.get("album") != inbound.media_group_id:
            ctx.remember(album=inbound.media_group_id)
            await ctx.reply(
                Reply(ctx.t("Photo received."), buttons=[[_button(ctx, N_("Next"), StepOp.NEXT)]])
            )
    elif step == "materials" and inbound.kind is Kind.TEXT and text:
        ctx.remember(materials=text[:500])
        await _ask_fee(ctx)
    elif step == "fee" and inbound.kind is Kind.TEXT and text:
        try:
            fee = jobs.parse_fee(text)
        except InvalidInput:
            await ctx.reply(ctx.t("Please write the amount as a number, for example 80 or 80.50."))
            return
        ctx.remember(fee=str(fee))
        await _summary(ctx)
    else:
        await ctx.reply(ctx.t("Please answer the question above, or /cancel."))


async def _ask_materials(ctx: Context) -> None:
    ctx.set_step("materials")
    await ctx.reply(Reply(ctx.t(ASK_MATERIALS), buttons=[[_button(ctx, N_("None"), StepOp.SKIP)]]))


async def _ask_fee(ctx: Context) -> None:
    ctx.set_step("fee")
    assert ctx.state is not None
    currency = CURRENCY_LABELS.get(ctx.state.data.get("currency", "CNY"), CURRENCY_LABELS["CNY"])
    await ctx.reply(
        Reply(
            ctx.t(ASK_FEE, currency=ctx.t(currency)),
            buttons=[[_button(ctx, N_("No fee"), StepOp.NO_FEE)]],
        )
    )


async def _summary(ctx: Context) -> None:
    assert ctx.state is not None
    data = ctx.state.data
    ctx.set_step("confirm")
    fee = Decimal(data["fee"]) if data.get("fee") else None
    lines = [
        ctx.t("Please check the completion of order {number}:", number=data["number"]),
        ctx.t("Work done: {work}", work=data["work"]),
        ctx.t(
            "Photos: {before} before, {after} after",
            before=len(data["before"]),
            after=len(data["after"]),
        ),
        ctx.t("Materials: {materials}", materials=data.get("materials") or "—"),
        ctx.t(
            "Fee: {fee}",
            fee=ctx.t.money(fee, data.get("currency", "CNY")) if fee else ctx.t(FEE_NONE),
        ),
    ]
    await ctx.reply(
        Reply(
            "\n".join(lines),
            buttons=[
                [
                    _button(ctx, N_("Confirm"), StepOp.CONFIRM),
                    _button(ctx, N_("Cancel"), StepOp.CANCEL),
                ]
            ],
        )
    )


@router.button(CompleteStep)
async def on_step(ctx: Context, payload: CompleteStep) -> None:
    if not ctx.in_dialog(DIALOG) or payload.nonce != ctx.nonce:
        raise InvalidPayload("an earlier completion's button")
    assert ctx.state is not None
    step, op = ctx.state.step, payload.op
    if step == "before" and op is StepOp.NEXT:
        ctx.set_step("after")
        await ctx.reply(Reply(ctx.t(ASK_AFTER), buttons=[[_button(ctx, N_("Next"), StepOp.NEXT)]]))
    elif step == "after" and op is StepOp.NEXT:
        data = ctx.state.data
        if not data.get("after") and await jobs.after_photo_required(ctx.uow, data["order_id"]):
            ctx.set_step("after_or_why")
            await ctx.reply(ctx.t(ASK_AFTER_OR_WHY))
            return
        await _ask_materials(ctx)
    elif step == "materials" and op is StepOp.SKIP:
        await _ask_fee(ctx)
    elif step == "fee" and op is StepOp.NO_FEE:
        ctx.remember(fee=None)
        await _summary(ctx)
    elif step == "confirm" and op is StepOp.CANCEL:
        ctx.end_dialog()
        await ctx.edit(ctx.t("Not recorded. The job stays open."))
    elif step == "confirm" and op is StepOp.CONFIRM:
        await _finish(ctx)
    else:
        await ctx.reply(ctx.t("Please answer the question above, or /cancel."))


async def _finish(ctx: Context) -> None:
    assert ctx.state is not None
    data = ctx.state.data
    report = jobs.CompletionReport(
        work_done=data["work"],
        materials=data.get("materials"),
        fee=Decimal(data["fee"]) if data.get("fee") else None,
        before=tuple(data["before"]),
        after=tuple(data["after"]),
        no_photo_reason=data.get("no_photo_reason"),
    )
    order, needs_supervisor = await jobs.complete(
        ctx.uow, int(data["order_id"]), ctx.person_id, report
    )
    ctx.end_dialog()
    if needs_supervisor:
        text = ctx.t(
            "Completed. The fee {fee} is at or above the threshold: a supervisor will record it.",
            fee=ctx.t.money(order.fee, order.currency),  # type: ignore[arg-type]
        )
    elif order.fee:
        text = ctx.t(
            "Completed, and the fee {fee} is recorded as collected by you.",
            fee=ctx.t.money(order.fee, order.currency),
        )
    else:
        text = ctx.t("Completed. The resident is asked to confirm.")
    await ctx.edit(text)
