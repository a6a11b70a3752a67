"""`guanjia estate show|set|history` against a SQLite file: every setting listed aligned in
either script, several set at once, a bad one refusing them all with a one-line error and a
non-zero exit, a team's own digest time, and the history with who changed what."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import cli_database
from typer.testing import CliRunner

from bot.cli.admin import admin_app
from bot.cli.estates import estate_app
from core.estate_settings import SETTINGS

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "estate.csv"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The sample estate in a fresh SQLite file, the environment pointing at it."""
    cli_database(tmp_path, monkeypatch)
    runner = CliRunner()
    assert runner.invoke(admin_app, ["import", str(EXAMPLE)]).exit_code == 0
    return runner


def rows_of(output: str) -> dict[str, list[str]]:
    """Setting name -> [value, default, meaning] from the first table of `estate show`."""
    found: dict[str, list[str]] = {}
    for line in output.splitlines():
        cells = line.split()
        if cells and cells[0] in SETTINGS and cells[0] not in found:
            found[cells[0]] = cells[1:]
    return found


def test_show_lists_every_setting_aligned_in_either_script(runner: CliRunner) -> None:
    result = runner.invoke(estate_app, ["show", "BX"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "BX 碧溪花园"
    assert lines[1].split() == ["设置项", "数值", "默认值", "说明"]
    rows = rows_of(result.stdout)
    assert set(rows) == set(SETTINGS)
    assert rows["fee_threshold"] == ["100.00", "100.00", "达到此金额的费用由主管收取"]
    inherited = ["assign", "=", "dispatch_mode", "派工方式（家政服务）"]
    assert rows["dispatch_mode.housekeeping"] == inherited
    assert rows["survey_alert_threshold"][:2] == ["0.85", "0.85"]
    assert "[时限]" in lines and "[班组：工程组（未单独设置的，按小区的时间）]" in lines
    assert "客服组" not in result.stdout  # no job lists, so no times of its own
    # Aligned: every value starts in the same column, under the header's (the dashes).
    value_column = len(lines[2].split()[0]) + 2
    for line in lines[3:]:
        if line.split()[0] in SETTINGS:
            assert line[value_column - 2 : value_column] == "  ", line
            assert line[value_column] != " ", line

    result = runner.invoke(estate_app, ["show", "BX", "--locale", "zh_Hant"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "BX 碧溪花園"
    assert rows_of(result.stdout)["fee_threshold"][2] == "達到此金額的費用由主管收取"

    result = runner.invoke(estate_app, ["show", "BX", "--locale", "en"])
    assert result.exit_code == 1
    assert "--locale must be one of zh_Hans, zh_Hant" in result.stderr
    result = runner.invoke(estate_app, ["show", "XX"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: unknown estate XX"


def test_set_several_at_once_then_history(runner: CliRunner) -> None:
    result = runner.invoke(
        estate_app,
        ["set", "BX", "digest_am=08:30", "fee_threshold=200", "spot_check_share=0.2",
         "--by", "王经理"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "digest_am: (default) -> 08:30",
        "fee_threshold: 100.00 -> 200.00",
        "spot_check_share: (default) -> 0.2",
    ]
    rows = rows_of(runner.invoke(estate_app, ["show", "BX"]).stdout)
    assert rows["digest_am"][:2] == ["08:30", "08:00"]
    assert rows["fee_threshold"][:2] == ["200.00", "100.00"]

    result = runner.invoke(estate_app, ["set", "BX", "digest_am=08:30"])
    assert result.exit_code == 0
    assert "nothing changed" in result.stdout

    result = runner.invoke(estate_app, ["set", "BX", "digest_am=default", "--by", "ops"])
    assert result.stdout.strip() == "digest_am: 08:30 -> (default)"

    result = runner.invoke(estate_app, ["history", "BX"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["when", "setting", "team", "old", "new", "by"]
    assert [line.split()[2:] for line in lines[2:]] == [
        ["digest_am", "08:30", "(default)", "ops"],
        ["spot_check_share", "(default)", "0.2", "王经理"],
        ["fee_threshold", "100.00", "200.00", "王经理"],
        ["digest_am", "(default)", "08:30", "王经理"],
    ]


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["digest_am=9点", "fee_threshold=1"],
         "error: digest_am: '9点' is not allowed; allowed: a time of day HH:MM, e.g. 08:30, "
         "or default"),
        (["fee_threshold=1", "dispatch_mode=robot"],
         "error: dispatch_mode: 'robot' is not allowed; allowed: one of assign, auto, grab, "
         "or default"),
        (["fee_threshold=1", "digest_morning=08:00"],
         "error: unknown setting 'digest_morning' (did you mean digest_pm, digest_am?); "
         "`guanjia estate show CODE` lists them"),
        (["fee_threshold"], "error: 'fee_threshold': write key=value, e.g. digest_am=08:30"),
        (["fee_threshold=1", "--team", "工程组"],
         "error: fee_threshold is an estate setting; a team sets only digest_am, digest_pm"),
        (["digest_am=09:00", "--team", "客服组"],
         "error: team 客服组 gets no job lists: it has no times"),
    ],
)  # fmt: skip
def test_a_bad_set_is_one_line_and_changes_nothing(
    runner: CliRunner, arguments: list[str], error: str
) -> None:
    result = runner.invoke(estate_app, ["set", "BX", *arguments])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [error]
    rows = rows_of(runner.invoke(estate_app, ["show", "BX"]).stdout)
    assert rows["fee_threshold"][0] == "100.00"
    history = runner.invoke(estate_app, ["history", "BX"])
    assert history.stdout == "no changes recorded\n"


def test_a_team_gets_its_own_digest_time(runner: CliRunner) -> None:
    result = runner.invoke(
        estate_app, ["set", "BX", "--team", "工程组", "digest_am=09:00", "--by", "ops"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "工程组: digest_am: (default) -> 09:00"
    lines = runner.invoke(estate_app, ["show", "BX"]).stdout.splitlines()
    team = lines.index("[班组：工程组（未单独设置的，按小区的时间）]")
    assert lines[team + 1].split()[:3] == ["digest_am", "09:00", "08:00"]
    history = runner.invoke(estate_app, ["history", "BX"]).stdout.splitlines()
    assert history[2].split()[2:] == ["digest_am", "工程组", "(default)", "09:00", "ops"]
