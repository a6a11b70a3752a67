"""A bound resident's own orders: the list, one order's timeline, a note or photo, cancelling."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.conversation.context import Context
from bot.conversation.events import MEDIA_KINDS, Kind
from bot.conversation.payloads import Payload
from bot.conversation.replies import Button, Reply
from bot.conversation.routing import Router
from bot.views import notices as notice_views
from bot.views.cards import fact_lines, facts_of
from bot.views.labels import ACTION_LABELS, KIND_LABELS, STAFF_ONLY_ACTIONS, STATUS_LABELS
from bot.views.menus import Menu, MenuItem, main_menu
from bot.views.notices import GreetingsSwitch, Switch
from core.enums import OrderStatus, Role
from core.errors import NotFound
from core.i18n import N_
from core.lifecycle import Action
from core.services import notices, orders
from core.services.notices import NoticeKind
from core.services.orders import Attachment, OrderView

router = Router("resident", roles=[Role.RESIDENT])


class OrderOp(StrEnum):
    SHOW = "s"
    CANCEL = "c"
    CANCEL_SURE = "y"
    NOTE = "n"


NOTE_DIALOG = "order_note"
MAX_NOTE = 1000
CANCELLABLE = (OrderStatus.REGISTERED, OrderStatus.DISPATCHED, OrderStatus.ACCEPTED)


@dataclass(frozen=True)
class MyOrder(Payload, prefix="mo"):
    order_id: int
    op: OrderOp


@router.command("orders")
async def orders_command(ctx: Context) -> None:
    await ctx.reply(await my_orders(ctx))


@router.button(Menu)
async def menu_item(ctx: Context, payload: Menu) -> bool:
    if payload.item is MenuItem.NOTICES:
        await ctx.reply(await my_notices(ctx))
        return True
    if payload.item is not MenuItem.MY_ORDERS:
        return False
    await ctx.reply(await my_orders(ctx))
    return True


async def my_notices(ctx: Context) -> Reply:
    """The notices for the resident's homes that still hold; the urgent ones count as seen."""
    found = await notices.for_resident(ctx.uow, ctx.person_id)
    for notice in found[: notice_views.MAX_LISTED]:
        if notice.kind is NoticeKind.URGENT:
            await notices.mark_seen(ctx.uow, notice.id, ctx.identity.id)
    off = await notices.greetings_off(ctx.uow, ctx.identity.id)
    return notice_views.notice_list(ctx.t, found, off)


@router.button(GreetingsSwitch)
async def on_greetings_switch(ctx: Context, payload: GreetingsSwitch) -> None:
    await notices.set_greetings_off(ctx.uow, ctx.identity.id, payload.to is Switch.OFF)
    await ctx.edit(await my_notices(ctx))


async def my_orders(ctx: Context) -> Reply:
    assert ctx.person_id is not None
    found = await orders.of_reporter(ctx.uow, ctx.person_id, limit=10)
    if not found:
        return main_menu(ctx, ctx.t("You have no orders yet."))
    lines = [ctx.t("Your orders (newest first):")]
    buttons = []
    for order in found:
        status = ctx.t(STATUS_LABELS[order.status])
        lines.append(f"{order.number} · {ctx.t(KIND_LABELS[order.kind])} · {status}")
        buttons.append([Button(order.number, MyOrder(order.id, OrderOp.SHOW))])
    return Reply("\n".join(lines), buttons=buttons)


