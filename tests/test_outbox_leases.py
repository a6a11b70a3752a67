"""Leases that outlive the work under them: a send slower than the lease, a chat's backlog held
back by its rate limit, a broadcast queued behind the overall limit, a second sender beside the
first. Each message goes out exactly once and each chat's in order; a backlog keeps one send in
flight for its chat and holds up nobody else; a sender that dies lets its leases run out.

The lease is compressed to well under a second (real time: leases are wall-clock matters), and
the transport is a fake that takes as long as it is told."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from itertools import count

import pytest
from process_helpers import process_runtime
from sqlalchemy import select

from bot.runtime.resources import Runtime
from bot.runtime.sender import Delivery, OutboxSender, SendRates
from core.crypto import new_key
from core.enums import OutboxStatus
from core.models import OutboxMessage
from core.services import outbox
from core.services.outbox import OutboxItem

LEASE = timedelta(seconds=0.6)
FAST = SendRates(per_second=1000, private_chat_burst=100, private_chat_per_second=100)


class FakeTransport:
    """Takes `slow[text]` seconds over a message (never ends for one in `hang`, waits for
    `gates[text]` to be set); records what was delivered, in the order the deliveries ended,
    and how many sends each chat had at once."""

    def __init__(
        self,
        slow: dict[str, float] | None = None,
        hang: set[str] | None = None,
        gates: dict[str, asyncio.Event] | None = None,
    ):
        self.slow = slow or {}
        self.hang = hang or set()
        self.gates = gates or {}
        self.delivered: list[tuple[int, str]] = []
        self.started: list[str] = []
        self.in_flight: dict[int, int] = defaultdict(int)
        self.most_in_flight: dict[int, int] = defaultdict(int)
        self._message_ids = count(1)

    async def deliver(self, item: OutboxItem) -> Delivery:
        text = item.payload["text"]
        self.started.append(text)
        self.in_flight[item.chat_id] += 1
        self.most_in_flight[item.chat_id] = max(
            self.most_in_flight[item.chat_id], self.in_flight[item.chat_id]
        )
        try:
            await asyncio.sleep(self.slow.get(text, 0))
            if text in self.hang:
                await asyncio.Event().wait()
            if text in self.gates:
                await self.gates[text].wait()
        finally:
            self.in_flight[item.chat_id] -= 1
        self.delivered.append((item.chat_id, text))
        return Delivery(message_id=next(self._message_ids))

    def texts(self, chat_id: int) -> list[str]:
        return [text for chat, text in self.delivered if chat == chat_id]


KEY = new_key()


@pytest.fixture(autouse=True)
def short_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox, "LEASE", LEASE)


def opened(db_url: str, create: bool = False) -> contextlib.AbstractAsyncContextManager[Runtime]:
    """A process's runtime (its own engine) on the test's database."""
    return process_runtime(db_url, KEY, create)


@pytest.fixture
async def runtime(db_url: str) -> AsyncIterator[Runtime]:
    async with opened(db_url, create=True) as opened_runtime:
        yield opened_runtime


@contextlib.asynccontextmanager
async def running(sender: OutboxSender) -> AsyncIterator[OutboxSender]:
    task = asyncio.create_task(sender.run())
    try:
        yield sender
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def sender_for(runtime: Runtime, transport: FakeTransport, **options) -> OutboxSender:
    options.setdefault("rates", FAST)
    return OutboxSender(runtime.uow_factory, transport, lease=LEASE, **options)


async def enqueue(runtime: Runtime, chat_id: int, *texts: str) -> None:
    async with runtime.uow_factory() as uow:
        for text in texts:
            await outbox.enqueue(uow, chat_id, {"text": text})
        await uow.commit()


async def statuses(runtime: Runtime) -> list[str]:
    async with runtime.uow_factory() as uow:
        rows = await uow.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id))
        return list(rows)


async def settled(runtime: Runtime, seconds: float = 20) -> list[str]:
    """The statuses once nothing is pending any more, and then a while longer: time for a
    second copy to go out if a lease ran out under a send."""
    for _ in range(int(seconds / 0.1)):
        if OutboxStatus.PENDING not in await statuses(runtime):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(3 * LEASE.total_seconds())
    return await statuses(runtime)


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition never held")


def texts(prefix: str, n: int) -> Iterator[str]:
    return (f"{prefix}{i}" for i in range(n))


async def test_a_send_slower_than_the_lease_goes_out_once_and_in_order(runtime: Runtime) -> None:
    transport = FakeTransport(slow={"A": 3 * LEASE.total_seconds()})
    await enqueue(runtime, 1, "A", "B", "C")
    async with running(sender_for(runtime, transport)):
        assert set(await settled(runtime)) == {OutboxStatus.SENT}
    assert transport.delivered == [(1, "A"), (1, "B"), (1, "C")]
    assert transport.started == ["A", "B", "C"]


async def test_a_backlog_longer_than_the_lease_goes_out_once_in_order_and_holds_up_nobody(
    runtime: Runtime,
) -> None:
    # Four a second to this chat: its ten messages take four leases.
    rates = SendRates(per_second=1000, private_chat_burst=1, private_chat_per_second=4)
    transport = FakeTransport()
    backlog = list(texts("积压", 10))
    await enqueue(runtime, 1, *backlog)
    async with running(sender_for(runtime, transport, rates=rates)) as sender:
        await until(lambda: len(transport.delivered) >= 2)
        before = len(transport.texts(1))
        await enqueue(runtime, 2, "别人的回复")
        sender.wake()
        await until(lambda: (2, "别人的回复") in transport.delivered)
        # It did not wait for the backlog: at most the send under way and the next one.
        assert len(transport.texts(1)) - before <= 2
        assert set(await settled(runtime)) == {OutboxStatus.SENT}
    assert transport.texts(1) == backlog
    assert transport.most_in_flight[1] == 1


async def test_a_broadcast_queued_behind_the_overall_limit_goes_out_once(
    runtime: Runtime,
) -> None:
    # Twenty a second overall: sixty chats take five leases to reach.
    rates = SendRates(per_second=20, private_chat_burst=100, private_chat_per_second=100)
    transport = FakeTransport()
    chats = range(1001, 1061)
    async with runtime.uow_factory() as uow:
        for chat_id in chats:
            await outbox.enqueue(uow, chat_id, {"text": "停水通知"})
        await uow.commit()
    async with running(sender_for(runtime, transport, rates=rates)):
        assert set(await settled(runtime)) == {OutboxStatus.SENT}
    assert sorted(chat for chat, _ in transport.delivered) == list(chats)


async def test_answers_queued_behind_their_chats_rate_go_out_once_and_in_order(
    runtime: Runtime,
) -> None:
    # A resident who writes faster than a chat may be answered: the answers, written leased to
    # the process that handled the updates, wait their turn at the chat's rate for longer than
    # the lease.
    rates = SendRates(per_second=1000, private_chat_burst=1, private_chat_per_second=4)
    transport = FakeTransport()
    sender = sender_for(runtime, transport, rates=rates)
    answers = list(texts("回复", 8))
    async with running(sender):
        for answer in answers:
            async with runtime.uow_factory() as uow:
                lease = sender.writer_lease()
                assert lease is not None
                outbox.lease_to_writer(uow, lease)
                await outbox.enqueue(uow, 1, {"text": answer})
                left_to_claims = outbox.written(uow)
                await uow.commit()
            sender.hand_over(lease, left_to_claims)
        assert set(await settled(runtime)) == {OutboxStatus.SENT}
    assert transport.texts(1) == answers
    assert transport.most_in_flight[1] == 1


async def test_a_stopping_sender_gives_back_a_chats_backlog_and_the_next_sends_it_in_order(
    runtime: Runtime, db_url: str
) -> None:
    # SIGTERM while a resident's answers wait at the chat's one a second: the stop does not
    # wait them out (systemd or Docker would kill first); they are given back due now, and the
    # next sender sends each once, in order.
    per_chat = SendRates(per_second=1000, private_chat_burst=1, private_chat_per_second=1)
    stopping = FakeTransport()
    sender = sender_for(runtime, stopping, rates=per_chat)
    answers = list(texts("回复", 8))
    task = asyncio.create_task(sender.run())
    await until(lambda: sender.writer_lease() is not None)
    lease = sender.writer_lease()
    assert lease is not None
    async with runtime.uow_factory() as uow:
        outbox.lease_to_writer(uow, lease)
        for answer in answers:
            await outbox.enqueue(uow, 1, {"text": answer})
        await uow.commit()
    sender.hand_over(lease, left_to_claims=False)
    await until(lambda: stopping.delivered != [])
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    sent_before_stopping = stopping.texts(1)
    assert len(sent_before_stopping) < len(answers) // 2
    async with runtime.uow_factory() as uow:
        left = (
            await uow.session.scalars(
                select(OutboxMessage.not_before).where(OutboxMessage.status == OutboxStatus.PENDING)
            )
        ).all()
    assert left == [None] * (len(answers) - len(sent_before_stopping))  # due now, not leased

    successor = FakeTransport()
    async with opened(db_url) as other, running(sender_for(other, successor)) as next_sender:
        next_sender.wake()
        assert set(await settled(runtime)) == {OutboxStatus.SENT}
    assert sent_before_stopping + successor.texts(1) == answers


async def test_a_stop_that_comes_as_the_sender_is_woken_still_stops(runtime: Runtime) -> None:
    # Python 3.11's asyncio.wait_for returned the woken wait's result and dropped the
    # cancellation that came with it: the sender went on for good and the stop never ended.
    sender = sender_for(runtime, FakeTransport())
    task = asyncio.create_task(sender.run())
    await until(lambda: sender.writer_lease() is not None)
    await asyncio.sleep(0.2)  # its first claim found nothing: it waits to be woken
    sender.wake()
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=10)
    assert task in done and task.cancelled()


async def test_a_second_sender_never_sends_what_the_first_is_still_sending(
    runtime: Runtime, db_url: str
) -> None:
    transport = FakeTransport(slow={"A": 3 * LEASE.total_seconds()})
    await enqueue(runtime, 1, "A", "B", "C")
    async with (
        opened(db_url) as other,
        running(sender_for(runtime, transport)) as first,
        running(sender_for(other, transport)) as second,
    ):
        first.wake()
        second.wake()
        assert set(await settled(runtime)) == {OutboxStatus.SENT}
    assert transport.delivered == [(1, "A"), (1, "B"), (1, "C")]
    assert transport.most_in_flight[1] == 1


async def test_a_sender_that_dies_lets_its_leases_run_out_for_another(
    runtime: Runtime, db_url: str
) -> None:
    dying = FakeTransport(hang={"A"})
    await enqueue(runtime, 1, "A", "B", "C")
    sender = sender_for(runtime, dying)
    task = asyncio.create_task(sender.run())
    await until(lambda: dying.started == ["A"])
    # The process dies under the send: nothing of it runs any more, its leases are not renewed.
    for doomed in [sender._heartbeat, *sender._lane_tasks.values(), task]:
        if doomed is not None:
            doomed.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert sender._leases  # held when it died, never let go
    survivor = FakeTransport()
    async with opened(db_url) as other, running(sender_for(other, survivor)):
        assert set(await settled(runtime)) == {OutboxStatus.SENT}
    assert survivor.delivered == [(1, "A"), (1, "B"), (1, "C")]


def cut_off_from_renewing(sender: OutboxSender) -> Callable[[bool], None]:
    """As if the sender could not reach the database to renew its leases; returns a switch."""
    renew, cut_off = sender._renew, [True]

    async def renew_unless_cut_off() -> None:
        if not cut_off[0]:
            await renew()

    sender._renew = renew_unless_cut_off  # type: ignore[method-assign]
    return lambda on: cut_off.__setitem__(0, on)


async def test_a_sender_that_claims_again_what_it_is_still_sending_does_not_send_it_twice(
    runtime: Runtime,
) -> None:
    # Unable to renew, it lets the lease of the message it is sending run out, and its own
    # next claim takes that message again; the send ends right after.
    sent = asyncio.Event()
    transport = FakeTransport(gates={"A": sent})
    sender = sender_for(runtime, transport)
    cut_off_from_renewing(sender)
    await enqueue(runtime, 1, "A", "B")
    async with running(sender):
        for _ in range(200):
            async with runtime.uow_factory() as uow:
                row = await uow.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id))
                if row is not None and row.attempts == 2:
                    break
            await asyncio.sleep(0.05)
        sent.set()
        assert set(await settled(runtime)) == {OutboxStatus.SENT}
    assert transport.started == ["A", "B"]


async def test_a_sender_whose_leases_were_taken_while_it_could_not_renew_them_lets_go(
    runtime: Runtime, db_url: str
) -> None:
    # This process holds three answers and is sending the first, slowly, when it loses the
    # database for longer than a lease: another sender takes the three over. The database
    # back, it finds them taken and sends nothing more of that chat. (The one it was sending
    # when its lease ran out is the one that may arrive twice.)
    sent = asyncio.Event()
    slow = FakeTransport(gates={"A": sent})
    first = sender_for(runtime, slow)  # answers the updates, claims nothing
    switch = cut_off_from_renewing(first)
    survivor = FakeTransport()
    async with opened(db_url) as other, running(sender_for(other, survivor)):
        async with runtime.uow_factory() as uow:
            lease = first.writer_lease()
            assert lease is not None
            outbox.lease_to_writer(uow, lease)
            for text in ("A", "B", "C"):
                await outbox.enqueue(uow, 1, {"text": text})
            await uow.commit()
        first.hand_over(lease, left_to_claims=False)
        await until(lambda: len(survivor.delivered) == 3)
        switch(False)
        await until(lambda: not first._held)  # its next renewal found all three taken
        sent.set()
        await until(lambda: not first._lane_tasks and not first._in_hand)
        assert set(await settled(runtime)) == {OutboxStatus.SENT}
    assert survivor.delivered == [(1, "A"), (1, "B"), (1, "C")]
    assert slow.started == ["A"]
