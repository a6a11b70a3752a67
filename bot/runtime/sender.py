"""Drains the outbox into Telegram within its limits: ~30 messages a second overall, about one a
second per private chat with short bursts, 20 a minute per group; obeys 429's retry_after; a
person who blocked the bot is marked and skipped; 5xx and network faults are retried later.

Two ways out, one set of limits and one way of recording:
- claimed batches: whatever is due (retries, routines' notices, messages whose writer died) is
  leased by a claim, sent and recorded;
- the writer's own messages: the handling of an update writes its answers already leased to
  this process (core.services.outbox.WriterLease) and hands them over once committed, so an
  answer leaves without waiting for a claim. Each chat has a lane that sends them in order; the
  outcomes of all lanes are recorded together, in one transaction per round, while the next
  round gathers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict, defaultdict, deque
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from aiolimiter import AsyncLimiter

from core.clock import Clock
from core.db import is_disconnect
from core.enums import OutboxKind
from core.services import outbox
from core.services.outbox import OutboxItem, WriterLease
from core.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 1.0
MAX_CHAT_LIMITERS = 10_000
# The lanes' outcomes gather this long (or until this many) before a round records them: at
# 100 updates a second, one transaction for five answers instead of one each. Nobody waits on
# it; a message of the same chat left to the claims waits for it at most.
RECORD_GATHER_SECONDS = 0.05
RECORD_GATHER_MAX = 100
RECORD_RETRY_PAUSES = (0.1, 0.3, 1.0, 3.0)  # seconds; well inside the lease

T = TypeVar("T")


@dataclass(frozen=True)
class Delivery:
    """What Telegram answered to one outbox item."""

    message_id: int | None = None
    retry_after: float | None = None
    blocked: bool = False
    error: str | None = None
    permanent: bool = False
    # A refusal in the middle of a message sent in several calls: how many had gone out
    # (`message_id` is then the id of the one that counts, if it was among them).
    sent_pieces: int = 0

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


# An item and what came of it; None: not tried (its chat met a refusal first), to be released.
Outcome = tuple[OutboxItem, Delivery | None]


class OutboxSender:
    """Claims due messages and sends them, a batch at a time, several batches at once; and sends
    what the handling of updates wrote under its own lease (`writer_lease`, `hand_over`).

    A claim leases its messages, and a claim never takes a message whose chat has an earlier one
    leased, so batches may overlap and each chat's messages still go one after another. Claims
    are made one at a time. The sender is woken by each commit that left messages to it; without
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
        lease: timedelta = outbox.LEASE,
    ) -> None:
        self.uow_factory = uow_factory
        # Real time even under a test's fake clock: Telegram's pauses are in real seconds.
        self.wall_clock = wall_clock or Clock()
        self.transport = transport
        self.limits = RateLimits(rates or SendRates())
        self.batch_size = batch_size
        self.lease = lease
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(batches_in_flight)
        self._claims = 0  # how many claims so far: a batch knows if others ran beside it
        # The writers' messages: per chat, the ids this process holds until they are recorded,
        # the lane (items with their lease's end) and its task; chats whose lane met a refusal
        # not yet recorded; chats whose other messages wait for this process's to be recorded.
        self._held: dict[int, set[int]] = {}
        self._lanes: dict[int, deque[tuple[OutboxItem, datetime]]] = {}
        self._lane_tasks: dict[int, asyncio.Task[None]] = {}
        self._refused: set[int] = set()
        self._wake_when_recorded: set[int] = set()
        self._outcomes: list[Outcome] = []
        self._gathered = asyncio.Event()  # RECORD_GATHER_MAX outcomes are waiting
        self._recorder: asyncio.Task[None] | None = None
        self._closed = False

    def wake(self) -> None:
        self._wake.set()

    # --- claimed batches -------------------------------------------------------------------

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
            # Batches and lanes under way finish even if we are cancelled again meanwhile.
            self._closed = True
            pending = [*in_flight, *self._lane_tasks.values()]
            while pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(asyncio.gather(*pending, return_exceptions=True))
                pending = [task for task in pending if not task.done()]
            while self._recorder is not None and not self._recorder.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(self._recorder)

    async def drain_once(self, batch: int | None = None) -> int:
        """One claim, sent and recorded before returning: how many messages it took."""
        items = await self._claim(batch)
        if items:
            await self._deliver(items, self._claims)
        return len(items)

    async def _claim(self, batch: int | None = None) -> list[OutboxItem]:
        async def claim() -> list[OutboxItem]:
            async with self.uow_factory() as uow:
                items = await outbox.claim(uow, self.wall_clock.now(), batch or self.batch_size)
                await uow.commit()
            return items

        items = await _once_more_if_disconnected(claim)
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
        outcomes: list[Outcome] = [pair for chat_results in results for pair in chat_results]
        outcomes += [(item, None) for item in items if item.id not in tried]
        await _once_more_if_disconnected(lambda: self._record(outcomes))
        if self._claims > claims:
            # A claim made while this batch was out skipped the later messages of its chats;
            # now that these are recorded, those are due.
            self.wake()

    async def _send_chat(self, items: list[OutboxItem]) -> list[tuple[OutboxItem, Delivery]]:
        """One chat's messages in order; after a refusal the rest wait for the next round."""
        done: list[tuple[OutboxItem, Delivery]] = []
        for item in items:
            delivery = await self._send_one(item)
            done.append((item, delivery))
            if not delivery.ok:
                break
        return done

    async def _send_one(self, item: OutboxItem) -> Delivery:
        if item.kind == OutboxKind.SEND:
            await self.limits.for_chat(item.chat_id).acquire()
        if not item.paid_broadcast:
            await self.limits.overall.acquire()
        try:
            return await self.transport.deliver(item)
        except Exception as exc:
            log.warning("sending outbox item %s failed: %r", item.id, exc)
            return Delivery(error=repr(exc))

    async def _record(self, outcomes: list[Outcome]) -> None:
        """What came of each item, in one transaction: sent, refused, or given back untried."""
        now = self.wall_clock.now()
        async with self.uow_factory() as uow:
            sent = [(i.id, d.message_id) for i, d in outcomes if d is not None and d.ok]
            await outbox.mark_all_sent(uow, sent, now)
            for item, delivery in outcomes:
                if delivery is not None and not delivery.ok:
                    await self._record_refusal(uow, item, delivery, now)
            await outbox.release(uow, [item.id for item, delivery in outcomes if delivery is None])
            await uow.commit()

    @staticmethod
    async def _record_refusal(
        uow: UnitOfWork, item: OutboxItem, delivery: Delivery, now: datetime
    ) -> None:
        if delivery.blocked:
            await outbox.mark_blocked(uow, item.id, item.chat_id)
        elif delivery.retry_after is not None:
            until = now + timedelta(seconds=delivery.retry_after)
            await outbox.retry_later(uow, item.id, until, "429 retry_after", *_progress(delivery))
        elif delivery.permanent:
            log.error("outbox item %s refused: %s", item.id, delivery.error)
            await outbox.mark_failed(uow, item.id, delivery.error or "refused")
        else:
            backoff = timedelta(seconds=min(60, 2**item.attempts))
            await outbox.retry_later(
                uow, item.id, now + backoff, delivery.error or "error", *_progress(delivery)
            )

    # --- the writers' own messages ---------------------------------------------------------

    def writer_lease(self) -> WriterLease | None:
        """For a unit of work that hands its messages over (`hand_over`) once committed; None
        once the sender has stopped, so that what is written meanwhile is due at once for the
        next process instead of waiting out a lease."""
        if self._closed:
            return None
        return WriterLease(until=self.wall_clock.now() + self.lease, owned=self._held_ids)

    def _held_ids(self, chat_id: int) -> Collection[int]:
        return self._held.get(chat_id, ())

    def hand_over(self, lease: WriterLease, left_to_claims: bool) -> None:
        """After the writer's commit: its leased messages go at once, each chat's in order;
        `left_to_claims`: it also wrote messages that wait for a claim."""
        if left_to_claims:
            # A chat whose earlier messages this process holds: its claim can only come once
            # those are recorded. The rest may go now.
            self._wake_when_recorded.update(c for c in lease.waiting_chats if c in self._held)
            self.wake()
        if self._closed:
            return  # stopped while this was handled: the leases run out, the next process sends
        for item in lease.items:
            self._held.setdefault(item.chat_id, set()).add(item.id)
            self._lanes.setdefault(item.chat_id, deque()).append((item, lease.until))
            if item.chat_id not in self._lane_tasks:
                task = asyncio.create_task(self._run_lane(item.chat_id))
                self._lane_tasks[item.chat_id] = task

    async def _run_lane(self, chat_id: int) -> None:
        lane = self._lanes[chat_id]
        item: OutboxItem | None = None
        try:
            while lane:
                item, until = lane.popleft()
                if until - self.wall_clock.now() < self.lease / 2:
                    # Held up so long (a flood of notices behind the rate limit) that a claim
                    # may take it soon: leave this and the rest of the lane to the claims.
                    self._abandon(chat_id, [item, *(queued for queued, _ in lane)])
                    lane.clear()
                    break
                if chat_id in self._refused:
                    self._outcome((item, None))
                    continue
                delivery = await self._send_one(item)
                if not delivery.ok:
                    self._refused.add(chat_id)
                self._outcome((item, delivery))
                item = None
        except Exception:
            # A bug: let go of what is left, so that the claims send it, in order, once the
            # leases run out (the chat's later answers wait behind it meanwhile).
            log.exception("the outbox lane of chat %s failed; its leases run out", chat_id)
            left = [queued for queued, _ in lane] + ([item] if item is not None else [])
            self._abandon(chat_id, left)
            lane.clear()
        finally:
            del self._lanes[chat_id]
            del self._lane_tasks[chat_id]

    async def _record_patiently(self, outcomes: list[Outcome]) -> None:
        """Records a round, trying again for a while when the database refuses (SQLite busy, a
        lost connection): a round left unrecorded goes out twice once its leases run out."""
        for pause in (*RECORD_RETRY_PAUSES, None):
            try:
                await self._record(outcomes)
                return
            except Exception as exc:
                if pause is None or self._closed:
                    log.exception("gave up recording %d sent outbox items", len(outcomes))
                    return
                log.warning("recording %d sent outbox items failed: %r", len(outcomes), exc)
            await asyncio.sleep(pause)

    def _abandon(self, chat_id: int, items: list[OutboxItem]) -> None:
        held = self._held.get(chat_id, set())
        held.difference_update(item.id for item in items)
        if not held:
            self._held.pop(chat_id, None)

    def _outcome(self, outcome: Outcome) -> None:
        self._outcomes.append(outcome)
        if len(self._outcomes) >= RECORD_GATHER_MAX:
            self._gathered.set()
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_lanes())

    async def _record_lanes(self) -> None:
        """Records the lanes' outcomes, a round at a time: what arrives during one round's
        gathering and transaction goes in the next."""
        while self._outcomes:
            if not self._closed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._gathered.wait(), RECORD_GATHER_SECONDS)
            self._gathered.clear()
            outcomes, self._outcomes = self._outcomes, []
            await self._record_patiently(outcomes)
            wake = False
            for item, delivery in outcomes:
                self._abandon(item.chat_id, [item])
                if delivery is None or not delivery.ok:
                    wake = True  # what was given back, or the retry, is the claims' now
            for chat_id in {item.chat_id for item, _ in outcomes}:
                if chat_id not in self._held:
                    self._refused.discard(chat_id)
                    if chat_id in self._wake_when_recorded:
                        self._wake_when_recorded.discard(chat_id)
                        wake = True
            if wake:
                self.wake()


def _progress(delivery: Delivery) -> tuple[int, int | None]:
    return delivery.sent_pieces, delivery.message_id if delivery.sent_pieces else None


async def _once_more_if_disconnected(work: Callable[[], Awaitable[T]]) -> T:
    """A connection lost under the work (the database restarted): nothing was committed, so
    it is done again once, on a fresh connection."""
    try:
        return await work()
    except Exception as exc:
        if not is_disconnect(exc):
            raise
        log.warning("database connection lost; trying once more: %s", exc)
        return await work()