@router.button(MyOrder)
async def on_my_order(ctx: Context, payload: MyOrder) -> None:
    # Authority: only the reporter's own order is found; any other id reads as "not found".
    order = await orders.get_visible(ctx.uow, payload.order_id, ctx.person_id, {})
    if order.reporter_id != ctx.person_id:  # the worker side has its own cards
        raise NotFound()
    if ctx.in_dialog(NOTE_DIALOG):
        ctx.end_dialog()
    if payload.op is OrderOp.SHOW:
        await ctx.reply(await order_card(ctx, order))
    elif payload.op is OrderOp.CANCEL:
        await ctx.reply(
            Reply(
                ctx.t("Cancel order {number}? This cannot be undone.", number=order.number),
                buttons=[
                    [
                        Button(ctx.t("Yes, cancel it"), MyOrder(order.id, OrderOp.CANCEL_SURE)),
                        Button(ctx.t("No, keep it"), MyOrder(order.id, OrderOp.SHOW)),
                    ]
                ],
            )
        )
    elif payload.op is OrderOp.CANCEL_SURE:
        order = await orders.act(ctx.uow, order.id, Action.CANCEL, ctx.actor)
        await ctx.edit(ctx.t("Order {number} is cancelled.", number=order.number))
    elif payload.op is OrderOp.NOTE:
        if not order.is_open:
            await ctx.reply(await order_card(ctx, order))
            return
        ctx.start_dialog(NOTE_DIALOG, "note", {"order_id": order.id})
        await ctx.reply(ctx.t(ASK_NOTE, number=order.number))


ASK_NOTE = N_(
    "What would you like to add to order {number}? Send a message, a photo, a voice note or a "
    "document. /cancel leaves without adding anything."
)


@router.message(dialog=NOTE_DIALOG)
async def on_note(ctx: Context) -> None:
    """A note or file for an open order; the order is re-checked as the reporter's own."""
    assert ctx.state is not None
    inbound = ctx.inbound
    order = await orders.get_visible(ctx.uow, ctx.state.data["order_id"], ctx.person_id, {})
    if inbound.kind is Kind.TEXT and inbound.text:
        text = inbound.text.strip()
        if len(text) > MAX_NOTE:
            await ctx.reply(ctx.t(NOTE_TOO_LONG, limit=MAX_NOTE, length=len(text)))
            return
        await orders.act(ctx.uow, order.id, Action.NOTE, ctx.actor, note=text)
    elif inbound.kind in MEDIA_KINDS and inbound.file_ref:
        attachment = Attachment(inbound.kind.value, inbound.file_ref, "note")
        await orders.add_attachment(ctx.uow, order.id, attachment, ctx.actor)
        if inbound.text:
            await orders.act(
                ctx.uow, order.id, Action.NOTE, ctx.actor, note=inbound.text[:MAX_NOTE]
            )
    else:
        await ctx.reply(ctx.t(ASK_NOTE, number=order.number))
        return
    if inbound.media_group_id and ctx.state.data.get("album") == inbound.media_group_id:
        return  # one acknowledgement per album; the dialog stays open for the rest of it
    ctx.remember(album=inbound.media_group_id)
    await ctx.reply(
        Reply(
            ctx.t("Added to order {number}. Send more, or tap Done.", number=order.number),
            buttons=[[Button(ctx.t("Done"), MyOrder(order.id, OrderOp.SHOW))]],
        )
    )


NOTE_TOO_LONG = N_(
    "Your message has {length} characters; please keep a note under {limit} and send it again."
)


async def order_card(ctx: Context, order: OrderView) -> Reply:
    lines = fact_lines(ctx.t, facts_of(order, for_resident=True))
    lines.append("")
    lines.append(ctx.t("Timeline:"))
    for event in await orders.timeline(ctx.uow, order.id):
        if _action(event.action) in STAFF_ONLY_ACTIONS:
            continue
        label = ACTION_LABELS.get(_action(event.action), N_("Update"))
        line = f"{ctx.t.short_datetime(event.at)}  {ctx.t(label)}"
        # The resident's own notes are shown back; staff notes stay with the staff.
        if event.note and event.actor_id == ctx.person_id and event.action == Action.NOTE:
            line += f": {event.note[:100]}"
        lines.append(line)
    buttons = []
    if order.is_open:
        buttons.append([Button(ctx.t("Add a note or photo"), MyOrder(order.id, OrderOp.NOTE))])
    if order.status in CANCELLABLE:
        buttons.append([Button(ctx.t("Cancel this order"), MyOrder(order.id, OrderOp.CANCEL))])
    buttons.append([Button(ctx.t("Back to my orders"), Menu(MenuItem.MY_ORDERS))])
    return Reply("\n".join(lines), buttons=buttons)


def _action(value: str) -> Action | None:
    try:
        return Action(value)
    except ValueError:  # an event recorded by a newer version of the bot
        return None
