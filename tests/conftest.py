"""Shared fixtures: a throw-away database on each back end, the emulator, a running bot."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvloop

from core import i18n
from core.clock import FakeClock
from core.crypto import Cipher, new_key
from core.db import create_engine, session_factory
from core.models import Base
from core.services import importer
from core.uow import UnitOfWorkFactory
from sandbox.world import SAMPLE_ESTATE, World, running_world
from tg_emulator import Emulator

from dbutil import BACKENDS, temp_database

FRAMEWORKS = ["aiogram", "ptb"]


def pytest_configure(config: pytest.Config) -> None:
    """Every message rendered in any test must be in both catalogues: a missing one raises
    (core/i18n.py) instead of reaching a Chinese reader in English."""
    os.environ["GUANJIA_STRICT_I18N"] = "1"  # for the bots that tests start as processes
    i18n.STRICT = True


@pytest.fixture(params=BACKENDS)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with temp_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def clock() -> FakeClock:
    """Monday 23 November 2026, 09:00 in Shanghai: a working day, not a holiday."""
    return FakeClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))


@pytest.fixture
async def uows(db_url: str, clock: FakeClock) -> AsyncIterator[UnitOfWorkFactory]:
    """The sample estate (examples/estate.csv) on a fresh database, on the test's clock: what
    the core unit tests stand on."""
    engine = create_engine(db_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    factory = UnitOfWorkFactory(session_factory(engine), clock, Cipher(new_key()))
    async with factory() as uow:
        await importer.import_csv(uow, SAMPLE_ESTATE.read_bytes())
        await uow.commit()
    yield factory
    await engine.dispose()


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """Conversation tests tap faster than people: no rate limits here (tests of the limits
    make their own emulator)."""
    async with Emulator(rate_limits=False) as started:
        yield started


@pytest.fixture(params=FRAMEWORKS)
def framework(request: pytest.FixtureRequest) -> str:
    """Every end-to-end test runs on both Telegram front ends."""
    return request.param


@pytest.fixture
async def world(
    db_url: str, clock: FakeClock, framework: str, emulator: Emulator
) -> AsyncIterator[World]:
    async with running_world(
        db_url, clock=clock, emulator=emulator, framework=framework
    ) as running:
        yield running
    emulator.assert_no_violations()


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Any]:
    """Every test on the event loop the bot runs on (bot/loop.py)."""
    return {"uvloop": uvloop.new_event_loop}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say it loudly when the PostgreSQL half did not run."""
    skipped = terminalreporter.stats.get("skipped", [])
    postgres_skipped = [r for r in skipped if "postgres" in r.keywords]
    if postgres_skipped:
        bar = "!" * 78
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line(
            f"!! {len(postgres_skipped)} PostgreSQL tests were SKIPPED "
            "(set GUANJIA_TEST_PG_URL): this run proves SQLite only.",
            red=True,
            bold=True,
        )
        terminalreporter.write_line(bar, red=True, bold=True)
