"""Satisfaction surveys in chat, for the managers and admins of an estate: /survey (or the
menu's entry) shows each running survey's status and the last closed one's, the three rates per
building and per question, and the households with no chat; "Refresh" shows it again."""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.routing import Router
from bot.views.buttons import SurveyStatus
from bot.views.menus import Menu, MenuItem
from bot.views.survey_views import NO_SURVEYS, status_reply, status_text
from core.errors import PermissionDenied
from core.services import surveys

router = Router("surveys")


async def _show(ctx: Context, campaign_id: int) -> None:
    status = await surveys.status(ctx.uow, campaign_id)
    text = status_text(
        ctx.t, status.campaign, status.rates, status.buildings, status.questions, status.no_chat
    )
    await ctx.reply(status_reply(ctx.t, status.campaign, text))


async def show_surveys(ctx: Context) -> None:
    if not await surveys.estates_of_reader(ctx.uow, ctx.person_id):
        raise PermissionDenied()
    shown = await surveys.for_reader(ctx.uow, ctx.person_id)
    if not shown:
        await ctx.reply(ctx.t(NO_SURVEYS))
        return
    for campaign in shown:
        await _show(ctx, campaign.id)


@router.command("survey")
async def survey_command(ctx: Context) -> None:
    await show_surveys(ctx)


@router.button(SurveyStatus)
async def on_refresh(ctx: Context, payload: SurveyStatus) -> None:
    campaign = await surveys.get(ctx.uow, payload.campaign_id)
    if campaign.estate_id not in await surveys.estates_of_reader(ctx.uow, ctx.person_id):
        raise PermissionDenied()
    await _show(ctx, campaign.id)


@router.button(Menu)
async def menu_item(ctx: Context, payload: Menu) -> bool:
    if payload.item is not MenuItem.SURVEYS:
        return False
    await show_surveys(ctx)
    return True
