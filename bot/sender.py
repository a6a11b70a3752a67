"""Drains the outbox into Telegram within its limits: ~30 messages a second overall, about one a
second per private chat with short bursts, 20 a minute per group; obeys 429's retry_after; a
person who blocked the bot is marked and skipped; 5xx and network faults are retried later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from aiolimiter import AsyncLimiter

from core.clock import Clock
from core.services import outbox
from core.services.outbox import OutboxItem
from core.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 1.0
MAX_CHAT_LIMITERS = 10_000


@dataclass(frozen=True)
class Delivery:
    """What Telegram answered to one outbox item."""

    message_id: int | None = None
    retry_after: float | None = None
    blocked: bool = False
    error: str | None = None
    permanent: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.retry_after is None and not self.blocked


class Transport(Protocol):
    """The adapter's half of sending: one outbox item to one platform call (or a few)."""

    async def deliver(self, item: OutboxItem) -> Delivery: ...


@dataclass(frozen=True)
class SendRates:
    per_second: float = 25.0
    private_chat_burst: int = 3
    private_chat_per_second: float = 1.0
    group_per_minute: int = 20


class RateLimits:
    def __init__(self, rates: SendRates) -> None:
        self.rates = rates
        self.overall = AsyncLimiter(rates.per_second, 1)
        self._chats: OrderedDict[int, AsyncLimiter] = OrderedDict()

    def _new_chat_limiter(self, chat_id: int) -> AsyncLimiter:
        rates = self.rates
        if chat_id > 0:  # a private chat: a short burst, then about one a second
            burst = rates.private_chat_burst
            return AsyncLimiter(burst, burst / rates.private_chat_per_second)
        return AsyncLimiter(rates.group_per_minute, 60)

    def for_chat(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            limiter = self._new_chat_limiter(chat_id)
            self._chats[chat_id] = limiter
            if len(self._chats) > MAX_CHAT_LIMITERS:
                self._chats.popitem(last=False)
        else:
            self._chats.move_to_end(chat_id)
        return limiter


class OutboxSender:
    """Claims due messages and sends them, a batch at a time, several batches at once.

    A claim leases its messages, and a claim never takes a message whose chat has an earlier one
    leased, so batches may overlap and each chat's messages still go one after another. Claims
    are made one at a time. The sender is woken by each commit that wrote to the outbox; without
    one it looks again every IDLE_POLL_SECONDS (retries and leases that ran out).
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        transport: Transport,
        rates: SendRates | None = None,
        wall_clock: Clock | None = None,
        batch_size: int = 100,
        batches_in_flight: int = 8,
    ) -> None:
        self.uow_factory = uow_factory
        # Real time even under a test's fake clock: Telegram's pauses are in real seconds.
        self.wall_clock = wall_clock or Clock()
        self.transport = transport
        self.limits = RateLimits(rates or SendRates())
        self.batch_size = batch_size
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(batches_in_flight)
        self._claims = 0  # how many claims so far: a batch knows if others ran beside it

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while True:
                await self._slots.acquire()
                # Cleared before the claim: a commit after this point wakes us again, and one
                # before it is seen by the claim.
                self._wake.clear()
                # What was claimed is sent and recorded even when we are stopped, so that it is
                # not left leased (and sent late, when the lease runs out).
                claim = asyncio.ensure_future(self._claim())
                try:
                    items = await asyncio.shield(claim)
                except asyncio.CancelledError:
                    self._slots.release()
                    items = await claim
                    if items:
                        await self._deliver(items, self._claims)
                    raise
                if not items:
                    self._slots.release()
                else:
                    task = asyncio.create_task(self._deliver_then_release(items, self._claims))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                    if len(items) == self.batch_size:
                        continue  # more are waiting
                if not self._wake.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), IDLE_POLL_SECONDS)
        finally:
            # Batches under way finish even if we are cancelled again meanwhile.
            pending = list(in_flight)
            while pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(asyncio.gather(*pending, return_exceptions=True))
                pending = [task for task in pending if not task.done()]

    async def drain_once(self, batch: int | None = None) -> int:
        """One claim, sent and recorded before returning: how many messages it took."""
        items = await self._claim(batch)
        if items:
            await self._deliver(items, self._claims)
        return len(items)

    async def _claim(self, batch: int | None = None) -> list[OutboxItem]:
        async with self.uow_factory() as uow:
            items = await outbox.claim(uow, self.wall_clock.now(), batch or self.batch_size)
            await uow.commit()
        self._claims += 1
        return items

    async def _deliver_then_release(self, items: list[OutboxItem], claims: int) -> None:
        try:
            await self._deliver(items, claims)
        except Exception:  # the lease runs out and the messages go again
            log.exception("recording outbox batch failed")
        finally:
            self._slots.release()

    async def _deliver(self, items: list[OutboxItem], claims: int) -> None:
        by_chat: dict[int, list[OutboxItem]] = defaultdict(list)
        for item in items:
            by_chat[item.chat_id].append(item)
        results = await asyncio.gather(*(self._send_chat(chat) for chat in by_chat.values()))
        tried = {item.id for chat_results in results for item, _ in chat_results}
        now = self.wall_clock.now()
        async with self.uow_factory() as uow:
            sent = [(i.id, d.message_id) for r in results for i, d in r if d.ok]
            await outbox.mark_all_sent(uow, sent, now)
            for chat_results in results:
                for item, delivery in chat_results:
                    if not delivery.ok:
                        await self._record_refusal(uow, item, delivery, now)
            await outbox.release(uow, [item.id for item in items if item.id not in tried])
            await uow.commit()
        if self._claims > claims:
            # A claim made while this batch was out skipped the later messages of its chats;
            # now that these are recorded, those are due.
            self.wake()

    async def _send_chat(self, items: list[OutboxItem]) -> list[tuple[OutboxItem, Delivery]]:
        """One chat's messages in order; after a refusal the rest wait for the next round."""
        done: list[tuple[OutboxItem, Delivery]] = []
        for item in items:
            if item.kind == "send":
                await self.limits.for_chat(item.chat_id).acquire()
            if not item.paid_broadcast:
                await self.limits.overall.acquire()
            try:
                delivery = await self.transport.deliver(item)
            except Exception as exc:
                log.warning("sending outbox item %s failed: %r", item.id, exc)
                delivery = Delivery(error=repr(exc))
            done.append((item, delivery))
            if not delivery.ok:
                break
        return done

    @staticmethod
    async def _record_refusal(
        uow: UnitOfWork, item: OutboxItem, delivery: Delivery, now: datetime
    ) -> None:
        if delivery.blocked:
            await outbox.mark_blocked(uow, item.id, item.chat_id)
        elif delivery.retry_after is not None:
            until = now + timedelta(seconds=delivery.retry_after)
            await outbox.retry_later(uow, item.id, until, "429 retry_after")
        elif delivery.permanent:
            log.error("outbox item %s refused: %s", item.id, delivery.error)
            await outbox.mark_failed(uow, item.id, delivery.error or "refused")
        else:
            backoff = timedelta(seconds=min(60, 2**item.attempts))
            await outbox.retry_later(uow, item.id, now + backoff, delivery.error or "error")
