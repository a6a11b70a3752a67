"""Logs hold no personal data: a database error names its statement, never its parameters."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.db import create_engine


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
