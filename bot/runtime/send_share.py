"""Several bot processes on one database share Telegram's bot-wide limits (about 30 messages a
second, 1000 for paid broadcasts: per bot token, not per process). Each process's sender checks
in every CHECK_IN_SECONDS (core.services.senders) and sends at 1/n of the limits while n
senders are alive. A process that dies stops checking in and drops out of the count within
senders.SEEN_WITHIN; until then the others send a little under the limit, never over it."""

from __future__ import annotations

import asyncio
import logging
import uuid

from bot.runtime.sender import RateLimits
from core.clock import Clock
from core.services import senders
from core.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

CHECK_IN_SECONDS = 5.0


class SendShare:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        limits: RateLimits,
        wall_clock: Clock | None = None,
        every: float = CHECK_IN_SECONDS,
    ) -> None:
        self.uow_factory = uow_factory
        self.limits = limits
        self.wall_clock = wall_clock or Clock()  # real time, as the sender's
        self.every = every
        self.sender_id = uuid.uuid4().hex
        limits.joined.clear()

    async def check_in(self) -> int:
        async with self.uow_factory() as uow:
            alive = await senders.check_in(uow, self.sender_id, self.wall_clock.now())
            await uow.commit()
        if alive != self.limits.share:
            log.info("%d senders share the bot's sending rate", alive)
        self.limits.share_among(alive)
        return alive

    async def run(self) -> None:
        try:
            await self._join()
            while True:
                await asyncio.sleep(self.every)
                try:
                    await self.check_in()
                except Exception as exc:  # the database is away: keep the share we had
                    log.warning("checking in the sender failed: %r", exc)
        finally:
            self.limits.joined.set()
            await asyncio.shield(self._check_out())

    async def _join(self) -> None:
        """Alone, the sender sends at once; beside others, after their next check-in, when
        they have learnt of it and slowed down (else together they would go over the limit
        for a moment, and Telegram answers 429)."""
        try:
            alive = await self.check_in()
        except Exception as exc:
            log.warning("checking in the sender failed: %r", exc)
            alive = 1
        if alive > 1:
            await asyncio.sleep(self.every)
            await self.limits.start_steady()
        self.limits.joined.set()

    async def _check_out(self) -> None:
        try:
            async with self.uow_factory() as uow:
                await senders.check_out(uow, self.sender_id)
                await uow.commit()
        except Exception as exc:  # it drops out of the count by itself
            log.warning("checking out the sender failed: %r", exc)
