"""Commands for everyone: /start (with an invitation code), /menu, /help, /language, /cancel."""

from __future__ import annotations

from bot.conversation.context import Context, translator_for
from bot.conversation.replies import Reply
from bot.conversation.routing import Router
from bot.dialogs import binding
from bot.views.commands import refresh_chat_menu
from bot.views.desk_views import queue_reply
from bot.views.help import help_text
from bot.views.menus import (
    ChooseLanguage,
    Menu,
    MenuItem,
    full_menu,
    language_menu,
    main_menu,
)
from core.errors import InvitationInvalid
from core.i18n import LOCALES, N_, place
from core.services import desk_queue, directory, identities, invitations, people, residents
from core.services.desk_queue import QUEUE_ROLES

router = Router("common")


@router.command("start")
async def start(ctx: Context) -> None:
    if ctx.inbound.args:
        await _redeem(ctx, ctx.inbound.args)
        return
    if ctx.person_id is None or not ctx.roles:
        # Without an invitation: find the home step by step, the desk confirms.
        await binding.start(ctx, intro=ctx.t(WELCOME_STRANGER))
        return
    await ctx.reply(await full_menu(ctx, ctx.t("Welcome back. How can we help you?")))
    await _queue_if_desk(ctx)


async def _queue_if_desk(ctx: Context) -> None:
    """A dispatcher who arrives (links her account, comes back) gets what waits at her desk;
    when nothing does, the menu's count (待派工 0) says so."""
    if not (ctx.roles & QUEUE_ROLES and ctx.inbound.is_private):
        return
    view = await desk_queue.queue(ctx.uow, ctx.person_id)
    if view.orders:
        await ctx.reply(queue_reply(ctx.t, view))


WELCOME_STRANGER = N_(
    "Welcome to the property service centre. Here you can report repairs, file complaints and "
    "follow your orders. To begin, please tell us which home is yours (or open the invitation "
    "link from the management office). You can leave at any time with /cancel."
)


async def _redeem(ctx: Context, code: str) -> None:
    person_id = ctx.person_id
    if person_id is None:
        person_id = await people.create_person(ctx.uow, ctx.inbound.first_name, None)
    try:
        redemption = await invitations.redeem(ctx.uow, code, person_id)
    except InvitationInvalid:
        await ctx.reply(main_menu(ctx, ctx.t(INVITATION_INVALID)))
        return
    if redemption.kind == "staff":
        await identities.link_person(ctx.uow, ctx.identity.id, redemption.person_id)
        ctx.roles = await people.roles_of(ctx.uow, redemption.person_id)
        await _refresh_identity(ctx)
        await ctx.reply(await full_menu(ctx, ctx.t("Your account is linked. Welcome to the team.")))
        await refresh_chat_menu(ctx)
        await _queue_if_desk(ctx)
        return
    await identities.link_person(ctx.uow, ctx.identity.id, person_id)
    await identities.set_current_unit(ctx.uow, ctx.identity.id, redemption.unit_id)
    ctx.roles = await people.roles_of(ctx.uow, person_id)
    await _refresh_identity(ctx)
    unit = await directory.get_unit(ctx.uow, redemption.unit_id) if redemption.unit_id else None
    estate = await directory.get_estate_by_id(ctx.uow, redemption.estate_id)
    label = place(estate.name, unit.building_name, unit.number) if unit else estate.name
    label = ctx.t.name(label)
    await ctx.reply(main_menu(ctx, ctx.t(BOUND, home=label)))
    await refresh_chat_menu(ctx)


INVITATION_INVALID = N_(
    "Sorry, this invitation code is not valid, has expired or has already been used. Please ask "
    "the management office for a new one, or tap Bind my home."
)
BOUND = N_("Your home {home} is now bound to this chat. How can we help you?")


async def _refresh_identity(ctx: Context) -> None:
    ctx.identity = await identities.get(ctx.uow, ctx.identity.id)


@router.command("menu")
async def menu(ctx: Context) -> None:
    await ctx.reply(await full_menu(ctx))


@router.command("help")
async def show_help(ctx: Context) -> None:
    """What the bot does and how, for each role the person holds; then the menu."""
    await ctx.reply(main_menu(ctx, help_text(ctx.t, ctx.roles)))


@router.command("language")
async def language(ctx: Context) -> None:
    await ctx.reply(language_menu(ctx))


@router.command("cancel")
async def cancel(ctx: Context) -> None:
    had_dialog = ctx.state is not None
    if ctx.in_dialog(binding.DIALOG):  # its phone keyboard stays up unless removed
        await ctx.reply(Reply(ctx.t("Cancelled. Nothing was registered."), remove_keyboard=True))
        ctx.end_dialog()
        await ctx.reply(main_menu(ctx))
        return
    ctx.end_dialog()
    text = ctx.t("Cancelled. Nothing was registered.") if had_dialog else None
    await ctx.reply(main_menu(ctx, text))


@router.button(ChooseLanguage)
async def choose_language(ctx: Context, payload: ChooseLanguage) -> None:
    if payload.locale not in LOCALES:
        await ctx.reply(language_menu(ctx))
        return
    await identities.set_locale(ctx.uow, ctx.identity.id, payload.locale)
    await _refresh_identity(ctx)
    ctx.t = translator_for(ctx.identity, ctx.config)
    await ctx.edit(ctx.t("Language changed."))
    await ctx.reply(main_menu(ctx))
    await refresh_chat_menu(ctx)


@router.button(Menu)
async def menu_item(ctx: Context, payload: Menu) -> bool:
    if payload.item is MenuItem.LANGUAGE:
        await ctx.reply(language_menu(ctx))
    elif payload.item is MenuItem.CONTACT:
        await ctx.reply(await contact_details(ctx))
    elif payload.item is MenuItem.MENU:
        await ctx.reply(await full_menu(ctx))
    else:
        return False
    return True


async def contact_details(ctx: Context) -> str:
    """Public information: open to anyone, bound or not."""
    homes = await residents.homes_of(ctx.uow, ctx.person_id)
    home = residents.current_home(homes, ctx.identity.current_unit_id)
    estates = await directory.list_estates(ctx.uow)
    if home is not None:
        estates = [e for e in estates if e.id == home.estate_id]
    lines = [ctx.t("Service centre contacts:")]
    for estate in estates:
        phone = estate.service_phone or ctx.t("(no phone listed)")
        lines.append(ctx.t("{estate}: {phone}", estate=ctx.t.name(estate.name), phone=phone))
    if len(lines) == 1:
        lines.append(ctx.t("Please contact the management office."))
    return "\n".join(lines)
