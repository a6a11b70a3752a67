"""Binding a home without an invitation: estate → building → unit → owner or tenant → phone.

Each list is offered as buttons, and typing narrows it ("2栋", "101"). The phone comes from
Telegram's contact button, and only the person's own contact counts. A phone the office already
imported for that unit binds at once; anything else goes to the estate's desk, whose Approve or
Reject is re-checked against the presser's roles in THAT estate on every press. A typed number
is accepted too, but only ever as a request for the desk, marked as unconfirmed by Telegram.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.conversation.context import Context
from bot.conversation.events import Kind
from bot.conversation.payloads import STALE_BUTTON, Payload
from bot.conversation.replies import Button, KeyButton, Reply
from bot.conversation.routing import Router
from bot.views.binding_news import BindDecision, Verdict
from bot.views.labels import RELATION_LABELS
from bot.views.menus import Menu, MenuItem, main_menu
from core.crypto import mask_phone, normalize_phone
from core.enums import BindingStatus, Relation, Role
from core.i18n import N_, in_simplified, place
from core.services import directory, identities, people, residents

DIALOG = "bind"
MAX_CHOICES = 12  # more than this and the person is asked to type part of the name

router = Router("binding")


class Level(StrEnum):
    ESTATE = "es"
    BUILDING = "bu"
    UNIT = "un"
    RELATION = "re"


@dataclass(frozen=True)
class BindPick(Payload, prefix="bp"):
    nonce: int
    level: Level
    value: str


@dataclass(frozen=True)
class SwitchHome(Payload, prefix="hm"):
    unit_id: int


STEP_PHONE = "phone"


async def start(ctx: Context, intro: str | None = None) -> None:
    ctx.start_dialog(DIALOG, Level.ESTATE.value, {})
    if intro:
        await ctx.reply(intro)
    estates = await directory.list_estates(ctx.uow)
    if len(estates) == 1:
        ctx.remember(estate_id=estates[0].id)
        ctx.set_step(Level.BUILDING.value)
    await ask(ctx)


def _data(ctx: Context) -> dict[str, Any]:
    assert ctx.state is not None
    return ctx.state.data


def _pick(ctx: Context, label: str, level: Level, value: object) -> Button:
    return Button(label, BindPick(ctx.nonce, level, str(value)))


async def _choices(ctx: Context, level: Level) -> list[tuple[str, str]]:
    """(value, label) of what can be chosen at this level."""
    data = _data(ctx)
    if level is Level.ESTATE:
        names = [(str(e.id), e.name) for e in await directory.list_estates(ctx.uow)]
    elif level is Level.BUILDING:
        buildings = await directory.list_buildings(ctx.uow, data["estate_id"])
        names = [(str(b.id), b.name) for b in buildings]
    else:
        units = await directory.list_units(ctx.uow, data["building_id"])
        names = [(str(u.id), u.number) for u in units]
    return [(value, ctx.t.name(name)) for value, name in names]


QUESTIONS = {
    Level.ESTATE: N_("Which estate do you live in?"),
    Level.BUILDING: N_("Which building?"),
    Level.UNIT: N_("Which unit?"),
}


async def ask(ctx: Context, query: str | None = None) -> None:
    """The current question again; `query` narrows a long list to the names containing it."""
    step = ctx.state.step if ctx.state else ""
    if step == STEP_PHONE:
        await ctx.reply(_phone_question(ctx))
        return
    level = Level(step)
    if level is Level.RELATION:
        buttons = [_pick(ctx, ctx.t(RELATION_LABELS[r]), Level.RELATION, r.value) for r in Relation]
        await ctx.reply(Reply(ctx.t("Are you the owner or a tenant?"), buttons=[buttons]))
        return
    choices = await _choices(ctx, level)
    if query:
        # Typed in either script, found in either: "1棟" finds 1栋.
        wanted = in_simplified(query.strip())
        choices = [c for c in choices if wanted in in_simplified(c[1])]
    lines = [ctx.t(QUESTIONS[level])]
    if query and not choices:
        lines.insert(0, ctx.t("Nothing matches “{query}”.", query=query.strip()[:50]))
        choices = await _choices(ctx, level)
    if len(choices) > MAX_CHOICES:
        lines.append(ctx.t("Type part of the name to find it quickly."))
        choices = choices[:MAX_CHOICES]
    buttons = [_pick(ctx, label, level, value) for value, label in choices]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    await ctx.reply(Reply("\n".join(lines), buttons=rows))


def _phone_question(ctx: Context) -> Reply:
    return Reply(
        ctx.t(ASK_PHONE),
        keyboard=[[KeyButton(ctx.t("Share my phone number"), contact=True)]],
    )


ASK_PHONE = N_(
    "Last step: please tap “Share my phone number” below, so that the service centre can reach "
    "you. Your number is stored encrypted and used only for your service."
)


# --- entering --------------------------------------------------------------------------------


@router.button(Menu)
async def from_menu(ctx: Context, payload: Menu) -> bool:
    if payload.item is MenuItem.BIND:
        await start(ctx)
        return True
    if payload.item is MenuItem.HOMES and Role.RESIDENT in ctx.roles:
        await ctx.reply(await my_homes(ctx))
        return True
    return False


async def my_homes(ctx: Context) -> Reply:
    homes = await residents.homes_of(ctx.uow, ctx.person_id)
    current = residents.current_home(homes, ctx.identity.current_unit_id)
    lines = [ctx.t("Your homes:")]
    buttons = []
    for home in homes:
        relation = ctx.t(RELATION_LABELS[home.relation])
        mark = " ✓" if current and home.unit_id == current.unit_id else ""
        lines.append(ctx.t.name(place(home.estate_name, home.label)) + f" ({relation}){mark}")
        if mark == "":
            label = ctx.t("Switch to {home}", home=ctx.t.name(home.label))
            buttons.append([Button(label, SwitchHome(home.unit_id))])
    for pending in await residents.pending_of(ctx.uow, ctx.person_id):
        lines.append(
            ctx.t(
                "{home}: waiting for the service desk",
                home=ctx.t.name(place(pending.estate_name, pending.label)),
            )
        )
    buttons.append([Button(ctx.t("Bind another home"), Menu(MenuItem.BIND))])
    buttons.append([Button(ctx.t("Main menu"), Menu(MenuItem.MENU))])
    return Reply("\n".join(lines), buttons=buttons)


@router.button(SwitchHome)
async def switch_home(ctx: Context, payload: SwitchHome) -> None:
    homes = await residents.homes_of(ctx.uow, ctx.person_id)
    chosen = next((h for h in homes if h.unit_id == payload.unit_id), None)
    if chosen is None:  # forged, or a home since unbound
        await ctx.reply(main_menu(ctx, ctx.t("That home is not bound to you.")))
        return
    await identities.set_current_unit(ctx.uow, ctx.identity.id, chosen.unit_id)
    ctx.identity = await identities.get(ctx.uow, ctx.identity.id)
    text = ctx.t("Now serving {home}.", home=ctx.t.name(place(chosen.estate_name, chosen.label)))
    await ctx.reply(main_menu(ctx, text))


# --- answers ---------------------------------------------------------------------------------


@router.button(BindPick)
async def on_pick(ctx: Context, pick: BindPick) -> None:
    if not ctx.in_dialog(DIALOG) or pick.nonce != ctx.nonce:
        await ctx.reply(ctx.t(STALE_BUTTON))
        if ctx.in_dialog(DIALOG):
            await ask(ctx)
        return
    if pick.level.value != ctx.state.step:  # type: ignore[union-attr]
        await ask(ctx)
        return
    if pick.level is Level.RELATION:
        if pick.value not in {r.value for r in Relation}:
            await ask(ctx)
            return
        ctx.remember(relation=pick.value)
        ctx.set_step(STEP_PHONE)
        await ask(ctx)
        return
    if pick.value not in {value for value, _ in await _choices(ctx, pick.level)}:
        await ask(ctx)  # forged, or removed meanwhile
        return
    following = {
        Level.ESTATE: ("estate_id", Level.BUILDING),
        Level.BUILDING: ("building_id", Level.UNIT),
        Level.UNIT: ("unit_id", Level.RELATION),
    }
    key, next_level = following[pick.level]
    ctx.remember(**{key: int(pick.value)})
    ctx.set_step(next_level.value)
    await ask(ctx)


@router.message(dialog=DIALOG)
async def on_message(ctx: Context) -> None:
    inbound = ctx.inbound
    step = ctx.state.step if ctx.state else ""
    if step == STEP_PHONE:
        if inbound.kind is Kind.CONTACT:
            await _on_contact(ctx)
        elif inbound.kind is Kind.TEXT and _typed_phone(inbound.text or ""):
            await _on_typed_phone(ctx, _typed_phone(inbound.text or ""))
        else:
            await ctx.reply(ctx.t(PHONE_AGAIN))
            await ask(ctx)
        return
    if inbound.kind is Kind.TEXT and inbound.text and step != Level.RELATION.value:
        await ask(ctx, query=inbound.text[:50])
        return
    await ctx.reply(ctx.t("Please answer with the buttons below."))
    await ask(ctx)


PHONE_AGAIN = N_(
    "Please tap the button “Share my phone number” below, or type your mobile number (11 digits)."
)


def _typed_phone(text: str) -> str:
    """A mainland mobile number or a Hong Kong, Macau or Taiwan one, as digits; else empty."""
    if len(text) > 30 or not re.fullmatch(r"[+\d\s()-]+", text.strip()):
        return ""
    digits = normalize_phone(text)
    return digits if 8 <= len(digits) <= 15 else ""


async def _on_typed_phone(ctx: Context, phone: str) -> None:
    """The desk decides, told that the number was typed and that Telegram did not confirm it."""
    data = _data(ctx)
    outcome = await residents.request_with_typed_phone(
        ctx.uow,
        ctx.identity.id,
        ctx.person_id,
        ctx.inbound.first_name,
        phone,
        data["unit_id"],
        Relation(data["relation"]),
    )
    await _request_filed(ctx, outcome, phone, typed=True)


async def _on_contact(ctx: Context) -> None:
    inbound = ctx.inbound
    if inbound.contact_user_id != inbound.user_id or not inbound.phone_number:
        await ctx.reply(ctx.t(NOT_YOUR_CONTACT))
        await ask(ctx)
        return
    data = _data(ctx)
    outcome = await residents.bind_by_phone(
        ctx.uow,
        ctx.identity.id,
        ctx.person_id,
        inbound.first_name,
        inbound.phone_number,
        data["unit_id"],
        Relation(data["relation"]),
    )
    await _request_filed(ctx, outcome, inbound.phone_number, typed=False)


async def _request_filed(
    ctx: Context, outcome: residents.BindingOutcome, phone: str, typed: bool
) -> None:
    ctx.end_dialog()
    ctx.identity = await identities.get(ctx.uow, ctx.identity.id)
    ctx.roles = await people.roles_of(ctx.uow, ctx.identity.person_id)
    home = ctx.t.name(place(outcome.binding.estate_name, outcome.binding.label))
    if outcome.bound_now:
        await ctx.reply(Reply(ctx.t(BOUND_AT_ONCE, home=home), remove_keyboard=True))
        await ctx.reply(main_menu(ctx))
        return
    await ctx.reply(Reply(ctx.t(REQUEST_FILED, home=home), remove_keyboard=True))
    await ctx.reply(main_menu(ctx))


NOT_YOUR_CONTACT = N_(
    "Sorry, that is someone else's contact. Please share your own number with the button below."
)
BOUND_AT_ONCE = N_(
    "Thank you. The management office already knows your number for {home}, so your home is "
    "now bound to this chat."
)
REQUEST_FILED = N_(
    "Thank you. Your request to bind {home} has been sent to the service desk; we will tell you "
    "here as soon as it is decided. Meanwhile you can still read the service centre's contacts."
)


@router.button(BindDecision)
async def on_decision(ctx: Context, payload: BindDecision) -> None:
    # decide_binding raises PermissionDenied unless the presser is at THIS estate's desk.
    binding, decided = await residents.decide_binding(
        ctx.uow, payload.binding_id, payload.verdict is Verdict.APPROVE, ctx.person_id
    )
    home = place(binding.estate_name, binding.label)
    if not decided:
        ctx.toast = ctx.t("This request was already decided.")
        await ctx.edit(ctx.t(ALREADY_DECIDED, home=home))
        return
    approved = binding.status is BindingStatus.VERIFIED
    masked = mask_phone(await people.phone_of(ctx.uow, binding.person_id) or "")
    if approved:
        await ctx.edit(ctx.t("Approved: {home} is bound for {phone}.", home=home, phone=masked))
    else:
        await ctx.edit(
            ctx.t("Rejected: the request for {home} ({phone}).", home=home, phone=masked)
        )


ALREADY_DECIDED = N_("The binding request for {home} was already decided.")
