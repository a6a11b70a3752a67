"""Alembic environment of guanjia: async engines, SQLite batch mode, plain types in revisions.

Add a revision (full instructions in migrations/README):

    rm -f /tmp/guanjia-rev.db
    DATABASE_URL=sqlite+aiosqlite:////tmp/guanjia-rev.db .venv/bin/alembic upgrade head
    DATABASE_URL=sqlite+aiosqlite:////tmp/guanjia-rev.db \
        .venv/bin/alembic revision --autogenerate --rev-id 0002 -m "what changed"

Two ways in:

* core/migrate.py (the `guanjia db ...` commands, the tests) opens the connection itself and
  hands a sync Connection over in ``config.attributes["connection"]``; env.py then only runs
  the migrations on it and leaves transaction and logging alone.
* the alembic CLI: env.py builds an async engine with core.db.create_engine from, first found,
  ``-x url=...``, ``sqlalchemy.url``, $DATABASE_URL, or sqlite+aiosqlite:///guanjia.db.
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig
from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import TypeDecorator
from sqlalchemy.engine import Connection

from core.db import is_sqlite
from core.migrate import migration_connection
from core.models import Base

DEFAULT_URL = "sqlite+aiosqlite:///guanjia.db"

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    return (
        context.get_x_argument(as_dictionary=True).get("url")
        or config.get_main_option("sqlalchemy.url")
        or os.environ.get("DATABASE_URL")
        or DEFAULT_URL
    )


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Render a TypeDecorator (UTCDateTime...) as its plain SQLAlchemy impl: sa.DateTime(...).

    Revisions must never import model code: it changes, old revisions must not.
    """
    if type_ == "type" and isinstance(obj, TypeDecorator):
        impl = obj.impl_instance
        if type(impl).__module__.startswith("sqlalchemy.sql"):
            return f"sa.{impl!r}"
    return False


def configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online(url: str) -> None:
    # The same connection set-up as core.migrate (SQLite foreign keys off, ?schema= honoured).
    async with migration_connection(url) as conn:
        await conn.run_sync(configure_and_run)


def run_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=is_sqlite(database_url()),
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    configure_and_run(connection)
else:
    if config.config_file_name is not None and config.attributes.get("configure_logger", True):
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    if context.is_offline_mode():
        run_offline()
    else:
        asyncio.run(run_online(database_url()))
