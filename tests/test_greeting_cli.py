"""`guanjia greeting list|show|set|reset` against a SQLite file: the region's festivals with
their defaults, a text set in Traditional with its Simplified made by OpenCC, one read from a
file, one kept script, a bad festival refused, and the greeting broadcast using the estate's own
text."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from cli_helpers import cli_database
from typer.testing import CliRunner

from bot.cli.admin import admin_app
from bot.cli.greetings import greeting_app
from core.clock import Clock
from core.crypto import Cipher
from core.db import create_engine, session_factory
from core.models import Estate
from core.services import greetings
from core.uow import UnitOfWorkFactory

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "estate.csv"


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url, _key = cli_database(tmp_path, monkeypatch)
    result = CliRunner().invoke(admin_app, ["import", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    return url


def _run(*args: str) -> str:
    result = CliRunner().invoke(greeting_app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


async def _estate_texts(url: str, code: str) -> tuple[str, str]:
    import os

    engine = create_engine(url)
    uows = UnitOfWorkFactory(session_factory(engine), Clock(), Cipher(os.environ["DATA_KEY"]))
    async with uows() as uow:
        from sqlalchemy import select

        estate = (await uow.session.scalars(select(Estate).where(Estate.code == code))).one()
        texts = greetings.greeting_texts(estate, "mid_autumn", date(2027, 9, 15))
    await engine.dispose()
    return texts


def test_list_show_set_and_reset(db_url: str, tmp_path: Path) -> None:
    listed = _run("list", "BX")
    for festival in ("spring_festival", "qingming", "dragon_boat", "mid_autumn", "national_day"):
        assert festival in listed
    assert "default" in listed and "own" not in listed.split("text", 1)[1]

    shown = _run("show", "BX", "mid_autumn")
    assert (
        "中秋快乐！碧溪花园" in shown and "中秋快樂！碧溪花園" in shown and "default text" in shown
    )

    changed = _run(
        "set", "BX", "mid_autumn", "--locale", "zh_Hant", "--text", "月圓人團圓，中秋快樂！"
    )
    assert "own text" in changed
    assert "月圆人团圆，中秋快乐！" in changed and "月圓人團圓，中秋快樂！" in changed
    assert asyncio.run(_estate_texts(db_url, "BX")) == (
        "月圆人团圆，中秋快乐！",
        "月圓人團圓，中秋快樂！",
    )

    # From a file, keeping the Traditional written before.
    letter = tmp_path / "greeting.txt"
    letter.write_text("\ufeff花好月圆，阖家幸福。\n", "utf-8")
    _run("set", "BX", "mid_autumn", "--from-file", str(letter), "--keep-other")
    assert asyncio.run(_estate_texts(db_url, "BX")) == (
        "花好月圆，阖家幸福。",
        "月圓人團圓，中秋快樂！",
    )

    reset = _run("reset", "BX", "mid_autumn")
    assert "default text" in reset and "中秋快乐！碧溪花园" in reset


def test_refusals(db_url: str) -> None:
    for args, said in (
        (["show", "BX", "halloween"], "Unknown festival"),
        (["set", "BX", "mid_autumn"], "--text or --from-file"),
        (["set", "BX", "mid_autumn", "--text", "  "], "no text"),
        (["set", "BX", "mid_autumn", "--locale", "en", "--text", "hi"], "--locale"),
        (["show", "NOPE", "mid_autumn"], "unknown estate"),
    ):
        result = CliRunner().invoke(greeting_app, args)
        assert result.exit_code == 1, (args, result.output)
        assert said in result.output, (args, result.output)
