"""Orders: registration with a readable number, transitions through the life cycle, timelines.

Every change goes through `act`, which checks the state machine and leaves an immutable event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core import lifecycle, logcontext
from core.db import autocommit_side
from core.enums import OPEN_STATUSES, OrderKind, OrderStatus, Priority, Role
from core.errors import NotFound
from core.i18n import place
from core.lifecycle import Action, Actor
from core.models import (
    Building,
    Category,
    Estate,
    Order,
    OrderAttachment,
    OrderCounter,
    OrderEvent,
    Unit,
)
from core.news import OrderActed, Withdrawn
from core.services import feedback, incident_links
from core.timelimits import answer_within, deadline, due_after
from core.uow import UnitOfWork


@dataclass(frozen=True)
class Attachment:
    kind: str
    file_ref: str
    stage: str


@dataclass(frozen=True)
class OrderView:
    id: int
    number: str
    estate_id: int
    kind: OrderKind
    category_id: int | None
    category_hans: str | None
    category_hant: str | None
    unit_id: int | None
    unit_label: str | None
    place: str | None
    description: str
    window_start: datetime | None
    window_end: datetime | None
    priority: Priority
    status: OrderStatus
    reporter_id: int | None
    assignee_id: int | None
    created_at: datetime
    due_at: datetime | None
    attachments: tuple[Attachment, ...]
    wants_phone_callback: bool
    fee: Decimal | None
    team_id: int | None = None
    work_done: str | None = None
    materials: str | None = None
    fee_collected_by: int | None = None
    overdue_stage: int = 0
    escalated: bool = False
    currency: str = "CNY"  # the estate's: its fees are in it

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor_id: int | None
    action: str
    from_status: str | None
    to_status: str | None
    note: str | None


@dataclass(frozen=True)
class NewOrder:
    estate_id: int
    kind: OrderKind
    description: str
    reporter_id: int | None
    category_id: int | None = None
    unit_id: int | None = None
    place: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    priority: Priority = Priority.NORMAL
    wants_phone_callback: bool = False
    attachments: tuple[Attachment, ...] = ()


async def _next_number(uow: UnitOfWork, estate: Estate) -> str:
    """`BX-20261123-0007`: the estate's code, its local date, the day's sequence.

    One atomic upsert, so two orders registered at the same moment never share a number. On
    PostgreSQL it runs on a connection of its own in autocommit (core.db.autocommit_side): the
    counter row is locked for that one statement, not until the registration commits, so a
    registration never waits for another. A registration rolled back leaves a gap in the day's
    sequence; the numbers stay unique and readable. SQLite has one writer anyway: there the
    upsert is part of the registration's transaction, and there are no gaps.
    """
    day = uow.clock.now().astimezone(ZoneInfo(estate.timezone)).date()
    return _format_number(estate, day, await _bump_counter(uow.session, estate.id, day))


async def _bump_counter(session: AsyncSession, estate_id: int, day: date) -> int:
    side = autocommit_side(session.bind) if session.bind.dialect.name == "postgresql" else None
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = insert(OrderCounter).values(estate_id=estate_id, day=day, last=1)
    statement = statement.on_conflict_do_update(
        index_elements=[OrderCounter.estate_id, OrderCounter.day],
        set_={"last": OrderCounter.last + 1},
    ).returning(OrderCounter.last)
    if side is None:
        return (await session.execute(statement)).scalar_one()
    async with side.connect() as connection:
        return (await connection.execute(statement)).scalar_one()


def _format_number(estate: Estate, day: date, sequence: int) -> str:
    return f"{estate.code}-{day:%Y%m%d}-{sequence:04d}"


async def _load(uow: UnitOfWork, order_id: int) -> Order:
    order = await uow.session.scalar(
        select(Order).where(Order.id == order_id).options(selectinload(Order.attachments))
    )
    if order is None:
        raise NotFound()
    return order


async def _view(
    uow: UnitOfWork, order: Order, attachments: tuple[Attachment, ...] | None = None
) -> OrderView:
    """`attachments`: the order's files when the caller has them (a new order), else they are
    those loaded with the order (`_load`)."""
    labels = await _labels(uow, order.estate_id, order.category_id, order.unit_id)
    return _view_with(order, labels, attachments)


def _view_with(
    order: Order, labels: _Labels, attachments: tuple[Attachment, ...] | None = None
) -> OrderView:
    if attachments is None:
        attachments = tuple(Attachment(a.kind, a.file_ref, a.stage) for a in order.attachments)
    return OrderView(
        id=order.id,
        number=order.number,
        estate_id=order.estate_id,
        kind=OrderKind(order.kind),
        category_id=order.category_id,
        category_hans=labels.category_hans,
        category_hant=labels.category_hant,
        unit_id=order.unit_id,
        unit_label=labels.unit_label,
        place=order.place,
        description=order.description,
        window_start=order.window_start,
        window_end=order.window_end,
        priority=Priority(order.priority),
        status=OrderStatus(order.status),
        reporter_id=order.reporter_id,
        assignee_id=order.assignee_id,
        created_at=order.created_at,
        due_at=order.due_at,
        attachments=attachments,
        wants_phone_callback=order.wants_phone_callback,
        fee=order.fee,
        team_id=order.team_id,
        work_done=order.work_done,
        materials=order.materials,
        fee_collected_by=order.fee_collected_by,
        overdue_stage=order.overdue_stage or 0,
        escalated=order.escalated,
        currency=labels.currency,
    )


@dataclass(frozen=True)
class _Labels:
    category_hans: str | None = None
    category_hant: str | None = None
    unit_label: str | None = None
    currency: str = "CNY"


async def _labels(
    uow: UnitOfWork, estate_id: int, category_id: int | None, unit_id: int | None
) -> _Labels:
    """The category's names, the unit's "building number" label and the estate's currency, in
    one statement."""
    category = select(Category).where(Category.id == category_id)
    home = (
        select(Building.name + "\x1f" + Unit.number)
        .select_from(Unit)
        .join(Building, Building.id == Unit.building_id)
    )
    row = (
        await uow.session.execute(
            select(
                category.with_only_columns(Category.name_hans).scalar_subquery(),
                category.with_only_columns(Category.name_hant).scalar_subquery(),
                home.where(Unit.id == unit_id).scalar_subquery(),
                select(Estate.currency).where(Estate.id == estate_id).scalar_subquery(),
            )
        )
    ).one()
    hans, hant, home, currency = row
    label = None if home is None else place(*home.split("\x1f"))
    return _Labels(hans, hant, label, currency or "CNY")


def _record(
    uow: UnitOfWork,
    order: Order,
    action: Action | str,
    actor: Actor,
    from_status: str | None,
    note: str | None = None,
) -> None:
    logcontext.note_order(order.number)  # for the log lines that follow (ids only)
    uow.add(
        OrderEvent(
            order_id=order.id,
            at=uow.clock.now(),
            actor_id=actor.person_id,
            action=str(action),
            from_status=from_status,
            to_status=order.status,
            note=note,
        )
    )


async def _set_due(uow: UnitOfWork, order: Order) -> None:
    estate = await uow.session.get_one(Estate, order.estate_id)
    order.due_at = due_after(
        uow.clock.now(),
        order.status,
        order.priority,
        timezone=estate.timezone,
        region=estate.region,
        estate_settings=estate.settings,
    )
    order.overdue_stage = 0


async def register(uow: UnitOfWork, new: NewOrder, actor: Actor) -> OrderView:
    estate = await uow.session.get(Estate, new.estate_id)
    if estate is None:
        raise NotFound()
    now = uow.clock.now()
    order = Order(
        estate_id=estate.id,
        number=await _next_number(uow, estate),
        kind=new.kind,
        category_id=new.category_id,
        unit_id=new.unit_id,
        place=new.place,
        description=new.description,
        window_start=new.window_start,
        window_end=new.window_end,
        priority=new.priority,
        status=OrderStatus.REGISTERED,
        reporter_id=new.reporter_id,
        wants_phone_callback=new.wants_phone_callback,
        created_at=now,
        updated_at=now,
    )
    await _set_due(uow, order)
    uow.add(order)
    await uow.flush()
    for attachment in new.attachments:
        uow.add(
            OrderAttachment(
                order_id=order.id,
                kind=attachment.kind,
                file_ref=attachment.file_ref,
                stage=attachment.stage,
                added_by=actor.person_id,
                added_at=now,
            )
        )
    _record(uow, order, Action.REGISTER, actor, None)
    await uow.flush()
    if OrderKind(new.kind) is OrderKind.PRAISE:  # an opinion: the feedback library keeps it
        await feedback.record_feedback(
            uow, estate.id, feedback.Source.PRAISE, new.description, order=order.id
        )
    return await _view(uow, order, new.attachments)


async def promised_answer(uow: UnitOfWork, order: OrderView) -> datetime:
    """When the resident is promised, at registration, that a worker has the order: the
    dispatch and acceptance limits after registration, counted as the time-limit sweep counts
    them (a normal order in working hours, skipping the region's public holidays)."""
    estate = await uow.session.get_one(Estate, order.estate_id)
    return deadline(
        order.created_at,
        answer_within(order.priority, estate.settings),
        working_time=order.priority is Priority.NORMAL,
        timezone=estate.timezone,
        region=estate.region,
        estate_settings=estate.settings,
    )


async def act(
    uow: UnitOfWork,
    order_id: int,
    action: Action,
    actor: Actor,
    note: str | None = None,
    assignee_id: int | None = None,
) -> OrderView:
    """Moves an order through the life cycle, or raises a domain error saying why not."""
    order = await _load(uow, order_id)
    before = order.status
    order.status = lifecycle.next_status(
        OrderStatus(before), action, actor, order.reporter_id, order.assignee_id, order.kind
    )
    if action is Action.DISPATCH:
        order.assignee_id = assignee_id
    elif action in (Action.DECLINE, Action.CANNOT_FINISH, Action.REOPEN, Action.RETURN_TO_DESK):
        order.assignee_id = None
    order.updated_at = uow.clock.now()
    due_before = order.due_at
    if order.status != before:
        await _set_due(uow, order)
    if action is Action.ESCALATE:
        order.escalated = True
    _record(uow, order, action, actor, before, note)
    uow.announce(OrderActed(order.id, action, actor.person_id, note, before))
    if order.status != before:
        if action is Action.CANCEL:
            carried_a_job = order.incident_id is None
            heir = await incident_links.hand_over(uow, order, before, due_before)
            if carried_a_job:
                heir_id = heir.id if heir is not None else None
                uow.announce(Withdrawn(order.id, heir_id, order.assignee_id))
        else:
            await incident_links.follow_primary(uow, order, action, actor, before)
    await uow.flush()
    return await _view(uow, order)


async def add_attachment(
    uow: UnitOfWork, order_id: int, attachment: Attachment, actor: Actor
) -> None:
    order = await _load(uow, order_id)
    lifecycle.next_status(
        OrderStatus(order.status),
        Action.NOTE,
        actor,
        order.reporter_id,
        order.assignee_id,
        order.kind,
    )
    uow.add(
        OrderAttachment(
            order_id=order.id,
            kind=attachment.kind,
            file_ref=attachment.file_ref,
            stage=attachment.stage,
            added_by=actor.person_id,
            added_at=uow.clock.now(),
        )
    )
    _record(uow, order, Action.NOTE, actor, order.status, note=f"{attachment.kind}")


async def views_of(uow: UnitOfWork, order_ids: list[int]) -> list[OrderView]:
    """Several orders in the order given, in three statements whatever their number: the
    orders, their attachments, and the labels of their categories and units."""
    if not order_ids:
        return []
    rows = {
        row.id: row
        for row in await uow.session.scalars(
            select(Order).where(Order.id.in_(order_ids)).options(selectinload(Order.attachments))
        )
    }
    category_ids = {r.category_id for r in rows.values() if r.category_id is not None}
    unit_ids = {r.unit_id for r in rows.values() if r.unit_id is not None}
    categories = {
        c.id: (c.name_hans, c.name_hant)
        for c in await uow.session.scalars(select(Category).where(Category.id.in_(category_ids)))
    }
    rows_of_homes = await uow.session.execute(
        select(Unit.id, Building.name, Unit.number)
        .join(Building, Building.id == Unit.building_id)
        .where(Unit.id.in_(unit_ids))
    )
    homes: dict[int, str] = {row[0]: place(row[1], row[2]) for row in rows_of_homes}
    estate_ids = {r.estate_id for r in rows.values()}
    currencies = dict(
        (
            await uow.session.execute(
                select(Estate.id, Estate.currency).where(Estate.id.in_(estate_ids))
            )
        ).all()
    )
    views = []
    for order_id in order_ids:
        row = rows.get(order_id)
        if row is None:
            continue
        hans, hant = categories.get(row.category_id, (None, None))
        labels = _Labels(hans, hant, homes.get(row.unit_id), currencies.get(row.estate_id) or "CNY")
        views.append(_view_with(row, labels))
    return views


async def get(uow: UnitOfWork, order_id: int) -> OrderView:
    return await _view(uow, await _load(uow, order_id))


async def get_visible(
    uow: UnitOfWork, order_id: int, person_id: int | None, staff_estates: dict[int, set[Role]]
) -> OrderView:
    """An order as one person may see it; anyone else is told it does not exist."""
    order = await uow.session.get(Order, order_id)
    if order is None or person_id is None:
        raise NotFound()
    if person_id not in (order.reporter_id, order.assignee_id) and not staff_estates.get(
        order.estate_id
    ):
        raise NotFound()
    return await _view(uow, await _load(uow, order_id))


async def of_reporter(uow: UnitOfWork, person_id: int, limit: int = 10) -> list[OrderView]:
    rows = await uow.session.scalars(
        select(Order)
        .where(Order.reporter_id == person_id)
        .options(selectinload(Order.attachments))
        .order_by(Order.id.desc())
        .limit(limit)
    )
    return [await _view(uow, row) for row in rows]


async def timeline(uow: UnitOfWork, order_id: int) -> list[EventView]:
    rows = await uow.session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
    )
    return [EventView(r.at, r.actor_id, r.action, r.from_status, r.to_status, r.note) for r in rows]


async def _has_event(uow: UnitOfWork, order_id: int, action: Action) -> bool:
    found = await uow.session.scalar(
        select(OrderEvent.id)
        .where(OrderEvent.order_id == order_id, OrderEvent.action == str(action))
        .limit(1)
    )
    return found is not None


async def set_window(
    uow: UnitOfWork, order_id: int, start: datetime, end: datetime, actor: Actor, note: str | None
) -> OrderView:
    """Sets the appointment; moving one already set (or work under way) is a reschedule."""
    order = await _load(uow, order_id)
    first = order.status == OrderStatus.ACCEPTED and not await _has_event(
        uow, order_id, Action.APPOINT
    )
    action = Action.APPOINT if first else Action.RESCHEDULE
    view = await act(uow, order_id, action, actor, note)
    await uow.session.execute(
        update(Order).where(Order.id == order_id).values(window_start=start, window_end=end)
    )
    return view
