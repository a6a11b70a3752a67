"""An estate's settings as people read them: in chat (read-only, in the reader's script, values
as words: "客服中心派工", "85%", "100.00 元") and as the operator's aligned table of
`guanjia estate show` (values as they are typed to `guanjia estate set`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import groupby
from typing import Any

from core.estate_settings import Setting
from core.i18n import N_, Translator
from core.services.estate_settings import EstateSettingsView, SettingLine
from core.setting_types import Choice, Money, Number

HEAD = N_("Settings of {estate}")
TEAMS_HEAD = N_("Teams' own times")
TEAM_LINE = N_("{team}: {what} at {time}")
TEAM_LABELS = {"digest_am": N_("morning job list"), "digest_pm": N_("afternoon job list")}
NOT_SET = "—"
READ_ONLY = N_("For reading only: the office changes these settings.")
# The operator's table (guanjia estate show).
HEADER = (N_("Setting"), N_("Value"), N_("Default"), N_("Meaning"))
TEAM_HEADER = N_("Team {team} (where not set, the estate's time)")
SAME_AS = "= {name}"
UNREADABLE = "unreadable: "


def meaning(t: Translator, entry: Setting) -> str:
    return t(entry.meaning, **{key: t(label) for key, label in entry.params.items()})


def spoken_value(t: Translator, entry: Setting, value: Any, currency: str) -> str:
    """A value as a reader of the chat says it."""
    kind = entry.type
    if value is None:
        return NOT_SET
    if isinstance(kind, Choice) and value in kind.labels:
        return t(kind.labels[value])
    if isinstance(kind, Money):
        return t.money(Decimal(value), currency)
    if isinstance(kind, Number) and kind.share:
        return f"{float(value) * 100:g}%"
    return kind.text(value)


def chat_text(t: Translator, view: EstateSettingsView) -> str:
    """Every setting under its heading (a per-kind one only where it differs from the
    estate-wide one), then the teams that have times of their own."""
    currency = next(line.value for line in view.lines if line.name == "currency")
    lines = [t(HEAD, estate=t.name(view.name))]
    for group, members in groupby(view.lines, key=lambda line: line.setting.group):
        lines.append(f"\n【{t(group)}】")
        lines.extend(
            f"· {meaning(t, line.setting)}：{spoken_value(t, line.setting, line.value, currency)}"
            for line in members
            if line.setting.inherits is None or line.own is not None  # no repeats of the same
        )
    own = [
        t(
            TEAM_LINE,
            team=t.name(team.team_name),
            what=t(TEAM_LABELS[line.name]),
            time=line.text(line.value),
        )
        for team in view.teams
        for line in team.lines
        if line.own is not None
    ]
    if own:
        lines.append(f"\n【{t(TEAMS_HEAD)}】")
        lines.extend(f"· {line}" for line in own)
    lines.append("\n" + t(READ_ONLY))
    return "\n".join(lines)


def _default_text(line: SettingLine) -> str:
    if line.setting.inherits is not None:
        return SAME_AS.format(name=line.setting.inherits)
    return line.text(line.default) or NOT_SET


def _value_text(line: SettingLine) -> str:
    if line.unreadable is not None:  # said as it is kept, for the operator to set it again
        return f"{UNREADABLE}{line.unreadable}"
    return line.text(line.value) or NOT_SET


def operator_rows(
    t: Translator, lines: Sequence[SettingLine], default: Callable[[SettingLine], str]
) -> list[list[str]]:
    return [
        [line.name, _value_text(line), default(line), meaning(t, line.setting)] for line in lines
    ]


def operator_tables(t: Translator, view: EstateSettingsView) -> list[tuple[str, list[list[str]]]]:
    """(heading, rows) per group, then per team: what `guanjia estate show` aligns."""
    tables = [
        (t(group), operator_rows(t, list(members), _default_text))
        for group, members in groupby(view.lines, key=lambda line: line.setting.group)
    ]
    for team in view.teams:
        rows = operator_rows(t, team.lines, _default_text)
        tables.append((t(TEAM_HEADER, team=team.team_name), rows))
    return tables


def header(t: Translator) -> list[str]:
    return [t(label) for label in HEADER]
