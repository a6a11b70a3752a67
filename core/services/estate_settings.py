"""Showing and changing an estate's settings (the registry is core/estate_settings.py).

`change` checks every `key=value` first and changes nothing unless all are good; each change is
a `SettingChange` row (old and new value, who, when) in the same unit of work, so the settings
and their history commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from core.errors import InvalidInput, NotFound, PermissionDenied
from core.estate_settings import (
    SETTINGS,
    BadStoredSetting,
    Setting,
    own_value,
    parse,
    setting,
    stored_value,
    value_of,
)
from core.i18n import in_simplified
from core.models import Estate, SettingChange, Team
from core.services.candidates import TEAM_FOR_KIND
from core.services.reports import REPORT_ROLES, estates_readable
from core.uow import UnitOfWork

READER_ROLES = REPORT_ROLES  # supervisors, managers and admins read them in chat
# Teams with settings of their own: those that get digests (a team of a trade).
SETTING_TEAM_KINDS = frozenset(str(kind) for kind in TEAM_FOR_KIND.values())
MAX_CHANGED_BY = 100


@dataclass(frozen=True)
class SettingLine:
    """One setting as shown: the value in force, the estate's (or team's) own, the default."""

    setting: Setting
    value: Any
    own: Any  # None: not set here (the default, the inherited value or the estate's applies)
    default: Any
    unreadable: str | None = None  # a kept value its type cannot read, as kept

    @property
    def name(self) -> str:
        return self.setting.name

    def text(self, value: Any) -> str:
        return self.setting.type.text(value)


@dataclass(frozen=True)
class TeamLines:
    team_id: int
    team_name: str
    lines: tuple[SettingLine, ...]


@dataclass(frozen=True)
class EstateSettingsView:
    estate_id: int
    code: str
    name: str
    timezone: str
    lines: tuple[SettingLine, ...]
    teams: tuple[TeamLines, ...]


@dataclass(frozen=True)
class ChangeView:
    key: str
    team_name: str | None
    old: str | None
    new: str | None
    changed_by: str
    at: datetime


async def _estate(uow: UnitOfWork, code: str, *, lock: bool = False) -> Estate:
    """The estate by code; `lock`: its row held until commit, so that two changes at once do not
    both rewrite the settings JSON from the same old copy and lose one."""
    wanted = Estate.code == code.strip().upper()
    query = select(Estate).where(wanted)
    if lock:
        if uow.dialect == "postgresql":
            query = query.with_for_update()
        else:  # SQLite locks by writing: a write first takes the database's write lock
            await uow.session.execute(update(Estate).where(wanted).values(code=Estate.code))
        query = query.execution_options(populate_existing=True)
    estate = await uow.session.scalar(query)
    if estate is None:
        raise NotFound("unknown estate {code}", code=code)
    return estate


async def _teams(uow: UnitOfWork, estate_id: int) -> list[Team]:
    rows = await uow.session.scalars(
        select(Team)
        .where(Team.estate_id == estate_id, Team.kind.in_(SETTING_TEAM_KINDS))
        .order_by(Team.id)
    )
    return list(rows)


def _line(estate: Estate, entry: Setting, team: Team | None = None) -> SettingLine:
    try:
        default = entry.default_for(estate) if team is None else value_of(estate, entry.name)
    except BadStoredSetting:
        default = None
    try:
        value = value_of(estate, entry.name, team)
        return SettingLine(entry, value, own_value(estate, entry.name, team), default)
    except BadStoredSetting:
        kept = stored_value(estate, entry.name, team)
        if kept is None:  # the estate's own value is the unreadable one
            kept = stored_value(estate, entry.name)
        return SettingLine(entry, None, None, default, unreadable=str(kept))


def _view(estate: Estate, teams: Sequence[Team]) -> EstateSettingsView:
    lines = tuple(_line(estate, entry) for entry in SETTINGS.values())
    team_settings = [entry for entry in SETTINGS.values() if entry.team]
    team_lines = tuple(
        TeamLines(team.id, team.name, tuple(_line(estate, s, team) for s in team_settings))
        for team in teams
    )
    return EstateSettingsView(
        estate.id, estate.code, estate.name, estate.timezone, lines, team_lines
    )


async def show(uow: UnitOfWork, code: str) -> EstateSettingsView:
    estate = await _estate(uow, code)
    return _view(estate, await _teams(uow, estate.id))


async def readable(uow: UnitOfWork, person_id: int | None) -> list[EstateSettingsView]:
    """The settings of every estate where the person is a supervisor, manager or admin now."""
    codes = await estates_readable(uow, person_id)
    if not codes:
        raise PermissionDenied()
    return [await show(uow, code) for code in codes]


def split_assignment(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise InvalidInput("{text!r}: write key=value, e.g. digest_am=08:30", text=text)
    return key.strip(), value.strip()


def _set_in(data: dict[str, Any] | None, path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of `data` with `value` at `path` (removed when None, empty parents dropped): a new
    dict, so that SQLAlchemy sees the JSON column change."""
    copy = dict(data or {})
    head, rest = path[0], path[1:]
    if rest:
        inner = copy.get(head)
        child = _set_in(inner if isinstance(inner, dict) else None, rest, value)
        if child:
            copy[head] = child
        else:
            copy.pop(head, None)
    elif value is None:
        copy.pop(head, None)
    else:
        copy[head] = value
    return copy


