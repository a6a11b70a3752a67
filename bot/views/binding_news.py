"""A resident's request to be bound to a unit: the desk's card with Approve / Reject, and the
verdict for the resident."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.conversation.payloads import Payload
from bot.conversation.replies import Button, Reply
from bot.views.audience import Audience
from bot.views.labels import RELATION_LABELS
from bot.views.menus import Menu, MenuItem
from core.i18n import N_, Translator, place
from core.news import BindingDecided, BindingRequested
from core.services import residents


class Verdict(StrEnum):
    APPROVE = "a"
    REJECT = "r"


@dataclass(frozen=True)
class BindDecision(Payload, prefix="bd"):
    binding_id: int
    verdict: Verdict


TYPED_PHONE = N_(
    "The number was typed, not shared from Telegram: please call it to check before approving."
)
APPROVE = N_("Approve")
REJECT = N_("Reject")
DESK_REQUEST = N_(
    "Binding request: {name} ({phone}) asks to bind {home} as {relation}. Please check with the "
    "owner records, then approve or reject."
)
APPROVED = N_("Good news: your home {home} is now bound. How can we help you?")
REJECTED = N_(
    "Sorry, the service desk could not confirm your request for {home}. Please contact the "
    "management office, who will gladly help."
)
MAIN_MENU = N_("Main menu")


def desk_card(
    t: Translator, binding: residents.BindingView, name: str, phone: str, typed: bool = False
) -> Reply:
    text = t(
        DESK_REQUEST,
        name=t.name(name) if name else "-",
        phone=phone,
        home=t.name(place(binding.estate_name, binding.label)),
        relation=t(RELATION_LABELS[binding.relation]),
    )
    if typed:
        text += "\n" + t(TYPED_PHONE)
    return Reply(
        text,
        buttons=[
            [
                Button(t(APPROVE), BindDecision(binding.id, Verdict.APPROVE)),
                Button(t(REJECT), BindDecision(binding.id, Verdict.REJECT)),
            ]
        ],
    )


async def binding_requested(audience: Audience, news: BindingRequested) -> None:
    binding = await residents.get_binding(audience.uow, news.binding_id)
    await audience.desk(
        binding.estate_id, lambda t: desk_card(t, binding, news.name, news.phone, news.typed)
    )


async def binding_decided(audience: Audience, news: BindingDecided) -> None:
    binding = await residents.get_binding(audience.uow, news.binding_id)
    home = place(binding.estate_name, binding.label)

    def build(t: Translator) -> Reply:
        text = t(APPROVED if news.approved else REJECTED, home=home)
        return Reply(text, buttons=[[Button(t(MAIN_MENU), Menu(MenuItem.MENU))]])

    await audience.person(binding.person_id, build)
