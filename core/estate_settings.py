"""Every setting an office can change, in one typed registry: its name, type (and so its allowed
values), default, meaning (a message id) and where it is kept (an Estate column, or a path in
the estate's or a team's `settings` JSON).

Reading a setting anywhere in core:

    from core import estate_settings
    threshold = estate_settings.value_of(estate, "survey_alert_threshold")  # an Estate row: 0.85
    share = await estate_settings.read(uow, estate_id, "spot_check_share")   # by id: 0.1

The stored forms are the ones the older readers expect (`settings["callbacks"]["delay_hours"]`,
`settings["routines"]["digest_am"]`, …), so those keep working unchanged. A new setting is one
`Setting(...)` entry in `_registry()`; `guanjia estate show|set|history` and the chat's
/settings pick it up. Changing settings, with the audit trail, is
core/services/estate_settings.py; the types are core/setting_types.py.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from typing import Any

from core.enums import OrderKind, OrderStatus, Priority
from core.errors import InvalidInput
from core.i18n import LOCALES, N_
from core.models import Estate, Team
from core.services.callbacks import (
    DEFAULT_DELAY_HOURS,
    DEFAULT_POLICY,
    DEFAULT_REMINDER_HOURS,
    Policy,
)
from core.services.candidates import TEAM_FOR_KIND
from core.services.directory import (
    CURRENCIES,
    REGION_CURRENCIES,
    REGION_LOCALES,
    REGION_TIMEZONES,
    REGIONS,
)
from core.services.dispatch import DispatchMode
from core.services.greetings import DEFAULT_GREETING_TIME
from core.setting_types import (
    Choice,
    Hours,
    Money,
    Number,
    Phone,
    SettingType,
    TimeOfDay,
    Zone,
)
from core.timelimits import DEFAULT_LIMITS, WORKING_HOURS
from core.uow import UnitOfWork

RESET = "default"  # `key=default` forgets the estate's own value


class UnknownSetting(InvalidInput):
    message_id = "unknown setting {key!r}{hint}; `guanjia estate show CODE` lists them"


class InvalidSetting(InvalidInput):
    message_id = "{key}: {value!r} is not allowed; allowed: {allowed}"


class BadStoredSetting(InvalidInput):
    """A value in the database that its type cannot read (written by hand, or before it was
    checked): `guanjia estate set` with a good one mends it."""

    message_id = "{key}: the stored value {value!r} is not allowed; allowed: {allowed}"


# --- the registry --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One setting. `column` names an Estate column; else `path` is where it sits in the
    `settings` JSON (of the estate, or of a team when `team`). `default` may depend on the
    estate (a region's currency); `inherits` names the setting whose value applies while this
    one is not set (a per-kind dispatch mode falls back on the estate's)."""

    name: str
    type: SettingType
    default: Any
    meaning: str  # message id, with `params` (message ids too)
    group: str  # message id of the heading it is shown under
    path: tuple[str, ...] = ()
    column: str | None = None
    inherits: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    team: bool = False  # also set per team (overrides the estate's value for that team)

    def default_for(self, estate: Estate | None) -> Any:
        return self.default(estate) if callable(self.default) else self.default

    @property
    def allowed(self) -> str:
        return self.type.allowed + (f", or {RESET}" if self.column is None else "")


GENERAL = N_("General")
DISPATCH = N_("Dispatch")
LIMITS = N_("Time limits")
ROUTINES = N_("The day's routines")
CALLBACKS = N_("Callbacks")
SURVEYS = N_("Surveys and spot checks")

