"""The unit of work: one transaction, rolled back unless the service commits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.clock import Clock
from core.crypto import Cipher
from core.news import News


class UnitOfWork:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, cipher: Cipher
    ) -> None:
        self._sessions = sessions
        self.clock = clock
        self.cipher = cipher
        self._session: AsyncSession | None = None
        # What happened that somebody must hear of (core/news.py): rendered before the commit.
        self.news: list[News] = []
        self.dialect = sessions.kw["bind"].dialect.name if "bind" in sessions.kw else "sqlite"

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `async with uow:`")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        self._session = self._sessions()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        self.news = []  # what a rolled-back change would have said is never said
        # Shielded: a task cancelled here (a shutdown) still ends its transaction. Left open,
        # it would keep SQLite's write lock, and every other writer, the sender recording
        # what it sent among them, would wait it out and fail.
        await asyncio.shield(_end(session))

    async def commit(self) -> None:
        await self.session.commit()

    async def flush(self) -> None:
        await self.session.flush()

    def announce(self, news: News) -> None:
        self.news.append(news)

    def take_news(self) -> list[News]:
        news, self.news = self.news, []
        return news

    def add(self, row: Any) -> None:
        self.session.add(row)


class UnitOfWorkFactory:
    """Builds a fresh unit of work per update or job; injected, never a module global."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, cipher: Cipher
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.cipher = cipher

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.clock, self.cipher)

    @property
    def engine(self) -> AsyncEngine:
        return self.sessions.kw["bind"]


async def each_in_its_own_unit(
    uow_factory: UnitOfWorkFactory,
    find: Callable[[UnitOfWork], Awaitable[Sequence[int]]],
    handle: Callable[[UnitOfWork, int], Awaitable[str | None]],
    before_commit: Callable[[UnitOfWork], Awaitable[None]],
) -> dict[str, int]:
    """What a sweep does: finds the ids due, then handles each in a unit of work of its own
    (one failure never holds back the rest), `before_commit(uow)` rendering that unit's news;
    counts what `handle` says it did (None: nothing was due after all)."""
    async with uow_factory() as uow:
        ids = await find(uow)
    counts: dict[str, int] = {}
    for item in ids:
        async with uow_factory() as uow:
            done = await handle(uow, item)
            await before_commit(uow)
            await uow.commit()
        if done:
            counts[done] = counts.get(done, 0) + 1
    return counts


async def _end(session: AsyncSession) -> None:
    try:
        await session.rollback()
    finally:
        await session.close()
