"""One process leads a role (the scheduler; polling): on PostgreSQL the holder of an advisory
lock, kept on a connection of its own for as long as the process lives; SQLite serves one
machine, which always leads.

A follower asks again at every tick, so when the leader dies (its connection closes and
PostgreSQL frees the lock) another process takes over within a tick.
"""

from __future__ import annotations

import asyncio
import logging
import zlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

# The lock's 64-bit key: a fixed high half ("guan" in ASCII) and the CRC-32 of the database
# and schema, so that deployments (and test schemas) sharing one server never block each other.
SCHEDULER_LOCK = 0x6775616E
POLLING_LOCK = 0x706F6C6C  # "poll": one process asks Telegram for updates (409 for two)


class Leadership:
    def __init__(
        self, engine: AsyncEngine, lock: int = SCHEDULER_LOCK, role: str = "scheduler"
    ) -> None:
        self.engine = engine
        self.lock = lock
        self.role = role
        self.key: int | None = None
        self._connection: AsyncConnection | None = None

    @property
    def shared(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    async def is_leader(self) -> bool:
        """Checks the lock is still held (the connection alive), or tries to take it."""
        if not self.shared:
            return True
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                return True
            except Exception:
                log.warning("lost the %s lock's connection; leadership given up", self.role)
                await self.release()
        connection = await self.engine.connect()
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            where = await connection.scalar(
                text("SELECT current_database() || '.' || current_schema()")
            )
            self.key = (self.lock << 32) | zlib.crc32(str(where).encode())
            taken = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            )
        except BaseException:  # a cancellation too: never leave the connection checked out
            await asyncio.shield(connection.close())
            raise
        if taken:
            self._connection = connection
            log.info("this process now leads: %s", self.role)
            return True
        await connection.close()
        return False

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        except Exception:  # a dead connection: closing it frees the lock anyway
            pass
        finally:
            await connection.close()
