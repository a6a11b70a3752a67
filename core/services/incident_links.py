"""How an incident's orders move together (core/services/incidents.py says what an incident
is): the merged reports mirror their primary's status changes, and a primary withdrawn by its
reporter hands its job over to the oldest report still open.

`orders.act` calls both after every act, so this module builds on the models alone: incidents
builds on orders, and orders on this.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.enums import FINAL_STATUSES
from core.lifecycle import Action, Actor
from core.models import Order, OrderEvent
from core.uow import UnitOfWork


async def follow_primary(
    uow: UnitOfWork, primary: Order, action: Action, actor: Actor, before: str
) -> None:
    """Called by `orders.act` after every act: the primary's status changes are mirrored onto
    its merged orders still in progress, each with an event naming the primary."""
    if primary.status == before or primary.incident_id is not None:
        return
    merged = list(
        await uow.session.scalars(
            select(Order).where(
                Order.incident_id == primary.id,
                Order.status.notin_([str(s) for s in FINAL_STATUSES]),
            )
        )
    )
    now = uow.clock.now()
    for order in merged:
        was = order.status
        order.status = primary.status
        order.updated_at = now
        uow.add(
            OrderEvent(
                order_id=order.id,
                at=now,
                actor_id=actor.person_id,
                action=str(action),
                from_status=was,
                to_status=order.status,
                note=primary.number,
            )
        )


async def hand_over(
    uow: UnitOfWork, withdrawn: Order, before: str, due_before: datetime | None
) -> Order | None:
    """Called by `orders.act` when an order is cancelled. Its reporter withdrawing their own
    report does not end the fault the others reported: when it was an incident's primary, the
    oldest report still open takes the job over as it stood (the worker, the team, the
    appointment, the time limit, the status), and the others, the withdrawn one included, follow
    it from now on. A merged report withdrawn on its own just leaves the incident."""
    if withdrawn.incident_id is not None:
        return None
    open_reports = list(
        await uow.session.scalars(
            select(Order)
            .where(
                Order.incident_id == withdrawn.id,
                Order.status.notin_([str(s) for s in FINAL_STATUSES]),
            )
            .order_by(Order.id)
        )
    )
    if not open_reports:
        return None
    heir, *others = open_reports
    heir.incident_id = None
    heir.status = before
    heir.assignee_id, heir.team_id = withdrawn.assignee_id, withdrawn.team_id
    if withdrawn.window_start is not None:
        heir.window_start, heir.window_end = withdrawn.window_start, withdrawn.window_end
    heir.due_at = due_before
    heir.overdue_stage, heir.escalated = withdrawn.overdue_stage, withdrawn.escalated
    heir.updated_at = uow.clock.now()
    for follower in others:
        follower.incident_id = heir.id
    withdrawn.incident_id = heir.id
    uow.add(
        OrderEvent(
            order_id=heir.id,
            at=uow.clock.now(),
            actor_id=None,
            action=str(Action.TAKE_OVER),
            from_status=heir.status,
            to_status=heir.status,
            note=withdrawn.number,
        )
    )
    return heir
