"""`guanjia feedback` against a SQLite file: an estate's comments for a period as CSV, newest
first, narrowed to a team or a worker, each export recorded with the operator's login."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from test_notice_cli import EXAMPLE, db_url, key  # noqa: F401 - the fixtures
from typer.testing import CliRunner

from bot.cli.admin import admin_app
from core.clock import Clock
from core.crypto import Cipher
from core.db import create_engine, session_factory
from core.models import Feedback, ReportExport
from core.services import directory, feedback, people
from core.uow import UnitOfWorkFactory


async def _comments(url: str, data_key: str) -> str:
    """Three comments today (the last spoken, by 李阿姨 of 家政组) and one 40 days ago; the
    local day of today, for the period."""
    engine = create_engine(url)
    clock = Clock()
    uows = UnitOfWorkFactory(session_factory(engine), clock, Cipher(data_key))
    async with uows() as uow:
        estate = await directory.require_estate(uow, "BX")
        team = await directory.get_team(uow, estate.id, "家政组")
        worker = await people.find_by_phone(uow, "13800000002")
        assert team is not None and worker is not None
        old = await feedback.record_feedback(uow, estate.id, "survey", "去年的意见")
        await feedback.record_feedback(uow, estate.id, "praise", "保安很负责")
        await feedback.record_feedback(uow, estate.id, "survey", "电梯慢, 请维修", rating=2)
        await feedback.record_feedback(
            uow, estate.id, "callback", None, team=team.id, worker=worker, rating=5,
            voice_ref="voice-1", voice_seconds=12,
        )  # fmt: skip
        row = await uow.session.get_one(Feedback, old)
        row.created_at = clock.now() - timedelta(days=40)
        await uow.commit()
        today = clock.now().astimezone(ZoneInfo(estate.timezone)).date()
    await engine.dispose()
    return today.isoformat()


async def _exports(url: str, data_key: str) -> list[str]:
    engine = create_engine(url)
    uows = UnitOfWorkFactory(session_factory(engine), Clock(), Cipher(data_key))
    async with uows() as uow:
        found = list(await uow.session.scalars(select(ReportExport.what)))
    await engine.dispose()
    return found


def test_feedback_as_csv_by_period_team_and_worker(
    key: str,  # noqa: F811
    db_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    runner = CliRunner()
    assert runner.invoke(admin_app, ["import", str(EXAMPLE)]).exit_code == 0
    today = asyncio.run(_comments(db_url, key))
    out = tmp_path / "feedback.csv"

    result = runner.invoke(
        admin_app, ["feedback", "--estate", "BX", "--from", today, "--to", today, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert [row["text"] for row in rows] == ["", "电梯慢, 请维修", "保安很负责"]  # newest first
    assert rows[0]["worker"] == "李阿姨" and rows[0]["team"] == "家政组"
    assert (rows[0]["voice_seconds"], rows[0]["rating"], rows[0]["source"]) == (
        "12",
        "5",
        "callback",
    )

    result = runner.invoke(
        admin_app, ["feedback", "--estate", "BX", "--from", today, "--to", today,
                    "--team", "家政组", "--locale", "zh_Hant"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert [(row["team"], row["worker"]) for row in rows] == [("家政組", "李阿姨")]

    result = runner.invoke(
        admin_app, ["feedback", "--estate", "BX", "--from", today, "--to", today,
                    "--worker", "13800000001"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.lstrip("\ufeff").splitlines()[1:] == []  # 张师傅: nothing said

    result = runner.invoke(admin_app, ["feedback", "--estate", "BX", "--team", "没有这个组"])
    assert result.exit_code != 0
    assert asyncio.run(_exports(db_url, key)) == ["feedback csv"] * 3