async def change(
    uow: UnitOfWork,
    code: str,
    assignments: Sequence[str],
    changed_by: str,
    team_name: str | None = None,
) -> list[ChangeView]:
    """Applies `key=value` assignments to the estate (or to one of its teams), all or none;
    `key=default` forgets the own value. Returns the changes made (a value set to what it
    already was is no change and leaves no row)."""
    if not assignments:
        raise InvalidInput("nothing to set: give key=value")
    estate = await _estate(uow, code, lock=True)
    team = None
    if team_name is not None:
        wanted = in_simplified(team_name.strip())  # 工程組 finds 工程组
        teams = await uow.session.scalars(select(Team).where(Team.estate_id == estate.id))
        team = next((row for row in teams if in_simplified(row.name) == wanted), None)
        if team is None:
            raise NotFound("no team {name!r} in {code}", name=team_name, code=estate.code)
        if team.kind not in SETTING_TEAM_KINDS:
            raise InvalidInput("team {name} gets no job lists: it has no times", name=team.name)
    parsed: dict[str, Any] = {}
    for assignment in assignments:
        key, text = split_assignment(assignment)
        entry = setting(key)
        if team is not None and not entry.team:
            teams_can = ", ".join(s.name for s in SETTINGS.values() if s.team)
            raise InvalidInput(
                "{key} is an estate setting; a team sets only {names}", key=key, names=teams_can
            )
        if key in parsed:
            raise InvalidInput("{key} is given twice", key=key)
        parsed[entry.name] = parse(key, text)
    who = changed_by.strip()[:MAX_CHANGED_BY] or "unknown"
    changes = []
    for name, value in parsed.items():
        entry = SETTINGS[name]
        try:
            old = own_value(estate, name, team)
            old_text = None if old is None else entry.type.text(old)
        except BadStoredSetting:  # mended now
            old, old_text = object(), str(stored_value(estate, name, team))
        if old == value:
            continue
        stored = None if value is None else entry.type.dump(value)
        if team is not None:
            team.settings = _set_in(team.settings, entry.path, stored)
        elif entry.column is not None:
            setattr(estate, entry.column, stored)
        else:
            estate.settings = _set_in(estate.settings, entry.path, stored)
        row = SettingChange(
            estate_id=estate.id,
            team_id=None if team is None else team.id,
            key=name,
            old=old_text,
            new=None if value is None else entry.type.text(value),
            changed_by=who,
            at=uow.clock.now(),
        )
        uow.add(row)
        changes.append(_change_view(row, team.name if team else None))
    await uow.flush()
    return changes


def _change_view(row: SettingChange, team_name: str | None) -> ChangeView:
    return ChangeView(row.key, team_name, row.old, row.new, row.changed_by, row.at)


async def history(uow: UnitOfWork, code: str, limit: int = 200) -> list[ChangeView]:
    """The estate's setting changes, newest first."""
    estate = await _estate(uow, code)
    names = {team.id: team.name for team in await _teams(uow, estate.id)}
    rows = await uow.session.scalars(
        select(SettingChange)
        .where(SettingChange.estate_id == estate.id)
        .order_by(SettingChange.id.desc())
        .limit(limit)
    )
    return [_change_view(row, names.get(row.team_id or 0)) for row in rows]
