"""Estate settings: the registry's typed values and defaults, every kind of bad value refused
with the key and what is allowed, several changes at once applied all or none, each change
recorded (who, when, from what to what), and the older readers seeing what was set."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import estate_settings, routines
from core.enums import OrderKind, Role
from core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from core.estate_settings import SETTINGS, BadStoredSetting, InvalidSetting, UnknownSetting
from core.models import Estate, SettingChange, Team
from core.services import callbacks, directory, dispatch, jobs, people
from core.services import estate_settings as settings_service
from core.services.dispatch import DispatchMode
from core.timelimits import limit_for, working_hours
from core.uow import UnitOfWorkFactory


def message(error: DomainError) -> str:
    return error.message_id.format(**error.params)


async def estate_id(uows: UnitOfWorkFactory) -> int:
    async with uows() as uow:
        return (await directory.require_estate(uow, "BX")).id


def test_every_setting_has_a_default_of_its_own_type_and_a_meaning() -> None:
    for entry in SETTINGS.values():
        default = entry.default_for(None)
        if default is not None:
            assert entry.type.parse(entry.type.text(default)) == default, entry.name
        assert entry.meaning and entry.group
        if entry.inherits is not None:
            assert entry.inherits in SETTINGS


def test_the_settings_other_features_read_are_there() -> None:
    assert SETTINGS["survey_alert_threshold"].default == 0.85
    assert SETTINGS["spot_check_share"].default == 0.1
    assert SETTINGS["special_event_callback_days"].default == 20


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("digest_am", "8点", "a time of day HH:MM"),
        ("digest_am", "25:00", "a time of day HH:MM"),
        ("digest_am", "", "a time of day HH:MM"),
        ("working_hours", "17:30-08:00", "opening before closing"),
        ("working_hours", "08:00", "HH:MM-HH:MM"),
        ("callback_delay_hours", "-1", "a number of hours from 0 to 168"),
        ("callback_delay_hours", "200", "a number of hours from 0 to 168"),
        ("callback_delay_hours", "nan", "a number of hours from 0 to 168"),
        ("callback_delay_hours", "inf", "a number of hours from 0 to 168"),
        ("callback_reminder_hours", "0", "from 1 to 168"),
        ("special_event_callback_days", "2.5", "a whole number of days from 1 to 60"),
        ("survey_alert_threshold", "85%", "a number from 0 to 1"),
        ("survey_alert_threshold", "1.2", "a number from 0 to 1"),
        ("spot_check_share", "-0.1", "a number from 0 to 1"),
        ("time_limit.registered.normal", "0", "a whole number of minutes from 1 to 20160"),
        ("dispatch_mode", "robot", "one of assign, auto, grab"),
        ("callback_policy.praise", "sometimes", "one of always, no_rating, never"),
        ("currency", "USD", "one of CNY, HKD, MOP, TWD"),
        ("currency", "default", "one of CNY, HKD, MOP, TWD"),  # a column has no "default"
        ("fee_threshold", "-5", "an amount of at least 0"),
        ("fee_threshold", "12.345", "at most 2 decimals"),
        ("fee_threshold", "一百", "an amount"),
        ("timezone", "Asia/Beijing", "an IANA time zone"),
        ("service_phone", "12", "a phone number"),
    ],
)
def test_a_bad_value_is_refused_naming_the_key_and_what_is_allowed(
    key: str, value: str, allowed: str
) -> None:
    with pytest.raises(InvalidSetting) as refused:
        estate_settings.parse(key, value)
    text = message(refused.value)
    assert text.startswith(f"{key}: {value!r} is not allowed; allowed: ")
    assert allowed in text


def test_an_unknown_key_is_refused_with_the_closest_names() -> None:
    with pytest.raises(UnknownSetting) as refused:
        estate_settings.parse("digest_morning", "08:00")
    assert "unknown setting 'digest_morning'" in message(refused.value)
    assert "digest_am" in message(refused.value)


def test_values_are_read_in_their_forms() -> None:
    parse = estate_settings.parse
    assert parse("digest_am", "8:30") == time(8, 30)
    assert parse("working_hours", "07:30-18:00") == (time(7, 30), time(18))
    assert parse("callback_delay_hours", "0") == 0
    assert parse("callback_delay_hours", "1.5") == 1.5
    assert parse("dispatch_mode", "GRAB") == "grab"
    assert parse("currency", "HKD") == "HKD"
    assert parse("fee_threshold", "200") == Decimal(200)
    assert parse("service_phone", "none") is None
    assert parse("spot_check_share", "default") is None


async def test_defaults_and_estate_values_are_read_typed(uows: UnitOfWorkFactory) -> None:
    bx = await estate_id(uows)
    async with uows() as uow:
        assert await estate_settings.read(uow, bx, "survey_alert_threshold") == 0.85
        assert await estate_settings.read(uow, bx, "spot_check_share") == 0.1
        assert await estate_settings.read(uow, bx, "special_event_callback_days") == 20
        assert await estate_settings.read(uow, bx, "fee_threshold") == Decimal(100)
        assert await estate_settings.read(uow, bx, "digest_am") == time(8)
        # A per-kind setting not set falls back on the estate-wide one.
        assert await estate_settings.read(uow, bx, "dispatch_mode.housekeeping") == "assign"
        await settings_service.change(uow, "BX", ["dispatch_mode=grab"], "ops")
        assert await estate_settings.read(uow, bx, "dispatch_mode.housekeeping") == "grab"
        await settings_service.change(uow, "BX", ["spot_check_share=0.25"], "ops")
        assert await estate_settings.read(uow, bx, "spot_check_share") == 0.25


async def test_several_values_are_set_at_once_and_the_old_readers_see_them(
    uows: UnitOfWorkFactory,
) -> None:
    bx = await estate_id(uows)
    async with uows() as uow:
        changes = await settings_service.change(
            uow,
            "bx",
            [
                "dispatch_mode.housekeeping=grab",
                "working_hours=07:30-18:00",
                "time_limit.registered.urgent=10",
                "callback_delay_hours=2",
                "callback_delay_hours.complaint=0",
                "callback_policy.praise=always",
                "completion_photos=optional",
                "fee_threshold=250",
                "greeting_time=10:00",
            ],
            "王经理",
        )
        await uow.commit()
    assert [c.key for c in changes][:2] == ["dispatch_mode.housekeeping", "working_hours"]
    async with uows() as uow:
        estate = await uow.session.get_one(Estate, bx)
        assert await dispatch.mode_for(uow, bx, OrderKind.HOUSEKEEPING) is DispatchMode.GRAB
        assert await dispatch.mode_for(uow, bx, OrderKind.IN_HOME_REPAIR) is DispatchMode.ASSIGN
        assert working_hours(estate.settings) == (time(7, 30), time(18))
        assert limit_for("registered", "urgent", estate.settings) == timedelta(minutes=10)
        assert limit_for("registered", "normal", estate.settings) == timedelta(minutes=30)
        read = callbacks.settings_of(estate.settings)
        assert read.delay_for(OrderKind.IN_HOME_REPAIR) == timedelta(hours=2)
        assert read.delay_for(OrderKind.COMPLAINT) == timedelta(0)
        assert read.policy_for(OrderKind.PRAISE) is callbacks.Policy.ALWAYS
        assert await jobs.fee_threshold(uow, bx) == Decimal(250)
        assert estate.settings["greetings"] == {"time": "10:00"}
        assert estate.settings["completion_photos"] == "optional"


async def test_one_bad_value_and_nothing_is_changed(uows: UnitOfWorkFactory) -> None:
    bx = await estate_id(uows)
    async with uows() as uow:
        before = dict((await uow.session.get_one(Estate, bx)).settings or {})
        with pytest.raises(InvalidSetting) as refused:
            await settings_service.change(
                uow, "BX", ["digest_am=09:00", "spot_check_share=2", "fee_threshold=1"], "ops"
            )
        assert "spot_check_share" in message(refused.value)
        await uow.commit()
    async with uows() as uow:
        estate = await uow.session.get_one(Estate, bx)
        assert (estate.settings or {}) == before
        assert estate.fee_threshold == Decimal(100)
        assert list(await uow.session.scalars(select(SettingChange))) == []


@pytest.mark.parametrize(
    ("assignments", "says"),
    [
        ([], "nothing to set"),
        (["digest_am"], "write key=value"),
        (["=08:00"], "write key=value"),
        (["digest_am=08:00", "digest_am=09:00"], "digest_am is given twice"),
        (["no_such=1"], "unknown setting 'no_such'"),
    ],
)
async def test_a_malformed_request_changes_nothing(
    uows: UnitOfWorkFactory, assignments: list[str], says: str
) -> None:
    async with uows() as uow:
        with pytest.raises(InvalidInput) as refused:
            await settings_service.change(uow, "BX", assignments, "ops")
        assert says in message(refused.value)


async def test_every_change_is_recorded_with_who_and_when(uows: UnitOfWorkFactory) -> None:
    async with uows() as uow:
        await settings_service.change(uow, "BX", ["digest_am=08:30", "fee_threshold=150"], "王经理")
        await uow.commit()
    uows.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    async with uows() as uow:
        # The same value again is no change; `default` forgets the estate's own value.
        changes = await settings_service.change(
            uow, "BX", ["digest_am=default", "fee_threshold=150.00"], "ops"
        )
        assert [(c.key, c.old, c.new) for c in changes] == [("digest_am", "08:30", None)]
        await uow.commit()
    async with uows() as uow:
        history = await settings_service.history(uow, "BX")
        estate = await directory.require_estate(uow, "BX")
        stored = (await uow.session.get_one(Estate, estate.id)).settings or {}
    assert "routines" not in stored  # emptied parents go too
    assert [(h.key, h.old, h.new, h.changed_by) for h in history] == [
        ("digest_am", "08:30", None, "ops"),
        ("fee_threshold", "100.00", "150.00", "王经理"),
        ("digest_am", None, "08:30", "王经理"),
    ]
    assert history[0].at - history[1].at == timedelta(hours=1)
    assert history[1].at == uows.clock.now() - timedelta(hours=1)  # type: ignore[attr-defined]


async def test_a_team_sets_its_own_digest_times_and_nothing_else(uows: UnitOfWorkFactory) -> None:
    async with uows() as uow:
        changes = await settings_service.change(
            uow,
            "BX",
            ["digest_am=09:00"],
            "ops",
            team_name="工程組",  # either script
        )
        assert [(c.key, c.team_name, c.new) for c in changes] == [("digest_am", "工程组", "09:00")]
        with pytest.raises(InvalidInput) as refused:
            await settings_service.change(uow, "BX", ["fee_threshold=1"], "ops", team_name="工程组")
        assert "a team sets only digest_am, digest_pm" in message(refused.value)
        with pytest.raises(NotFound):
            await settings_service.change(uow, "BX", ["digest_am=09:00"], "ops", team_name="无")
        await uow.commit()
    async with uows() as uow:
        view = await settings_service.show(uow, "BX")
    [engineering] = [team for team in view.teams if team.team_name == "工程组"]
    lines = {line.name: line for line in engineering.lines}
    assert lines["digest_am"].value == time(9) and lines["digest_am"].own == time(9)
    assert lines["digest_pm"].value == time(13, 30) and lines["digest_pm"].own is None
    estate_lines = {line.name: line for line in view.lines}
    assert estate_lines["digest_am"].value == time(8)  # the estate's own stays


async def test_an_unreadable_stored_value_is_shown_as_kept_and_mended_by_set(
    uows: UnitOfWorkFactory,
) -> None:
    """A value written by hand into the JSON: shown as kept, not a crash; the scheduler keeps
    the estate's time for a team's; `set` mends it and records what was there."""
    bx = await estate_id(uows)
    async with uows() as uow:
        estate = await uow.session.get_one(Estate, bx)
        estate.settings = {**(estate.settings or {}), "spot_check_share": "a tenth"}
        team = await uow.session.scalar(select(Team).where(Team.name == "工程组"))
        assert team is not None
        team.settings = {"routines": {"digest_am": "9am"}}
        await uow.commit()
    async with uows() as uow:
        with pytest.raises(BadStoredSetting) as refused:
            await estate_settings.read(uow, bx, "spot_check_share")
        assert message(refused.value).startswith("spot_check_share: the stored value 'a tenth'")
        view = await settings_service.show(uow, "BX")
        [line] = [line for line in view.lines if line.name == "spot_check_share"]
        assert (line.value, line.unreadable, line.default) == (None, "a tenth", 0.1)
        [engineering] = [t for t in view.teams if t.team_name == "工程组"]
        assert engineering.lines[0].unreadable == "9am"
        [times] = await routines.estates(uow)
        assert times.team_times == {}  # the estate's digest time, for now
        changes = await settings_service.change(uow, "BX", ["spot_check_share=0.2"], "ops")
        assert [(c.old, c.new) for c in changes] == [("a tenth", "0.2")]
        await uow.commit()
    async with uows() as uow:
        assert await estate_settings.read(uow, bx, "spot_check_share") == 0.2


async def test_only_supervisors_managers_and_admins_read_them(uows: UnitOfWorkFactory) -> None:
    async with uows() as uow:
        bx = await directory.require_estate(uow, "BX")
        ids = {
            phone: await directory.staff_person(uow, bx.id, phone)
            for phone in ("13800000001", "13800000003", "13800000004", "13800000005")
        }
        for reader in ("13800000004", "13800000005"):  # supervisor, manager
            [view] = await settings_service.readable(uow, ids[reader])
            assert view.code == "BX"
        for other in ("13800000001", "13800000003", None):  # technician, dispatcher, nobody
            with pytest.raises(PermissionDenied):
                await settings_service.readable(uow, ids.get(other or ""))
        await people.revoke_role(uow, ids["13800000004"], bx.id, Role.SUPERVISOR)
        with pytest.raises(PermissionDenied):  # a role taken away counts at once
            await settings_service.readable(uow, ids["13800000004"])
