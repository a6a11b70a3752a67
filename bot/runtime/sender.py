"""Drains the outbox into Telegram within its limits: ~30 messages a second overall, about one a
second per private chat with short bursts, 20 a minute per group; obeys 429's retry_after; a
person who blocked the bot is marked and skipped; 5xx and network faults are retried later.

Two ways in, one way out:
- claims: whatever is due (retries, routines' notices, messages whose writer died) is leased by
  a claim, the first pending message of each chat at a time;
- the writer's own messages: the handling of an update writes its answers already leased to
  this process (core.services.outbox.WriterLease) and hands them over once committed, so an
  answer leaves without waiting for a claim.
Either way a message joins its chat's lane, which sends the chat's messages one at a time and in
order; the outcomes of all lanes are recorded together, in one transaction per round, while the
next round gathers.

Leases: whatever this process holds (in a lane, at a rate limiter, being sent or recorded) has
its lease renewed every quarter of a lease by a heartbeat that lives as long as the process. A
lease therefore runs out only under a process that died or has not reached the database for
most of a lease; then another sender takes the message over, and the message that was being
sent at that moment may go out twice. A chat's next new message waits until the previous one
is recorded as sent, so that whatever ends a process repeats at most one new message per chat
(the one sent or being sent and not yet recorded).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Collection, Iterable
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
    paid_per_second: float = 1000.0  # paid broadcasts (allow_paid_broadcast)


class RateLimits:
    def __init__(self, rates: SendRates) -> None:
        self.rates = rates
        self.overall = AsyncLimiter(rates.per_second, 1)
        self.paid = AsyncLimiter(rates.paid_per_second, 1)
        # The bot-wide limits are per bot token: `share` senders alive (bot.runtime.send_share)
        # each take `share` of a limiter's units a message, so each sends 1/share of the rate.
        self.share = 1.0
        # A sender joining others sends nothing until they have made room for it (one check-in
        # period): cleared by bot.runtime.send_share, set here for a sender on its own.
        self.joined = asyncio.Event()
        self.joined.set()
        self._chats: OrderedDict[int, AsyncLimiter] = OrderedDict()
        # Answers to people talking to the bot go before claimed messages (a broadcast's,
        # retries, routines'): claimed ones wait for the overall limiter one at a time, and only
        # while no answer waits, so an answer queues behind at most one of them.
        self._one_claimed_at_a_time = asyncio.Lock()
        self._answers_waiting = 0
        self._no_answer_waiting = asyncio.Event()
        self._no_answer_waiting.set()

    async def overall_turn(self, answer: bool) -> None:
        """Waits for the overall limit; an `answer` goes before claimed messages."""
        await self.joined.wait()
        if answer:
            self._answers_waiting += 1
            self._no_answer_waiting.clear()
            try:
                await self.overall.acquire(self._units(self.overall))
            finally:
                self._answers_waiting -= 1
                if self._answers_waiting == 0:
                    self._no_answer_waiting.set()
            return
        async with self._one_claimed_at_a_time:
            await self._no_answer_waiting.wait()
            await self.overall.acquire(self._units(self.overall))

    async def paid_turn(self) -> None:
        """Waits for the paid-broadcast limit (its own: up to 1000 a second)."""
        await self.joined.wait()
        await self.paid.acquire(self._units(self.paid))

    async def start_steady(self) -> None:
        """No burst from a sender joining others (theirs already spent the bot's): its
        limiters start full, so that it sends at its share of the rate from the first."""
        for limiter in (self.overall, self.paid):
            await limiter.acquire(limiter.max_rate)

    def share_among(self, senders: int) -> None:
        """`senders` processes send for this bot now (this one included)."""
        self.share = float(max(1, senders))

    def _units(self, limiter: AsyncLimiter) -> float:
        return min(self.share, limiter.max_rate)

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


# An item and what came of it; None: not tried (its chat met a refusal first, or the sender is
# stopping), to be released.
Outcome = tuple[OutboxItem, Delivery | None]


class OutboxSender:
    """Claims due messages and sends them, and sends what the handling of updates wrote under
    its own lease (`writer_lease`, `hand_over`), each chat's in its lane.

    A claim takes the first pending message of each chat, so a chat's messages go one after
    another, a backlog keeps one of them in flight, and the overall limiter (first come, first
    served) serves the chats in turn. At most `batch_size` claimed messages are in hand at once
    (a few seconds of the overall rate), so that nothing queues here for long. The sender is
    woken by each commit that left messages to it and by each round that recorded claimed ones;
    without either it looks again every IDLE_POLL_SECONDS (retries and leases that ran out).
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        transport: Transport,
        rates: SendRates | None = None,
        wall_clock: Clock | None = None,
        batch_size: int = 100,
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
        # What this process holds, until it is recorded or let go: per chat, the ids; per id,
        # the end of its lease as last written (the heartbeat renews only a lease that is still
        # that one); the ids that came from a claim; the ids in a lane, being sent or waiting
        # to be recorded; the ids in a recording transaction.
        self._held: dict[int, set[int]] = {}
        self._leases: dict[int, datetime] = {}
        self._claimed: set[int] = set()
        self._in_hand: set[int] = set()
        self._recording: set[int] = set()
        self._heartbeat: asyncio.Task[None] | None = None
        self._renewing = False
        # Per chat, the lane (items in order) and its task; chats whose lane met a refusal not
        # yet recorded; chats whose other messages wait for this process's to be recorded.
        self._lanes: dict[int, deque[OutboxItem]] = {}
        self._lane_tasks: dict[int, asyncio.Task[None]] = {}
        self._refused: set[int] = set()
        self._wake_when_recorded: set[int] = set()
        self._outcomes: list[Outcome] = []
        self._gathered = asyncio.Event()  # RECORD_GATHER_MAX outcomes are waiting
        # Per chat, new messages sent and not yet recorded (none or one), and the event of
        # the next round recorded: a process killed before recording a send has it sent again
        # by the next, so a lane sends a chat's next new message only once the previous one is
        # recorded. A crash repeats at most one new message per chat. (An edit made again
        # changes nothing, and edits are not held back.)
        self._unrecorded_sends: dict[int, int] = {}
        self._round_recorded = asyncio.Event()
        self._recorder: asyncio.Task[None] | None = None
        self._closed = False

    def wake(self) -> None:
        self._wake.set()

    # --- claims ----------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            while True:
                # Cleared before the claim: a commit after this point wakes us again, and one
                # before it is seen by the claim.
                self._wake.clear()
                room = self.batch_size - len(self._claimed)
                if room > 0:
                    # What was claimed is taken in hand even when we are stopped, so that its
                    # lanes give it back rather than leave it leased (and sent late, when the
                    # lease runs out).
                    claim = asyncio.ensure_future(self._claim(room))
                    try:
                        claimed = await asyncio.shield(claim)
                    except asyncio.CancelledError:
                        self._take(*await claim)
                        raise
                    self._take(*claimed)
                    if len(claimed[0]) == room:
                        continue  # more may be waiting
                if not self._wake.is_set():
                    await _wait_at_most(self._wake, IDLE_POLL_SECONDS)
        finally:
            # Lanes under way finish even if we are cancelled again meanwhile.
            self._closed = True
            pending = list(self._lane_tasks.values())
            while pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(asyncio.gather(*pending, return_exceptions=True))
                pending = [task for task in pending if not task.done()]
            while self._recorder is not None and not self._recorder.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(self._recorder)
            if self._heartbeat is not None:  # whatever is still held, its lease runs out
                self._heartbeat.cancel()
                self._heartbeat = None

    async def _claim(self, limit: int) -> tuple[list[OutboxItem], datetime]:
        """Claimed items, and the end of their lease."""

        async def claim() -> tuple[list[OutboxItem], datetime]:
            now, lease = self.wall_clock.now(), self.lease
            async with self.uow_factory() as uow:
                items = await outbox.claim(uow, now, limit, lease)
                await uow.commit()
            return items, now + lease

        return await _once_more_if_disconnected(claim)

    def _take(self, items: list[OutboxItem], until: datetime) -> None:
        for item in items:
            self._claimed.add(item.id)
            if item.id in self._in_hand:
                # Ours already, and its lease ran out (not renewed for a while) before this
                # claim took it again: the lease is ours again, the message not queued twice.
                self._hold(item, until)
            else:
                self._queue(item, until)

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
            self._queue(item, lease.until)

    # --- lanes -----------------------------------------------------------------------------

    def _queue(self, item: OutboxItem, until: datetime) -> None:
        """Holds the item and puts it at the end of its lane."""
        self._hold(item, until)
        self._in_hand.add(item.id)
        self._lanes.setdefault(item.chat_id, deque()).append(item)
        if item.chat_id not in self._lane_tasks:
            self._lane_tasks[item.chat_id] = asyncio.create_task(self._run_lane(item.chat_id))

    def _hold(self, item: OutboxItem, until: datetime) -> None:
        """The item's lease, ending `until`, is renewed from now on."""
        self._held.setdefault(item.chat_id, set()).add(item.id)
        self._leases[item.id] = until
        if self._heartbeat is None:
            self._heartbeat = asyncio.create_task(self._keep_leases())

    async def _run_lane(self, chat_id: int) -> None:
        lane = self._lanes[chat_id]
        item: OutboxItem | None = None
        try:
            while lane:
                if lane[0].kind == OutboxKind.SEND:
                    # Before the lease is looked at: the wait may be a recording round long.
                    await self._previous_send_recorded(chat_id)
                if self._closed:
                    # Stopping: what the lane has not begun to send is given back now, in
                    # order, to whichever sender claims next (another process, or this one's
                    # successor). Sent from here at the chat's one a second, a resident's
                    # backlog made the stop wait tens of seconds, past what systemd or Docker
                    # allow before they kill.
                    for queued in lane:
                        self._outcome((queued, None))
                    lane.clear()
                    break
                item = lane.popleft()
                until = self._leases.get(item.id)
                if until is None or until - self.wall_clock.now() < self.lease / 2:
                    # Taken by another sender after its lease ran out, or not renewed for so
                    # long (the database out of reach; a writer that took long to commit) that
                    # a claim may take it soon: leave it and the rest of the lane to the
                    # claims, which send them in order.
                    log.warning("outbox lease of item %s not renewed; left to claims", item.id)
                    self._abandon(chat_id, [item.id, *(queued.id for queued in lane)])
                    lane.clear()
                    item = None
                    break
                if chat_id in self._refused:
                    self._outcome((item, None))
                    item = None
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
            left = [queued.id for queued in lane] + ([item.id] if item is not None else [])
            self._abandon(chat_id, left)
            lane.clear()
        finally:
            del self._lanes[chat_id]
            del self._lane_tasks[chat_id]

    async def _send_one(self, item: OutboxItem) -> Delivery:
        if item.kind == OutboxKind.SEND:
            await self.limits.for_chat(item.chat_id).acquire()
        if item.paid_broadcast:
            await self.limits.paid_turn()
        else:
            await self.limits.overall_turn(answer=item.id not in self._claimed)
        try:
            return await self.transport.deliver(item)
        except Exception as exc:
            log.warning("sending outbox item %s failed: %r", item.id, exc)
            return Delivery(error=repr(exc))

    def _abandon(self, chat_id: int, item_ids: Iterable[int]) -> None:
        """Lets go of items: recorded, or left to the claims (their leases are no longer
        renewed)."""
        held = self._held.get(chat_id, set())
        for item_id in item_ids:
            held.discard(item_id)
            self._leases.pop(item_id, None)
            self._claimed.discard(item_id)
            self._in_hand.discard(item_id)
        if not held:
            self._held.pop(chat_id, None)
        if not self._leases and self._heartbeat is not None and not self._renewing:
            self._heartbeat.cancel()
            self._heartbeat = None

    # --- leases ----------------------------------------------------------------------------

    async def _keep_leases(self) -> None:
        """The heartbeat: while this process holds messages, renews their leases every quarter
        of a lease (a lane sends only what has half a lease left). It is a task of this
        process, so a process that dies stops renewing and its leases run out for another
        sender."""
        try:
            while self._leases:
                await asyncio.sleep(self.lease.total_seconds() / 4)
                if not self._leases:
                    break
                self._renewing = True
                try:
                    await self._renew()
                except Exception as exc:  # tried again at the next beat
                    log.warning("renewing %d outbox leases failed: %r", len(self._leases), exc)
                finally:
                    self._renewing = False
        finally:
            if self._heartbeat is asyncio.current_task():
                self._heartbeat = None

    async def _renew(self) -> None:
        leases = dict(self._leases)
        until = self.wall_clock.now() + self.lease

        async def renew() -> set[int]:
            async with self.uow_factory() as uow:
                renewed = await outbox.renew_leases(uow, leases, until)
                await uow.commit()
            return renewed

        renewed = await _once_more_if_disconnected(renew)
        lost: list[int] = []
        for item_id, end in leases.items():
            if self._leases.get(item_id) != end:
                continue  # let go meanwhile
            if item_id in renewed:
                self._leases[item_id] = until
            elif item_id not in self._recording:  # not our own recording that changed it
                lost.append(item_id)
        for item_id in lost:
            self._lose(item_id)

    def _lose(self, item_id: int) -> None:
        """The lease is another's now (it ran out and a claim took the message): the message is
        not sent from here, nor anything after it in its chat's lane."""
        chat_id = next((chat for chat, ids in self._held.items() if item_id in ids), None)
        log.warning("the lease of outbox item %s is not this process's any more", item_id)
        self._leases.pop(item_id, None)
        if chat_id is None:
            return
        lane = self._lanes.get(chat_id)
        queued = [item.id for item in lane] if lane is not None else []
        if lane is not None:
            lane.clear()
        self._abandon(chat_id, queued)
        if item_id not in queued:
            # Being sent, or waiting to be recorded: what came of it is recorded only if it
            # went out, and it is let go then. A writer's answer to its chat waits behind it.
            held = self._held.get(chat_id, set())
            held.discard(item_id)
            if not held:
                self._held.pop(chat_id, None)

    # --- recording -------------------------------------------------------------------------

    async def _record(self, outcomes: list[Outcome]) -> None:
        """What came of each item, in one transaction: sent, refused, or given back untried."""
        now = self.wall_clock.now()
        async with self.uow_factory() as uow:
            sent = [(i.id, d.message_id) for i, d in outcomes if d is not None and d.ok]
            await outbox.mark_all_sent(uow, sent, now)
            # The uploads' bytes go at once (a refusal for good and a block delete theirs too).
            await outbox.forget_files(
                uow, [i.id for i, d in outcomes if i.files and d is not None and d.ok]
            )
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

    async def _previous_send_recorded(self, chat_id: int) -> None:
        while self._unrecorded_sends.get(chat_id):
            await self._round_recorded.wait()

    def _sends_recorded(self, outcomes: list[Outcome]) -> None:
        """A round was recorded (or given up on: its leases run out): the lanes waiting for it
        go on."""
        for outcome in outcomes:
            if self._is_send(outcome):
                chat_id = outcome[0].chat_id
                left = self._unrecorded_sends.get(chat_id, 0) - 1
                if left > 0:
                    self._unrecorded_sends[chat_id] = left
                else:
                    self._unrecorded_sends.pop(chat_id, None)
        self._round_recorded.set()
        self._round_recorded = asyncio.Event()

    @staticmethod
    def _is_send(outcome: Outcome) -> bool:
        item, delivery = outcome
        return item.kind == OutboxKind.SEND and delivery is not None and delivery.ok

    def _outcome(self, outcome: Outcome) -> None:
        if self._is_send(outcome):
            chat_id = outcome[0].chat_id
            self._unrecorded_sends[chat_id] = self._unrecorded_sends.get(chat_id, 0) + 1
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
                await _wait_at_most(self._gathered, RECORD_GATHER_SECONDS)
            self._gathered.clear()
            outcomes, self._outcomes = self._outcomes, []
            # A message whose lease was lost under its send is another sender's now: that it
            # went out is recorded, a refusal or a give-back is not.
            kept = [
                (item, delivery)
                for item, delivery in outcomes
                if item.id in self._leases or (delivery is not None and delivery.ok)
            ]
            ids = {item.id for item, _ in kept}
            self._recording |= ids
            try:
                await self._record_patiently(kept)
            finally:
                self._recording -= ids
                self._sends_recorded(outcomes)
            wake = any(item.id in self._claimed for item, _ in outcomes)
            for item, delivery in outcomes:
                self._abandon(item.chat_id, [item.id])
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


async def _wait_at_most(event: asyncio.Event, seconds: float) -> None:
    """Until the event is set or the time is up. Not asyncio.wait_for: on Python 3.11 it loses a
    cancellation that comes as the event is set, and a stop arriving as the sender was woken
    left it running for good (the process, or a test's bot, never ended)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


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
