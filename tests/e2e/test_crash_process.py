"""The real bot process killed (SIGKILL) at random points of a busy intake, three times on each
database: no order lost or doubled, no update lost, no message lost, copies only within the
sender's in-flight window (sandbox/crashing.py says what each promise means; `python -m
bench.crash` runs twenty kills)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.crashing import crash_intake


@pytest.mark.timeout(900)
async def test_killing_the_bot_during_a_busy_intake_loses_nothing(
    db_url: str, tmp_path: Path
) -> None:
    # An 8-second lease instead of 30: a dead process's answers are sent sooner, the promises
    # the same (bench.crash runs with the production lease).
    report = await crash_intake(db_url, tmp_path, trials=3, residents=20, lease_seconds=8)
    assert report.problems == [], report.summary() + "\n" + (tmp_path / "bot.log").read_text()
    assert report.confirmed > 0 and report.orders == report.confirmed
