"""The feedback library in chat, for the supervisors and managers of an estate: /feedback or the
menu's Feedback; a page of comments newest first, narrowed by buttons (period, category, team,
worker), paged in place, a spoken comment sent again on request. Every press checks in core that
the presser still reads that estate's feedback."""

from __future__ import annotations

from datetime import timedelta

from bot.conversation.context import Context
from bot.conversation.replies import Reply
from bot.conversation.routing import Router
from bot.views.buttons import FeedbackChoose, FeedbackListen, FeedbackPage, Narrow, Period
from bot.views.feedback_views import (
    LISTENED,
    PERIOD_DAYS,
    choose_reply,
    option_name,
    page_reply,
)
from bot.views.menus import Menu, MenuItem
from core.errors import PermissionDenied
from core.services import feedback
from core.services.callbacks import clock_length
from core.services.feedback import Dimension, Filter

router = Router("feedback")

DIMENSIONS = {
    Narrow.CATEGORY: Dimension.CATEGORY,
    Narrow.TEAM: Dimension.TEAM,
    Narrow.WORKER: Dimension.WORKER,
}


def _filter(ctx: Context, estate_id: int, period: Period, narrow: Narrow, ref: int) -> Filter:
    since = ctx.uow.clock.now() - timedelta(days=PERIOD_DAYS[period])
    if narrow is Narrow.CATEGORY:
        return Filter(estate_id, since=since, category_id=ref)
    if narrow is Narrow.TEAM:
        return Filter(estate_id, since=since, team_id=ref)
    if narrow is Narrow.WORKER:
        return Filter(estate_id, since=since, worker_id=ref)
    return Filter(estate_id, since=since)


async def _page(ctx: Context, at: FeedbackPage) -> Reply:
    estate = await feedback.require_reader(ctx.uow, ctx.person_id, at.estate_id)
    estates = await feedback.reader_estates(ctx.uow, ctx.person_id)
    chosen = _filter(ctx, at.estate_id, at.period, at.narrow, at.ref)
    page = await feedback.search(ctx.uow, chosen, offset=at.offset)
    narrowed_to = None
    if at.narrow is not Narrow.NONE:
        options = await feedback.options(ctx.uow, chosen, DIMENSIONS[at.narrow])
        named = next((o for o in options if o.id == at.ref), None)
        narrowed_to = option_name(ctx.t, named) if named is not None else "—"
    return page_reply(ctx.t, estate, page, at, narrowed_to, estates)


async def show_feedback(ctx: Context) -> None:
    estates = await feedback.reader_estates(ctx.uow, ctx.person_id)
    if not estates:
        raise PermissionDenied()
    first = FeedbackPage(estates[0].id, Period.MONTH, Narrow.NONE, 0, 0)
    await ctx.reply(await _page(ctx, first))


@router.command("feedback")
async def feedback_command(ctx: Context) -> None:
    await show_feedback(ctx)


@router.button(Menu)
async def menu_item(ctx: Context, payload: Menu) -> bool:
    if payload.item is not MenuItem.FEEDBACK:
        return False
    await show_feedback(ctx)
    return True


@router.button(FeedbackPage)
async def on_page(ctx: Context, payload: FeedbackPage) -> None:
    if payload.offset < 0 or (payload.narrow is Narrow.NONE) != (payload.ref == 0):
        raise PermissionDenied()
    await ctx.edit(await _page(ctx, payload))


@router.button(FeedbackChoose)
async def on_choose(ctx: Context, payload: FeedbackChoose) -> None:
    if payload.narrow is Narrow.NONE:
        raise PermissionDenied()
    await feedback.require_reader(ctx.uow, ctx.person_id, payload.estate_id)
    chosen = _filter(ctx, payload.estate_id, payload.period, Narrow.NONE, 0)
    found = await feedback.options(ctx.uow, chosen, DIMENSIONS[payload.narrow])
    await ctx.edit(choose_reply(ctx.t, payload, found))


@router.button(FeedbackListen)
async def on_listen(ctx: Context, payload: FeedbackListen) -> None:
    voice, seconds = await feedback.voice_of(ctx.uow, payload.feedback_id, ctx.person_id)
    await ctx.reply(Reply(ctx.t(LISTENED, length=clock_length(seconds)), voices=[voice]))