KIND_LABELS = {
    OrderKind.IN_HOME_REPAIR: N_("In-home repair"),
    OrderKind.PUBLIC_REPAIR: N_("Public-area repair"),
    OrderKind.HOUSEKEEPING: N_("Home service"),
    OrderKind.ALARM: N_("Home alarm"),
    OrderKind.COMPLAINT: N_("Complaint"),
    OrderKind.INQUIRY: N_("Question or suggestion"),
    OrderKind.PRAISE: N_("Praise"),
}
CURRENCY_LABELS = {
    "CNY": N_("yuan"),
    "HKD": N_("Hong Kong dollars"),
    "MOP": N_("patacas"),
    "TWD": N_("New Taiwan dollars"),
}
REGION_LABELS = {
    "CN": N_("mainland China"),
    "HK": N_("Hong Kong"),
    "MO": N_("Macao"),
    "TW": N_("Taiwan"),
}
PRIORITY_LABELS = {
    Priority.NORMAL: N_("Normal"),
    Priority.URGENT: N_("Urgent"),
    Priority.EMERGENCY: N_("Emergency"),
}
LIMIT_MEANINGS = {
    OrderStatus.REGISTERED: N_("Minutes to dispatch a new order ({priority})"),
    OrderStatus.DISPATCHED: N_("Minutes for the worker to accept a job ({priority})"),
    OrderStatus.ACCEPTED: N_("Minutes from acceptance to arrival ({priority})"),
    OrderStatus.ON_SITE: N_("Minutes on site to finish the work ({priority})"),
    OrderStatus.COMPLETED: N_("Minutes for the resident to confirm the completion ({priority})"),
}
DISPATCH_MODES = Choice(
    tuple(str(mode) for mode in DispatchMode),
    {
        DispatchMode.ASSIGN: N_("the desk assigns"),
        DispatchMode.AUTO: N_("assigned automatically"),
        DispatchMode.GRAB: N_("posted to the team to take"),
    },
)
POLICIES = Choice(
    tuple(str(policy) for policy in Policy),
    {
        Policy.ALWAYS: N_("always"),
        Policy.NO_RATING: N_("only without a rating at confirmation"),
        Policy.NEVER: N_("never"),
    },
)
ROUTINE_TIMES = {  # core.routines.Routine values and their default times
    "digest_am": (time(8, 0), N_("Morning digest to each team")),
    "digest_pm": (time(13, 30), N_("Afternoon digest to each team")),
    "eod_check": (time(17, 30), N_("End-of-day check: unsigned jobs are asked about")),
    "eod_report": (time(18, 30), N_("End-of-day answers to the supervisor")),
    "phone_list": (time(9, 0), N_("The desk's phone list of callbacks")),
    "reports": (time(8, 0), N_("Last month's (and quarter's) report to the managers, on the 1st")),
}
TEAM_ROUTINES = ("digest_am", "digest_pm")  # set per team too


def _region_default(table: Mapping[str, str]) -> Callable[[Estate | None], str]:
    return lambda estate: table.get(estate.region if estate else "CN", table["CN"])


def _registry() -> list[Setting]:
    settings = [
        Setting(
            "fee_threshold",
            Money(),
            Decimal(100),
            N_("Fees from this amount need a supervisor's approval"),
            GENERAL,
            column="fee_threshold",
        ),
        Setting(
            "currency",
            Choice(CURRENCIES, CURRENCY_LABELS),
            _region_default(REGION_CURRENCIES),
            N_("Currency of fees"),
            GENERAL,
            column="currency",
        ),
        Setting(
            "default_locale",
            Choice(
                LOCALES, {"zh_Hans": N_("Simplified Chinese"), "zh_Hant": N_("Traditional Chinese")}
            ),
            _region_default(REGION_LOCALES),
            N_("Script for people who have not chosen one"),
            GENERAL,
            column="default_locale",
        ),
        Setting(
            "timezone",
            Zone(),
            _region_default(REGION_TIMEZONES),
            N_("Time zone of the estate"),
            GENERAL,
            column="timezone",
        ),
        Setting(
            "region",
            Choice(REGIONS, REGION_LABELS),
            "CN",
            N_("Region whose public holidays apply"),
            GENERAL,
            column="region",
        ),
        Setting(
            "service_phone",
            Phone(),
            None,
            N_("Phone number of the service centre"),
            GENERAL,
            column="service_phone",
        ),
        Setting(
            "completion_photos",
            Choice(("after", "optional"), {"after": N_("required"), "optional": N_("optional")}),
            "after",
            N_("A photo of the finished repair"),
            GENERAL,
            ("completion_photos",),
        ),
        Setting(
            "greeting_time",
            TimeOfDay(),
            DEFAULT_GREETING_TIME,
            N_("Time of the holiday greeting"),
            GENERAL,
            ("greetings", "time"),
        ),
        Setting(
            "dispatch_mode",
            DISPATCH_MODES,
            DispatchMode.ASSIGN.value,
            N_("How orders are dispatched"),
            DISPATCH,
            ("dispatch_mode",),
        ),
    ]
    for kind in TEAM_FOR_KIND:
        settings.append(
            Setting(
                f"dispatch_mode.{kind}",
                DISPATCH_MODES,
                None,
                N_("How orders are dispatched: {kind}"),
                DISPATCH,
                ("dispatch_modes", str(kind)),
                inherits="dispatch_mode",
                params={"kind": KIND_LABELS[kind]},
            )
        )
    settings.append(
        Setting(
            "working_hours",
            Hours(),
            WORKING_HOURS,
            N_("Working hours (normal orders' time limits run in them)"),
            LIMITS,
            ("working_hours",),
        )
    )
    for status, meaning in LIMIT_MEANINGS.items():
        for priority in Priority:
            minutes = DEFAULT_LIMITS[status][priority]
            settings.append(
                Setting(
                    f"time_limit.{status}.{priority}",
                    Number(1, 20160, whole=True, unit="minutes"),
                    minutes,
                    meaning,
                    LIMITS,
                    ("limits", str(status), str(priority)),
                    params={"priority": PRIORITY_LABELS[priority]},
                )
            )
    for routine, (at, meaning) in ROUTINE_TIMES.items():
        settings.append(
            Setting(
                routine,
                TimeOfDay(),
                at,
                meaning,
                ROUTINES,
                ("routines", routine),
                team=routine in TEAM_ROUTINES,
            )
        )
    settings += [
        Setting(
            "callback_delay_hours",
            Number(0, 168, unit="hours"),
            DEFAULT_DELAY_HOURS,
            N_("Hours after the confirmation until the callback (0: right away)"),
            CALLBACKS,
            ("callbacks", "delay_hours"),
        ),
        Setting(
            "callback_reminder_hours",
            Number(1, 168, unit="hours"),
            DEFAULT_REMINDER_HOURS,
            N_("Hours after asking until the one reminder"),
            CALLBACKS,
            ("callbacks", "reminder_hours"),
        ),
    ]
    for kind in DEFAULT_POLICY:
        params = {"kind": KIND_LABELS[kind]}
        settings.append(
            Setting(
                f"callback_delay_hours.{kind}",
                Number(0, 168, unit="hours"),
                None,
                N_("Hours until the callback: {kind}"),
                CALLBACKS,
                ("callbacks", "delay_hours_by_kind", str(kind)),
                inherits="callback_delay_hours",
                params=params,
            )
        )
        if kind is not OrderKind.COMPLAINT:  # complaints are always called back
            settings.append(
                Setting(
                    f"callback_policy.{kind}",
                    POLICIES,
                    DEFAULT_POLICY[kind].value,
                    N_("Callback: {kind}"),
                    CALLBACKS,
                    ("callbacks", "policy", str(kind)),
                    params=params,
                )
            )
    settings += [
        Setting(
            "special_event_callback_days",
            Number(1, 60, whole=True, unit="days"),
            20,
            N_("Days within which the manager calls back a special event"),
            CALLBACKS,
            ("special_event_callback_days",),
        ),
        Setting(
            "survey_alert_threshold",
            Number(0, 1, share=True),
            0.85,
            N_("Survey rates below this share alert the manager"),
            SURVEYS,
            ("survey_alert_threshold",),
        ),
        Setting(
            "spot_check_share",
            Number(0, 1, share=True),
            0.1,
            N_("Share of completed home services put on the spot-check list"),
            SURVEYS,
            ("spot_check_share",),
        ),
    ]
    return settings


