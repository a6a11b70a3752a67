"""Last in line: whatever no other router took gets a polite answer and the menu, never silence."""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.events import Kind
from bot.conversation.payloads import STALE_BUTTON
from bot.conversation.routing import Router
from bot.views.menus import Menu, MenuItem, main_menu
from core.enums import Role
from core.i18n import N_

router = Router("fallback")

NOT_BOUND = N_(
    "This service is for residents of our estates. Please bind your home first: use the "
    "invitation link from the management office, or contact the service centre."
)
BIND_HOW = N_(
    "To bind your home, open the invitation link the management office gave you. If you have no "
    "link, please contact the service centre and we will send you one."
)


@router.button(Menu)
async def menu_item(ctx: Context, payload: Menu) -> None:
    if payload.item is MenuItem.BIND:
        await ctx.reply(main_menu(ctx, ctx.t(BIND_HOW)))
    elif Role.RESIDENT not in ctx.roles:
        await ctx.reply(main_menu(ctx, ctx.t(NOT_BOUND)))
    else:
        await ctx.reply(main_menu(ctx))


@router.any_button
async def stale_button(ctx: Context, payload: object) -> None:
    await ctx.reply(main_menu(ctx, ctx.t(STALE_BUTTON)))


@router.message()
async def anything(ctx: Context) -> None:
    if ctx.inbound.kind is Kind.STICKER:
        text = ctx.t("Thank you! How can we help you?")
    else:
        text = ctx.t("Sorry, we did not understand that. Please choose from the menu.")
    await ctx.reply(main_menu(ctx, text))


async def unknown_command(ctx: Context) -> None:
    await ctx.reply(main_menu(ctx, ctx.t("Sorry, we do not know that command.")))


router.message(Kind.COMMAND)(unknown_command)
