"""The service desks of an estate (DESIGN.md: control centre, customer-service desk).

A desk is a Telegram group registered with `/desk control` or `/desk service`, or, when none is
registered, the private chats of the estate's dispatchers. A new order goes to its first desk by
kind, or straight to a worker or the team's group when the estate dispatches automatically or by
grabbing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.notify import Sink, dispatched, order_lines, report_photos
from bot.payloads import Payload
from bot.replies import Button, Reply
from core.enums import Role
from core.i18n import N_, Translator
from core.services import directory, dispatch, incidents, jobs, people
from core.services.dispatch import DispatchMode
from core.services.orders import OrderView

DESK_ROLES = frozenset({Role.DISPATCHER})


@dataclass(frozen=True)
class DeskAct(Payload, prefix="dk"):
    order_id: int
    op: str  # pick: list workers; auto; grab; refuse


@dataclass(frozen=True)
class DeskPick(Payload, prefix="dp"):
    order_id: int
    worker_id: int


@dataclass(frozen=True)
class MergeInto(Payload, prefix="mi"):
    """Join this new public-area report to the incident of an open order (bot/handlers/desk.py)."""

    order_id: int
    primary_id: int


@dataclass(frozen=True)
class JobAct(Payload, prefix="jb"):
    """A worker's button on a job card; `op` is a JobOp of bot/handlers/staff.py."""

    order_id: int
    op: str


async def estate_translator(sink: Sink, estate_id: int) -> Translator:
    estate = await directory.get_estate_by_id(sink.uow, estate_id)
    return Translator(estate.default_locale, estate.timezone)


async def post_to_desk(
    ctx: Sink, estate_id: int, build: Callable[[Translator], Reply], desk: str | None = None
) -> int:
    """Sends a message to the estate's desk: its group if one is registered, else everyone at
    the desk in their own chats. Returns how many chats it reached."""
    if desk is not None:
        chat_id = await dispatch.desk_chat(ctx.uow, estate_id, desk)
        if chat_id is not None:
            await ctx.send_to_chat(chat_id, build(await estate_translator(ctx, estate_id)))
            return 1
    dispatchers = await people.holders(ctx.uow, estate_id, DESK_ROLES)
    if not dispatchers:
        dispatchers = await people.holders(ctx.uow, estate_id, {Role.SUPERVISOR, Role.MANAGER})
    for person_id in dispatchers:
        await ctx.notify(person_id, build)
    return len(dispatchers)


def desk_card(
    order: OrderView,
    headline: str,
    note: str | None = None,
    merge_into: list[incidents.MergeCandidate] | None = None,
):
    def build(t: Translator) -> Reply:
        lines = [t(headline), *order_lines(t, order)]
        if note:
            lines.append(t.gettext("Note: {note}", note=note))
        return Reply(
            "\n".join(lines),
            buttons=[
                [Button(t.gettext("Dispatch to a worker"), DeskAct(order.id, "pick"))],
                [
                    Button(t.gettext("Dispatch automatically"), DeskAct(order.id, "auto")),
                    Button(t.gettext("Post for grabbing"), DeskAct(order.id, "grab")),
                ],
                [Button(t.gettext("Not accepted for service"), DeskAct(order.id, "refuse"))],
                # Other open reports of the same kind of fault: one job for all of them.
                *[
                    [
                        Button(
                            t.gettext("Merge into {number}", number=c.number),
                            MergeInto(order.id, c.order_id),
                        )
                    ]
                    for c in merge_into or []
                ],
            ],
        )

    return build


async def to_desk(sink: Sink, order: OrderView, headline: str, note: str | None = None) -> None:
    merge_into = await incidents.merge_candidates(sink.uow, order.id)
    await post_to_desk(
        sink,
        order.estate_id,
        desk_card(order, headline, note, merge_into),
        dispatch.desk_for(order.kind),
    )


async def send_job_card(sink: Sink, order: OrderView) -> None:
    """The worker's card: what, where, when, the masked phone, Accept / Decline."""
    assert order.assignee_id is not None
    phone = await jobs.masked_reporter_phone(sink.uow, order)

    def build(t: Translator) -> Reply:
        lines = [t.gettext("New job for you:"), *order_lines(t, order, phone)]
        return Reply(
            "\n".join(lines),
            buttons=[
                [
                    Button(t.gettext("Accept"), JobAct(order.id, "accept")),
                    Button(t.gettext("Decline"), JobAct(order.id, "decline")),
                ]
            ],
            photos=report_photos(order)[:1],
        )

    await sink.notify(order.assignee_id, build)


async def post_grab(sink: Sink, order: OrderView, team_id: int) -> None:
    """The job in the team's group (or each team member's chat): first to tap Accept gets it."""

    def build(t: Translator) -> Reply:
        lines = [t.gettext("New job, first to accept takes it:"), *order_lines(t, order)]
        return Reply(
            "\n".join(lines), buttons=[[Button(t.gettext("Accept"), JobAct(order.id, "grab"))]]
        )

    chat_id = await dispatch.desk_chat(sink.uow, order.estate_id, dispatch.team_desk(team_id))
    if chat_id is not None:
        await sink.send_to_chat(chat_id, build(await estate_translator(sink, order.estate_id)))
        return
    for person_id in await dispatch.holders_of_team(sink.uow, team_id):
        await sink.notify(person_id, build)


async def dispatch_automatically(
    sink: Sink, order: OrderView, by: int | None, exclude: set[int] | None = None
) -> OrderView | None:
    """The rules pick a worker; None when nobody fits (the desk then decides)."""
    worker = await dispatch.auto_pick(sink.uow, order.id, exclude)
    if worker is None:
        return None
    order = await dispatch.dispatch(sink.uow, order.id, worker, by, "auto")
    await send_job_card(sink, order)
    await dispatched(sink, order)
    return order


async def route_order(
    sink: Sink, order: OrderView, headline: str, note: str | None = None, exclude=None
) -> None:
    """By the estate's mode for this kind: automatic, grab, or the desk assigns."""
    mode = await dispatch.mode_for(sink.uow, order.estate_id, order.kind)
    if mode is DispatchMode.AUTO and await dispatch_automatically(sink, order, None, exclude):
        return
    if mode is DispatchMode.GRAB:
        grabbed, team_id = await dispatch.post_for_grab(sink.uow, order.id, None)
        await post_grab(sink, grabbed, team_id)
        return
    await to_desk(sink, order, headline, note)


NEW_ORDER = N_("New order to dispatch:")


async def dispatch_new_order(ctx: Sink, order: OrderView) -> None:
    """Called once a resident's report is registered: the order goes on its way."""
    await route_order(ctx, order, NEW_ORDER)
