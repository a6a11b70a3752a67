"""The estate's settings in chat, read-only, for its supervisors, managers and admins:
/settings and the menu's Settings. Changing them is the office's `guanjia estate set`."""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.routing import Router
from bot.views.menus import Menu, MenuItem
from bot.views.settings_views import chat_text
from core.services import estate_settings

router = Router("settings")


async def show_settings(ctx: Context) -> None:
    """Each estate the person reads settings of, in their script; refused (politely) to anyone
    else, whatever button or command they used."""
    for view in await estate_settings.readable(ctx.uow, ctx.person_id):
        await ctx.reply(chat_text(ctx.t, view))


@router.command("settings")
async def settings_command(ctx: Context) -> None:
    await show_settings(ctx)


@router.button(Menu)
async def menu_item(ctx: Context, payload: Menu) -> bool:
    if payload.item is not MenuItem.SETTINGS:
        return False
    await show_settings(ctx)
    return True
