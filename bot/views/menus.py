"""The main menu and the small keyboards every dialog shares."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.conversation.context import Context
from bot.conversation.payloads import Payload
from bot.conversation.replies import Button, Reply
from core.enums import STAFF_ROLES, WORKER_ROLES, Role
from core.i18n import LOCALES, N_, Translator
from core.services import desk_queue
from core.services.desk_queue import APPROVAL_ROLES, QUEUE_ROLES
from core.services.estate_settings import READER_ROLES as SETTINGS_ROLES
from core.services.feedback import READER_ROLES as FEEDBACK_ROLES
from core.services.reports import REPORT_ROLES
from core.services.surveys import SURVEY_ROLES


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
    NOTICES = "notices"
    NEW_NOTICE = "notice"
    GREETING_TEXTS = "greetings"
    RESUME = "resume"
    MENU = "menu"
    MY_JOBS = "jobs"
    DUTY = "duty"
    QUEUE = "queue"
    APPROVALS = "approvals"
    REPORTS = "reports"
    SETTINGS = "settings"
    FEEDBACK = "feedback"
    SURVEYS = "surveys"


@dataclass(frozen=True)
class Menu(Payload, prefix="m"):
    item: MenuItem


@dataclass(frozen=True)
class ChooseLanguage(Payload, prefix="lang"):
    locale: str


NOTICE_ROLES = frozenset({Role.MANAGER, Role.ADMIN})  # core.services.notices.SENDING_ROLES
RESIDENT_ITEMS = [
    [(MenuItem.REPAIR, N_("Report a repair")), (MenuItem.COMPLAINT, N_("File a complaint"))],
    [(MenuItem.HOUSEKEEPING, N_("Home service")), (MenuItem.INQUIRY, N_("Ask or suggest"))],
    [(MenuItem.PRAISE, N_("Praise")), (MenuItem.MY_ORDERS, N_("My orders"))],
    [(MenuItem.CONTACT, N_("Contact the service centre")), (MenuItem.LANGUAGE, N_("Language"))],
    [(MenuItem.ALARM, N_("Home alarm")), (MenuItem.NOTICES, N_("Notices"))],
    [(MenuItem.HOMES, N_("My homes"))],
]


def menu_button(ctx: Context, item: MenuItem, label: str) -> Button:
    return Button(ctx.t(label), Menu(item))


@dataclass(frozen=True)
class DeskCounts:
    """What waits for the person: shown in the menu's buttons ("待派工 3")."""

    waiting: int | None = None  # orders waiting for dispatch at their desk
    approvals: int | None = None  # things waiting for their approval


def main_menu(ctx: Context, text: str | None = None, counts: DeskCounts | None = None) -> Reply:
    """What the person can do now, by role: a resident's entries, a stranger's few, and each
    staff role's own; someone both resident and staff sees their work's entries marked apart."""
    rows: list[list[Button]] = []
    if ctx.state is not None and ctx.state.dialog == "report":
        rows.append([menu_button(ctx, MenuItem.RESUME, N_("Continue my unfinished report"))])
    resident = Role.RESIDENT in ctx.roles
    staff = bool(ctx.roles & STAFF_ROLES)
    if resident:
        rows += [[menu_button(ctx, item, label) for item, label in row] for row in RESIDENT_ITEMS]
    elif not staff:
        rows.append([menu_button(ctx, MenuItem.BIND, N_("Bind my home"))])
        rows.append(
            [
                menu_button(ctx, MenuItem.CONTACT, N_("Contact the service centre")),
                menu_button(ctx, MenuItem.LANGUAGE, N_("Language")),
            ]
        )
    if staff:
        rows += staff_rows(ctx, counts or DeskCounts(), apart=resident)
        if not resident:
            rows.append([menu_button(ctx, MenuItem.LANGUAGE, N_("Language"))])
    return Reply(text or ctx.t("How can we help you?"), buttons=rows)


def staff_rows(ctx: Context, counts: DeskCounts, apart: bool) -> list[list[Button]]:
    """Each staff role's entries: the desk's queue, the approvals, the worker's jobs and duty."""

    def work(item: MenuItem, label: str) -> Button:
        return Button(ctx.t("Work: {item}", item=label) if apart else label, Menu(item))

    rows: list[list[Button]] = []
    if ctx.roles & QUEUE_ROLES:
        label = (
            ctx.t("Waiting for dispatch {count}", count=counts.waiting)
            if counts.waiting is not None
            else ctx.t("Dispatch queue")
        )
        rows.append([work(MenuItem.QUEUE, label)])
    if ctx.roles & APPROVAL_ROLES:
        label = (
            ctx.t("Approvals {count}", count=counts.approvals)
            if counts.approvals is not None
            else ctx.t("Approvals")
        )
        rows.append([work(MenuItem.APPROVALS, label)])
    if ctx.roles & REPORT_ROLES and ctx.roles & FEEDBACK_ROLES:
        rows.append(
            [work(MenuItem.REPORTS, ctx.t("Reports")), work(MenuItem.FEEDBACK, ctx.t("Feedback"))]
        )
    elif ctx.roles & REPORT_ROLES:
        rows.append([work(MenuItem.REPORTS, ctx.t("Reports"))])
    if ctx.roles & SETTINGS_ROLES:
        rows.append([work(MenuItem.SETTINGS, ctx.t("Estate settings"))])
    if ctx.roles & WORKER_ROLES:
        rows.append(
            [
                work(MenuItem.MY_JOBS, ctx.t("My jobs")),
                work(MenuItem.DUTY, ctx.t("On / off duty")),
            ]
        )
    if ctx.roles & NOTICE_ROLES:
        rows.append(
            [
                work(MenuItem.NEW_NOTICE, ctx.t("Send a notice")),
                work(MenuItem.GREETING_TEXTS, ctx.t("Holiday greeting texts")),
            ]
        )
    if ctx.roles & SURVEY_ROLES:
        rows.append([work(MenuItem.SURVEYS, ctx.t("Satisfaction surveys"))])
    return rows


async def desk_counts(ctx: Context) -> DeskCounts:
    """The counts for the menu's buttons, for the roles the person holds (a few statements)."""
    waiting = approvals = None
    if ctx.roles & QUEUE_ROLES:
        view = await desk_queue.queue(ctx.uow, ctx.person_id, with_orders=False)
        waiting = view.count(desk_queue.Reason.WAITING)
    if ctx.roles & APPROVAL_ROLES:
        view = await desk_queue.approvals(ctx.uow, ctx.person_id, with_orders=False)
        approvals = view.orders
    return DeskCounts(waiting, approvals)


async def full_menu(ctx: Context, text: str | None = None) -> Reply:
    """The main menu with the counts of what waits for the person."""
    return main_menu(ctx, text, await desk_counts(ctx))


# TRANSLATORS: the name of the language this catalogue is in, as its readers call it (简体中文).
LANGUAGE_NAME = N_("This language's name")


def language_menu(ctx: Context) -> Reply:
    """Each language is named in its own script, so anyone can find theirs."""
    buttons = [
        Button(Translator(locale).gettext(LANGUAGE_NAME), ChooseLanguage(locale))
        for locale in LOCALES
    ]
    return Reply(ctx.t("Please choose your language."), buttons=[buttons])
