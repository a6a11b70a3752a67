"""The main menu and the small keyboards every dialog shares."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.conversation.context import Context
from bot.conversation.payloads import Payload
from bot.conversation.replies import Button, Reply
from core.enums import STAFF_ROLES, Role
from core.i18n import LOCALES, N_, Translator


class MenuItem(StrEnum):
    REPAIR = "repair"
    COMPLAINT = "complaint"
    HOUSEKEEPING = "housekeeping"
    INQUIRY = "inquiry"
    PRAISE = "praise"
    ALARM = "alarm"
    MY_ORDERS = "orders"
    CONTACT = "contact"
    LANGUAGE = "language"
    BIND = "bind"
    HOMES = "homes"
    RESUME = "resume"
    MENU = "menu"
    MY_JOBS = "jobs"
    DUTY = "duty"


@dataclass(frozen=True)
class Menu(Payload, prefix="m"):
    item: MenuItem


@dataclass(frozen=True)
class ChooseLanguage(Payload, prefix="lang"):
    locale: str


RESIDENT_ITEMS = [
    [(MenuItem.REPAIR, N_("Report a repair")), (MenuItem.COMPLAINT, N_("File a complaint"))],
    [(MenuItem.HOUSEKEEPING, N_("Home service")), (MenuItem.INQUIRY, N_("Ask or suggest"))],
    [(MenuItem.PRAISE, N_("Praise")), (MenuItem.MY_ORDERS, N_("My orders"))],
    [(MenuItem.CONTACT, N_("Contact the service centre")), (MenuItem.LANGUAGE, N_("Language"))],
    [(MenuItem.ALARM, N_("Home alarm")), (MenuItem.HOMES, N_("My homes"))],
]


def menu_button(ctx: Context, item: MenuItem, label: str) -> Button:
    return Button(ctx.t(label), Menu(item))


def main_menu(ctx: Context, text: str | None = None) -> Reply:
    """What the person can do now: everything for a bound resident, little for a stranger."""
    rows: list[list[Button]] = []
    if ctx.state is not None and ctx.state.dialog == "report":
        rows.append([menu_button(ctx, MenuItem.RESUME, N_("Continue my unfinished report"))])
    if Role.RESIDENT in ctx.roles:
        rows += [[menu_button(ctx, item, label) for item, label in row] for row in RESIDENT_ITEMS]
    else:
        rows.append([menu_button(ctx, MenuItem.BIND, N_("Bind my home"))])
        rows.append(
            [
                menu_button(ctx, MenuItem.CONTACT, N_("Contact the service centre")),
                menu_button(ctx, MenuItem.LANGUAGE, N_("Language")),
            ]
        )
    if ctx.roles & STAFF_ROLES:
        rows.append(
            [
                Button(ctx.t("My jobs"), Menu(MenuItem.MY_JOBS)),
                Button(ctx.t("On / off duty"), Menu(MenuItem.DUTY)),
            ]
        )
    return Reply(text or ctx.t("How can we help you?"), buttons=rows)


# TRANSLATORS: the name of the language this catalogue is in, as its readers call it (简体中文).
LANGUAGE_NAME = N_("This language's name")


def language_menu(ctx: Context) -> Reply:
    """Each language is named in its own script, so anyone can find theirs."""
    buttons = [
        Button(Translator(locale).gettext(LANGUAGE_NAME), ChooseLanguage(locale))
        for locale in LOCALES
    ]
    return Reply(ctx.t("Please choose your language."), buttons=[buttons])
