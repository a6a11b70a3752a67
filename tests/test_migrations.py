"""The migrations build exactly the models' schema, and every step goes up and down cleanly.

Runs on SQLite always and on PostgreSQL when $GUANJIA_TEST_PG_URL is set (see dbutil).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pprint import pformat

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import Script

from core import migrate

from dbutil import BACKENDS, make_engine, temp_database


@pytest.fixture(params=BACKENDS)
async def db_url(request, tmp_path):
    async with temp_database(request.param, tmp_path) as url:
        yield url


def revisions_base_to_head() -> list[Script]:
    return list(reversed(list(migrate.script_directory().walk_revisions("base", "heads"))))


async def table_names(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return sorted(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))
    finally:
        await engine.dispose()


def test_one_head_and_a_linear_history():
    assert len(migrate.heads()) == 1, f"several heads {migrate.heads()}: merge them"
    for rev in revisions_base_to_head():
        assert not isinstance(rev.down_revision, tuple | list), f"{rev.revision} is a merge"


async def test_stairway(db_url):
    """Each revision: up, one step down, up again (catches downgrades that do not undo)."""
    revisions = revisions_base_to_head()
    assert revisions, "no revisions in migrations/versions"
    assert await migrate.current(db_url) is None
    for rev in revisions:
        await migrate.upgrade(db_url, rev.revision)
        assert await migrate.current(db_url) == rev.revision
        await migrate.downgrade(db_url, "-1")
        assert await migrate.current(db_url) == rev.down_revision
        await migrate.upgrade(db_url, rev.revision)
        assert await migrate.current(db_url) == rev.revision
    assert await migrate.is_up_to_date(db_url)


async def test_models_match_migrations(db_url):
    diff = await migrate.check_models_match(db_url)
    assert not diff, (
        "core/models.py and migrations/ disagree; add a revision (see migrations/README):\n"
        + pformat(diff)
    )


async def test_models_check_sees_a_difference(db_url):
    """check_models_match is not vacuous: a missing index shows up."""
    await migrate.upgrade(db_url)
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("DROP INDEX ix_orders_reporter_id")
    finally:
        await engine.dispose()
    diff = await migrate.check_models_match(db_url, upgrade_first=False)
    assert [(d[0], d[1].name) for d in diff] == [("add_index", "ix_orders_reporter_id")], diff


async def test_downgrade_to_base_leaves_only_the_version_table(db_url):
    await migrate.upgrade(db_url)
    assert len(await table_names(db_url)) > 1
    await migrate.downgrade(db_url, "base")
    assert await table_names(db_url) == ["alembic_version"]
    assert await migrate.current(db_url) is None


async def test_alembic_command_line(db_url):
    """The CLI path of env.py: its own event loop and engine, URL from -x url=."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "alembic",
        "-c",
        str(migrate.ALEMBIC_INI),
        "-x",
        f"url={db_url}",
        "upgrade",
        "head",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "DATABASE_URL": "sqlite+aiosqlite:////nonexistent/dir/x.db"},
    )
    output, _ = await proc.communicate()
    assert proc.returncode == 0, output.decode()
    assert await migrate.current(db_url) == migrate.heads()[0]


async def test_sqlite_batch_recreate_keeps_rows_that_reference_the_table(tmp_path):
    """Batch mode copies and drops a table; rows in other tables pointing at it must survive.

    core.db turns SQLite foreign keys on, which makes that DROP fail; core.migrate turns
    them off while migrating.
    """
    url = f"sqlite+aiosqlite:///{tmp_path / 'batch.db'}"
    await migrate.upgrade(url)
    async with migrate.migration_connection(url) as conn:
        await conn.exec_driver_sql(
            "INSERT INTO estates (id, code, name, timezone, region, default_locale,"
            " fee_threshold, settings) VALUES (1, 'BX', 'x', 'Asia/Shanghai', 'CN', 'zh_Hans',"
            " 100, '{}')"
        )
        await conn.exec_driver_sql("INSERT INTO buildings (id, estate_id, name) VALUES (1, 1, 'A')")
        await conn.commit()

        def alter(sync_conn):
            ops = Operations(MigrationContext.configure(sync_conn))
            with ops.batch_alter_table("estates", recreate="always") as batch:
                batch.add_column(sa.Column("note", sa.Text(), nullable=True))

        await conn.run_sync(alter)
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.exec_driver_sql("SELECT estate_id FROM buildings")).all()
            assert rows == [(1,)]
            assert (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all() == []
    finally:
        await engine.dispose()