SETTINGS: dict[str, Setting] = {s.name: s for s in _registry()}


def setting(name: str) -> Setting:
    """The registry's entry; UnknownSetting (naming the closest ones) for a name it lacks."""
    found = SETTINGS.get(name.strip())
    if found is None:
        close = difflib.get_close_matches(name.strip(), SETTINGS, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise UnknownSetting(key=name, hint=hint)
    return found


def parse(name: str, text: str) -> Any:
    """The value `text` gives setting `name`, checked; None for `default` (forget it)."""
    entry = setting(name)
    if entry.column is None and text.strip().lower() == RESET:
        return None
    try:
        return entry.type.parse(text)
    except (ValueError, TypeError, OverflowError):
        raise InvalidSetting(key=entry.name, value=text, allowed=entry.allowed) from None


# --- reading -------------------------------------------------------------------------------------


def stored_in(data: Mapping[str, Any] | None, path: tuple[str, ...]) -> Any:
    node: Any = data or {}
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def stored_value(estate: Estate, name: str, team: Team | None = None) -> Any:
    """The estate's (or team's) own value as kept, unread; None where it set nothing."""
    entry = setting(name)
    if team is not None:
        return stored_in(team.settings, entry.path) if entry.team else None
    if entry.column is not None:
        return getattr(estate, entry.column)
    return stored_in(estate.settings, entry.path)


def own_value(estate: Estate, name: str, team: Team | None = None) -> Any:
    """What the estate (or the team) itself set, typed; None where it set nothing;
    BadStoredSetting for a kept value its type cannot read."""
    entry = setting(name)
    raw = stored_value(estate, name, team)
    if raw is None:
        return None
    try:
        return entry.type.load(raw)
    except (ValueError, TypeError, KeyError, IndexError, ArithmeticError):
        raise BadStoredSetting(key=entry.name, value=raw, allowed=entry.allowed) from None


def value_of(estate: Estate, name: str, team: Team | None = None) -> Any:
    """The value in force: the team's own (team settings), the estate's own, the inherited
    setting's, or the default; typed (float, int, time, Decimal, str, …)."""
    entry = setting(name)
    if team is not None and entry.team:
        own = own_value(estate, name, team)
        if own is not None:
            return own
    own = own_value(estate, name)
    if own is not None:
        return own
    if entry.inherits is not None:
        return value_of(estate, entry.inherits)
    return entry.default_for(estate)


async def read(uow: UnitOfWork, estate_id: int, name: str, team_id: int | None = None) -> Any:
    estate = await uow.session.get_one(Estate, estate_id)
    team = None if team_id is None else await uow.session.get_one(Team, team_id)
    return value_of(estate, name, team)
