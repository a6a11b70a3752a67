"""A bound resident's own orders: the list, one order's timeline, a note or photo, cancelling."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.context import Context
from bot.labels import ACTION_LABELS, KIND_LABELS, STATUS_LABELS
from bot.menus import Menu, MenuItem, main_menu
from bot.payloads import Payload
from bot.replies import Button, Reply
from bot.routing import Router
from core.enums import OrderStatus, Role
from core.i18n import N_
from core.lifecycle import Action
from core.services import orders
from core.services.orders import OrderView

router = Router("resident", roles=[Role.RESIDENT])


class OrderOp(StrEnum):
    SHOW = "s"
    CANCEL = "c"
    CANCEL_SURE = "y"


@dataclass(frozen=True)
class MyOrder(Payload, prefix="mo"):
    order_id: int
    op: OrderOp


@router.command("orders")
async def orders_command(ctx: Context) -> None:
    await ctx.reply(await my_orders(ctx))


@router.button(Menu)
async def menu_item(ctx: Context, payload: Menu) -> bool:
    if payload.item is not MenuItem.MY_ORDERS:
        return False
    await ctx.reply(await my_orders(ctx))
    return True


async def my_orders(ctx: Context) -> Reply:
    assert ctx.person_id is not None
    found = await orders.of_reporter(ctx.uow, ctx.person_id, limit=10)
    if not found:
        return main_menu(ctx, ctx._("You have no orders yet."))
    lines = [ctx._("Your orders (newest first):")]
    buttons = []
    for order in found:
        status = ctx._(STATUS_LABELS[order.status])
        lines.append(f"{order.number} · {ctx._(KIND_LABELS[order.kind])} · {status}")
        buttons.append([Button(order.number, MyOrder(order.id, OrderOp.SHOW))])
    return Reply("\n".join(lines), buttons=buttons)


@router.button(MyOrder)
async def on_my_order(ctx: Context, payload: MyOrder) -> None:
    # Authority: only the reporter's own order is found; any other id reads as "not found".
    order = await orders.get_visible(ctx.uow, payload.order_id, ctx.person_id, {})
    if payload.op is OrderOp.SHOW:
        await ctx.reply(await order_card(ctx, order))
    elif payload.op is OrderOp.CANCEL:
        await ctx.reply(
            Reply(
                ctx._("Cancel order {number}? This cannot be undone.", number=order.number),
                buttons=[
                    [
                        Button(ctx._("Yes, cancel it"), MyOrder(order.id, OrderOp.CANCEL_SURE)),
                        Button(ctx._("No, keep it"), MyOrder(order.id, OrderOp.SHOW)),
                    ]
                ],
            )
        )
    elif payload.op is OrderOp.CANCEL_SURE:
        order = await orders.act(ctx.uow, order.id, Action.CANCEL, ctx.actor)
        await ctx.edit(ctx._("Order {number} is cancelled.", number=order.number))


async def order_card(ctx: Context, order: OrderView) -> Reply:
    lines = [
        ctx._("Order {number}", number=order.number),
        ctx._("Type: {kind}", kind=ctx._(KIND_LABELS[order.kind])),
        ctx._("Status: {status}", status=ctx._(STATUS_LABELS[order.status])),
        ctx._("Description: {text}", text=order.description),
    ]
    if order.window_start and order.window_end:
        lines.append(
            ctx._(
                "Preferred time: {start} to {end}",
                start=ctx.t.short_datetime(order.window_start),
                end=ctx.t.time(order.window_end),
            )
        )
    lines.append("")
    lines.append(ctx._("Timeline:"))
    for event in await orders.timeline(ctx.uow, order.id):
        label = ACTION_LABELS.get(Action(event.action), N_("Update"))
        lines.append(f"{ctx.t.short_datetime(event.at)}  {ctx._(label)}")
    buttons = []
    if order.status in (OrderStatus.REGISTERED, OrderStatus.DISPATCHED, OrderStatus.ACCEPTED):
        buttons.append([Button(ctx._("Cancel this order"), MyOrder(order.id, OrderOp.CANCEL))])
    buttons.append([Button(ctx._("Back to my orders"), Menu(MenuItem.MY_ORDERS))])
    return Reply("\n".join(lines), buttons=buttons)
