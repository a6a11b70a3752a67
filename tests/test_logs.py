"""Logs hold no personal data: a database error names its statement, never its parameters."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli.main import startup_line
from bot.conversation.context import BotConfig, Context
from bot.conversation.events import Inbound, Kind
from bot.runtime import scheduler
from bot.runtime.logs import QUIET, JsonFormatter, configure
from bot.runtime.pipeline import Pipeline
from bot.runtime.settings import Settings
from core import logcontext
from core.clock import FakeClock
from core.crypto import Cipher, new_key
from core.db import create_engine, session_factory
from core.enums import OrderKind
from core.lifecycle import Actor
from core.models import Base
from core.services import directory, importer, orders
from core.services.orders import NewOrder
from core.uow import UnitOfWorkFactory


async def test_a_database_error_shows_no_parameter() -> None:
    engine = create_engine("sqlite+aiosqlite://")
    try:
        async with engine.connect() as connection:
            with pytest.raises(Exception, match="no such table") as raised:
                await connection.execute(
                    text("SELECT * FROM nowhere WHERE phone = :phone"), {"phone": "13912345678"}
                )
    finally:
        await engine.dispose()
    assert "13912345678" not in str(raised.value)


def test_quiet_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    for name in QUIET:
        monkeypatch.setattr(logging.getLogger(name), "level", logging.NOTSET)
    configure("INFO", "text")
    assert logging.getLogger("guanjia").isEnabledFor(logging.INFO)
    for name in ("httpx", "apscheduler.executors.default", "apscheduler.scheduler"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
        assert logging.getLogger(name).isEnabledFor(logging.WARNING), name


def test_scheduler_jobs_have_readable_names() -> None:
    source = Path(scheduler.__file__).read_text(encoding="utf-8")
    assert source.count("name=") >= 3  # the sweep, the housekeeping, each routine
    assert 'name="time-limit sweep"' in source


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_json_lines_carry_ids_only() -> None:
    lines = _Lines()
    log = logging.getLogger("guanjia.test")
    log.addHandler(lines)
    log.setLevel(logging.INFO)
    try:
        log.info("nothing under way")
        token = logcontext.update_id.set(7)
        try:
            log.info("an update")
        finally:
            logcontext.update_id.reset(token)
    finally:
        log.removeHandler(lines)
    first, second = (json.loads(line) for line in lines.lines)
    assert first["message"] == "nothing under way" and first["level"] == "INFO"
    assert {"update_id", "chat_id", "order"}.isdisjoint(first)
    assert second["update_id"] == 7
    assert all("\n" not in line for line in lines.lines)


SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "estate.csv"


async def test_a_failed_update_logs_its_update_chat_and_order_never_a_name(
    db_url: str,
) -> None:
    engine = create_engine(db_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    uows = UnitOfWorkFactory(session_factory(engine), FakeClock(), Cipher(new_key()))
    async with uows() as uow:
        await importer.import_csv(uow, SAMPLE.read_bytes())
        await uow.commit()
    pipeline = Pipeline(uows, [], BotConfig())

    async def register_then_break(ctx: Context) -> None:
        estate = await directory.require_estate(ctx.uow, "BX")
        unit = await directory.find_unit(ctx.uow, estate.id, "1栋", "101")
        assert unit is not None
        new = NewOrder(estate.id, OrderKind.IN_HOME_REPAIR, "漏水", None, unit_id=unit.id)
        await orders.register(ctx.uow, new, Actor.system())
        raise RuntimeError("a bug")

    inbound = Inbound(
        platform="telegram", bot_id=1, update_id=4242, kind=Kind.TEXT, user_id=99,
        chat_id=99, sent_at=FakeClock().now(), first_name="王小明", text="漏水",
    )  # fmt: skip
    lines = _Lines()
    pipeline_log = logging.getLogger("bot.runtime.pipeline")
    pipeline_log.addHandler(lines)
    try:
        await pipeline.handle(inbound, register_then_break)
    finally:
        pipeline_log.removeHandler(lines)
        await engine.dispose()
    [line] = [json.loads(line) for line in lines.lines if "a bug" in line]
    assert (line["update_id"], line["chat_id"]) == (4242, 99)
    assert line["order"].startswith("BX-")
    assert "王小明" not in json.dumps(line, ensure_ascii=False)
    assert logcontext.update_id.get() is None and logcontext.order_number.get() is None


def test_the_start_up_line() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url="postgresql+asyncpg://guanjia:s3cret@db.internal/guanjia",
    )
    line = startup_line(settings, "bx_home_bot", False, ["BX 碧溪花园"])
    assert "@bx_home_bot" in line and "long polling" in line and "BX 碧溪花园" in line
    assert "s3cret" not in line and "db.internal/guanjia" in line
