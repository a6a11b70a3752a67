"""Throw-away databases for tests: a SQLite file, or a fresh PostgreSQL schema.

Every test that touches a database can run on both back ends::

    import pytest
    from dbutil import BACKENDS, temp_database

    @pytest.fixture(params=BACKENDS)
    async def db_url(request, tmp_path):
        async with temp_database(request.param, tmp_path) as url:
            yield url

``BACKENDS`` is ``["sqlite", "postgres"]``; the "postgres" case is marked ``postgres`` and
skipped unless $GUANJIA_TEST_PG_URL is set, e.g.
``GUANJIA_TEST_PG_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test``.

PostgreSQL isolation: each test gets a schema with a random name, created empty and dropped
(CASCADE) afterwards. The URL handed to the test carries it as ``?schema=NAME``; an engine made
from that URL must set ``search_path=NAME`` on its connections. ``core.migrate`` does;
for other engines use ``make_engine(url)`` below (= core.migrate.engine_for) until
core.db.create_engine understands ``?schema=`` itself. Always ``await engine.dispose()``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db import create_engine
from core.migrate import SCHEMA_PARAM, engine_for

PG_URL_ENV = "GUANJIA_TEST_PG_URL"


def pg_base_url() -> str | None:
    """The PostgreSQL server URL for tests ($GUANJIA_TEST_PG_URL), or None: skip PostgreSQL."""
    return os.environ.get(PG_URL_ENV) or None


BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(pg_base_url() is None, reason=f"{PG_URL_ENV} is not set"),
        ],
    ),
]


def url_with_schema(base_url: str, schema: str) -> str:
    """``base_url`` plus ``?schema=NAME`` (any schema already there is replaced)."""
    url = make_url(base_url).update_query_dict({SCHEMA_PARAM: schema})
    return url.render_as_string(hide_password=False)


def make_engine(url: str) -> AsyncEngine:
    """An engine for a URL from this module: core.db.create_engine honouring ``?schema=``."""
    return engine_for(url)


@asynccontextmanager
async def pg_schema(base_url: str) -> AsyncIterator[str]:
    """Create an empty schema with a random name; yield a URL into it; then DROP it CASCADE.

    ``base_url`` is a postgresql+asyncpg URL of a database the user may create schemas in.
    """
    schema = "test_" + secrets.token_hex(6)
    admin = create_engine(base_url)
    try:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            yield url_with_schema(base_url, schema)
        finally:
            async with admin.begin() as conn:
                await conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await admin.dispose()


@asynccontextmanager
async def temp_database(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """Yield the URL of an empty database: ``backend`` is "sqlite" (a file in ``tmp_path``)
    or "postgres" (a fresh schema on $GUANJIA_TEST_PG_URL, see pg_schema)."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    elif backend == "postgres":
        base = pg_base_url()
        if base is None:
            pytest.skip(f"{PG_URL_ENV} is not set")
        async with pg_schema(base) as url:
            yield url
    else:
        raise ValueError(f"unknown database backend {backend!r}")


# The heaviest real-process and storm tests run once per database and once per front end, in
# two pairs, not in all four combinations: each pair still proves its database and its front
# end, and the suite stays within its time (README, "The tests, and how long they take").
EACH_DATABASE_AND_FRONT_END_ONCE = pytest.mark.parametrize(
    ("db_url", "framework"),
    [
        ("sqlite", "ptb"),
        pytest.param(
            "postgres",
            "aiogram",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(pg_base_url() is None, reason=f"{PG_URL_ENV} is not set"),
            ],
        ),
    ],
    indirect=["db_url"],
)
