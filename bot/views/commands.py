"""The command menu (Telegram's "/" list): per language, and per role where it differs.

Telegram keys menus by a two-letter language code, which cannot tell Simplified from Traditional
("zh" is both). So everyone we have not met sees the estate default, and each person we know gets
a menu of their own chat (BotCommandScopeChat) in their script and for their roles, sent through
the outbox when it may have changed: on /start, on binding and on /language.
"""

from __future__ import annotations

from bot.conversation.context import Context
from core.enums import STAFF_ROLES, WORKER_ROLES, OutboxKind, Role
from core.i18n import N_, Translator
from core.services import outbox
from core.services.desk_queue import APPROVAL_ROLES, QUEUE_ROLES
from core.services.estate_settings import READER_ROLES as SETTINGS_ROLES
from core.services.feedback import READER_ROLES as FEEDBACK_ROLES
from core.services.reports import REPORT_ROLES
from core.services.surveys import SURVEY_ROLES

START = ("start", N_("Start, or bind with an invitation code"))
MENU = ("menu", N_("Main menu"))
ORDERS = ("orders", N_("My orders"))
JOBS = ("jobs", N_("My jobs"))
QUEUE = ("queue", N_("Orders waiting at the desk"))
APPROVALS = ("approvals", N_("What waits for my approval"))
REPORT = ("report", N_("This month's report (or: /report 2026-10, /report 2026Q4)"))
SETTINGS = ("settings", N_("The estate's settings"))
FEEDBACK = ("feedback", N_("Residents' comments: the feedback library"))
SURVEY = ("survey", N_("Satisfaction surveys: the rates so far"))
LANGUAGE = ("language", N_("Choose the language"))
CANCEL = ("cancel", N_("Leave what you are doing"))
HELP = ("help", N_("How to use this service"))

EVERYONE = [START, MENU, ORDERS, LANGUAGE, CANCEL, HELP]


def commands_for(roles: frozenset[Role], translator: Translator) -> list[tuple[str, str]]:
    """Residents follow orders; staff follow jobs; someone who is both gets both."""
    chosen = [START, MENU]
    if Role.RESIDENT in roles or not roles & STAFF_ROLES:
        chosen.append(ORDERS)
    if roles & WORKER_ROLES:
        chosen.append(JOBS)
    if roles & QUEUE_ROLES:
        chosen.append(QUEUE)
    if roles & APPROVAL_ROLES:
        chosen.append(APPROVALS)
    if roles & REPORT_ROLES:
        chosen.append(REPORT)
    if roles & SETTINGS_ROLES:
        chosen.append(SETTINGS)
    if roles & FEEDBACK_ROLES:
        chosen.append(FEEDBACK)
    if roles & SURVEY_ROLES:
        chosen.append(SURVEY)
    chosen += [LANGUAGE, CANCEL, HELP]
    return [(name, translator(description)) for name, description in chosen]


def default_menus(default_locale: str) -> dict[str, list[tuple[str, str]]]:
    """For people we have not met: "" (every language) and "zh" (both scripts)."""
    items = [(name, Translator(default_locale)(description)) for name, description in EVERYONE]
    return {"": items, "zh": items}


async def refresh_chat_menu(ctx: Context) -> None:
    if not ctx.inbound.is_private:
        return
    await outbox.enqueue(
        ctx.uow,
        ctx.inbound.chat_id,
        {"commands": commands_for(ctx.roles, ctx.t)},
        kind=OutboxKind.COMMANDS,
        identity_id=ctx.identity.id,
    )
