"""What a resident's cancellation means for whoever holds the job.

The worker it was given to is told they need not come. When it was the primary order of an
incident (several residents' reports of one public-area fault), the fault is still there for the
others: the job carries on as the report that took it over (core.services.incidents.hand_over),
and its holder gets it under that number: the worker with its buttons, the team's group as a job
to grab again, or the desk to dispatch.
"""

from __future__ import annotations

from bot.context import Context
from bot.desk import post_grab, send_job_card, to_desk
from bot.handlers.staff import work_buttons
from bot.notify import order_lines
from bot.replies import Reply
from core.enums import OrderStatus
from core.i18n import N_, Translator
from core.services import incidents
from core.services.orders import OrderView

CANCELLED_FOR_WORKER = N_("Order {number} was cancelled by the resident: you need not go.")
CARRIES_ON = N_(
    "Order {number} was withdrawn by its reporter, but others reported the same fault: the job "
    "carries on as order {heir}."
)
CARRIES_ON_DESK = N_("A withdrawn report's job carries on as this order; please dispatch:")


async def tell_the_job_holder(ctx: Context, cancelled: OrderView) -> None:
    """After `cancelled`, an order of its own or an incident's primary (a merged report
    withdrawn concerns nobody else: the primary carries the job), was cancelled."""
    heir = await incidents.successor(ctx.uow, cancelled.id)
    if heir is None:
        if cancelled.assignee_id is not None:
            await ctx.notify(
                cancelled.assignee_id,
                lambda t: Reply(t(CANCELLED_FOR_WORKER, number=cancelled.number)),
            )
        return
    if heir.assignee_id is not None and heir.status is OrderStatus.DISPATCHED:
        await ctx.notify(heir.assignee_id, lambda t: _carries_on(t, cancelled, heir))
        await send_job_card(ctx, heir)
    elif heir.assignee_id is not None:
        await ctx.notify(
            heir.assignee_id,
            lambda t: Reply(
                "\n".join([_carries_on(t, cancelled, heir).text, *order_lines(t, heir)]),
                buttons=work_buttons(t, heir),
            ),
        )
    elif heir.status is OrderStatus.DISPATCHED and heir.team_id is not None:
        await post_grab(ctx, heir, heir.team_id)
    else:
        await to_desk(ctx, heir, CARRIES_ON_DESK)


def _carries_on(t: Translator, cancelled: OrderView, heir: OrderView) -> Reply:
    return Reply(t(CARRIES_ON, number=cancelled.number, heir=heir.number))
