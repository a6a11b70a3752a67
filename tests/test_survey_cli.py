"""`guanjia survey create|start|status|answer|report|close` against a SQLite file: the example
questionnaire to the sample estate, the questionnaires written to the outbox, the households
with no chat listed and answered by the office, the rates, the refusals as one line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cli_helpers import cli_database
from test_notice_cli import _chats_for_every_resident, _outbox
from typer.testing import CliRunner

from bot.cli.admin import admin_app
from bot.cli.surveys import survey_app

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'guanjia.db'}"


@pytest.fixture
def key(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url, key = cli_database(tmp_path, monkeypatch)
    assert url == db_url
    return key


def test_a_survey_from_the_command_line(key: str, db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(admin_app, ["import", str(EXAMPLES / "estate.csv")]).exit_code == 0
    # 赵先生 and 赵太太 (1栋101, one household) and 孙小姐 (2栋101) have chats; 1栋102 and
    # 1栋201 have nobody bound.
    asyncio.run(_chats_for_every_resident(db_url, key))

    bad = tmp_path / "bad.yaml"
    bad.write_text("title: 调查\nquestions:\n  - {key: a, kind: slider, text: 打分}\n")
    until = ["--until", "2099-01-01 18:00"]
    result = runner.invoke(survey_app, ["create", str(bad), "--estate", "BX", *until])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {bad}: line 3: question 'a': kind must be one of choice, rating, text, not "
        "'slider'"
    ]

    example = str(EXAMPLES / "survey_2026H2.csv")
    result = runner.invoke(survey_app, ["create", example, "--estate", "BX", "--until", "soon"])
    assert result.exit_code == 1
    assert "--until: bad time 'soon'" in result.stderr

    result = runner.invoke(
        survey_app, ["create", example, "--estate", "BX", "--until", "2099-01-01 18:00"]
    )
    assert result.exit_code == 0, result.output
    assert "survey 1 created (draft), for every household of the estate" in result.stdout
    assert "1. (choice [satisfied]) 总体而言，您对管理处的服务满意吗？" in result.stdout
    assert "   4) 不滿意" in result.stdout

    result = runner.invoke(survey_app, ["start", "1"])
    assert result.exit_code == 0, result.output
    assert "4 household(s), 2 with a chat" in result.stdout
    sent = asyncio.run(_outbox(db_url, key))
    assert sorted(chat for chat, _, _ in sent) == [700, 701, 702]
    texts = {chat: text for chat, _, text in sent}
    assert texts[701].startswith("【滿意度調查】2026年下半年住戶滿意度調查\n第1題（共5題）：")
    result = runner.invoke(survey_app, ["start", "1"])
    assert result.exit_code == 1
    assert result.stderr == "error: This survey has already been started.\n"

    # The office enters 1栋102's paper questionnaire; a wrong answer is refused first.
    result = runner.invoke(
        survey_app, ["answer", "1", "--unit", "1栋/102", "--answer", "overall=9"]
    )
    assert result.exit_code == 1
    assert result.stderr == "error: Question overall: give an option's number from 1 to 4.\n"
    result = runner.invoke(
        survey_app,
        ["answer", "1", "--unit", "1栋/102", "--answer", "overall=不满意", "--answer",
         "security=4", "--answer", "environment=3", "--answer", "repair=2", "--answer",
         "comment=楼道灯坏了"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1栋/102 answered by the office (not satisfied)" in result.stdout

    result = runner.invoke(survey_app, ["status", "1"])
    assert result.exit_code == 0, result.output
    # Nothing was handed to Telegram (no bot runs here): only the office's household is reached.
    assert "发放率：共4户，已送达1户，25.0%（目标90.0%）" in result.stdout
    assert "满意率：回收1份，满意0份，0.0%" in result.stdout
    assert "以下1户尚未绑定房屋，请用纸质问卷或电话调查：1栋201" in result.stdout

    result = runner.invoke(survey_app, ["report", "1", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.lstrip("\ufeff").splitlines()
    assert lines[0] == (
        "building,unit,has_chat,reached,by_office,returned,satisfied,overall,security,"
        "environment,repair,comment"
    )
    assert "1栋,102,no,yes,yes,yes,no,不满意,4,3,2,楼道灯坏了" in lines
    result = runner.invoke(survey_app, ["report", "1", "--locale", "zh_Hant"])
    assert result.exit_code == 0, result.output
    assert "【糾正措施】" in result.stdout and "意見：楼道灯坏了" in result.stdout

    result = runner.invoke(survey_app, ["close", "1"])
    assert result.exit_code == 0, result.output
    assert "satisfaction 0.0%" in result.stdout
    assert "the managers were sent the corrective-action alert" in result.stdout
    result = runner.invoke(survey_app, ["close", "1"])
    assert result.exit_code == 1
    assert result.stderr == "error: This survey is not running.\n"
