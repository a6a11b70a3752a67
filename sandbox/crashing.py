"""The crash harness: a busy intake, and the real bot killed (SIGKILL) at random points of it.

Simulated residents go round the whole report dialog against the emulator, each with a
description of its own (`Resident.description`), while the bot (`guanjia run`, a process of
its own: sandbox/botprocess.py) is killed `trials` times at random moments and started again
at once. When the residents have finished and the bot has settled, `CrashReport.problems`
names every broken promise:

- an order lost or doubled: every Confirm a resident pressed leads to exactly one order with
  its description, and no order comes from anywhere else;
- an update lost: every update the emulator queued for the bot was acknowledged, and recorded
  as handled in `processed_updates`;
- a message never sent: every outgoing message in the outbox was sent;
- a message lost, or out of order in its chat (sandbox/deliveries.py);
- a copy beyond the sender's in-flight window: a crash repeats at most what each chat had sent
  and not yet recorded, so no chat has more copies than there were crashes.

`python -m bench.crash` runs it (20 trials on each database); tests/e2e/test_crash_process.py
runs a few trials on each database.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from bot.runtime.resources import Runtime, build_runtime
from bot.runtime.settings import Settings
from core.crypto import new_key
from core.enums import OutboxStatus, Relation
from core.models import Order, OutboxMessage, ProcessedUpdate
from core.services import directory, invitations
from sandbox.botprocess import BotProcess
from sandbox.deliveries import compare, conversations, delivered_by_chat, recorded_by_chat
from sandbox.world import BOT_USERNAME, TOKEN, prepare_database
from tg_emulator import Emulator, SimUser
from tg_emulator.errors import NoMessageError
from tg_emulator.transcript import TranscriptMessage

# What a crash may repeat besides whole messages: a press answered again ("query is too old"),
# an edit made again ("message is not modified"). Any other refusal is a bug.
REPEATS = ("query is too old", "message is not modified")
HOMES = [("1栋", "101"), ("2栋", "101"), ("1栋", "102"), ("1栋", "201")]
ANSWER_WAIT = 90.0
# What one crash may send again to one chat: the messages its sender had sent and not yet
# recorded (README, "What is guaranteed").
COPIES_PER_CRASH_AND_CHAT = 1  # an answer whose writer died waits out its lease (30 s) first


class Resident:
    """Goes round the report flow: menu → report a repair → in my home → category →
    description → Done → day → slot → urgency → Confirm, and again. A step whose answer does
    not fit (a repeated message after a crash, an answer that never came) starts the round
    over from /cancel; a Confirm is pressed once per description; a copy of a message is
    passed over, as a person would."""

    def __init__(self, user: SimUser, index: int, patience: float = ANSWER_WAIT) -> None:
        self.user = user
        self.index = index
        self.patience = patience  # seconds for an answer before the round starts over
        self.round = 0
        self.confirmed: list[str] = []
        self.restarts = 0
        self.seen: set[tuple[str, str]] = set()  # this round's messages, to know a copy

    @property
    def description(self) -> str:
        return f"厨房水管漏水了{self.index}号住户第{self.round}次"

    async def go_round(self) -> None:
        self.round += 1
        self.seen.clear()
        await self.user.send_command("cancel")
        last = await self._answer()
        for step in range(8):
            if step == 3:
                await self.user.send_text(self.description)
            else:
                if last is None or not last.buttons:
                    self.restarts += 1
                    return
                if not await self._press(last, last.buttons[0][0]["callback_data"]):
                    return
            last = await self._answer()
        if last is None or self.description not in last.body:
            self.restarts += 1
            return
        confirm = next(
            (b["callback_data"] for row in last.buttons for b in row if b["text"] == "确认"), None
        )
        if confirm is None:
            self.restarts += 1
            return
        self.confirmed.append(self.description)  # the update exists from here on
        if await self._press(last, confirm):
            await self._answer()  # the menu

    async def _press(self, message: TranscriptMessage, data: str) -> bool:
        try:
            await self.user.press(message.message_id, data, timeout=0.5)
        except LookupError:  # edited or gone meanwhile: a message seen twice, say
            self.restarts += 1
            return False
        return True

    async def _answer(self) -> TranscriptMessage | None:
        """The next message that is not a copy of one seen this round (a crash may send a
        message again, as a person would see it: the same question, the same buttons)."""
        while True:
            try:
                message = await self.user.next_message(timeout=self.patience)
            except NoMessageError:
                return None
            seen = (message.body, repr(message.buttons))
            if seen not in self.seen:
                self.seen.add(seen)
                return message


@dataclass
class CrashReport:
    database: str
    trials: int
    residents: int
    seconds: float = 0.0
    rounds: int = 0
    confirmed: int = 0
    orders: int = 0
    updates: int = 0
    messages: int = 0  # new messages the outbox sent
    # (crash, chat) → copies: messages its sender did not record and that were sent again
    duplicates: Counter[tuple[int, int]] = field(default_factory=Counter)
    repeats: Counter[str] = field(default_factory=Counter)  # REPEATS seen
    restarts: int = 0
    exit_code: int | None = None
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        worst = max(self.duplicates.values(), default=0)
        return (
            f"{self.database}: {self.trials} kills, {self.residents} residents, "
            f"{self.seconds:.0f} s: {self.confirmed} Confirms → {self.orders} orders, "
            f"{self.updates} updates all handled, {self.messages} messages; "
            f"{sum(self.duplicates.values())} sent twice (at most {worst} in one chat from one "
            f"crash), repeated presses/edits {dict(self.repeats)}; "
            f"{len(self.problems)} problems"
        )


async def crash_intake(
    database_url: str,
    workdir: Path,
    *,
    trials: int,
    residents: int = 20,
    seed: int | None = None,
    confirms: int = 3,
    then: tuple[float, float] = (0.0, 1.5),
    lease_seconds: float = 30.0,
) -> CrashReport:
    """`database_url`: an empty database. Each kill comes once the residents have pressed
    `confirms` more Confirms (so that every trial kills a bot at work, not one still
    starting), a random number of seconds in `then` later. `lease_seconds`: the outbox lease,
    which a dead process's answers wait out (30 s in production; tests shorten it); a resident
    waits for an answer that long and half a minute more (a restart on a busy machine) before
    starting the round over."""
    rng = random.Random(seed)
    report = CrashReport(database_url.split(":", 1)[0], trials, residents)
    began = time.monotonic()
    emulator = Emulator(rate_limits=False)
    await emulator.start(port=0)
    emulator.add_bot(TOKEN, username=BOT_USERNAME, first_name="Guanjia")
    key = new_key()
    runtime = build_runtime(Settings(database_url=database_url, _env_file=None), key=key)  # type: ignore[call-arg]
    bot = BotProcess(
        {
            "DATABASE_URL": database_url,
            "DATA_KEY": key,
            "BOT_TOKEN": TOKEN,
            "BOT_USERNAME": BOT_USERNAME,
            "API_BASE": emulator.base_url,
            "POLLING_TIMEOUT": "1",
            # Simulated residents tap far faster than anyone: nobody is slowed as a flood.
            "PRIVATE_CHAT_BURST": "1000",
            "GROUP_PER_MINUTE": "1000",
            "FLOOD_BURST": "1000000",
            "LOG_LEVEL": "WARNING",
            "OUTBOX_LEASE_SECONDS": str(lease_seconds),
        },
        workdir / "bot.log",
    )
    try:
        await prepare_database(runtime)
        await bot.start()
        people = [
            Resident(await _bound(emulator, runtime, index), index, lease_seconds + 30)
            for index in range(residents)
        ]
        stop = asyncio.Event()

        async def keep_going(resident: Resident) -> None:
            while not stop.is_set():
                await resident.go_round()

        going = [asyncio.create_task(keep_going(r)) for r in people]
        kills: list[dict[int, int]] = []  # per kill, each chat's next message id then
        for _ in range(trials):
            await _confirmed(people, confirms)
            await asyncio.sleep(rng.uniform(*then))
            kills.append({c: v.next_message_id for c, v in conversations(emulator).items()})
            if not bot.alive:  # it ended by itself: that is a finding, not the harness's fault
                code = bot.process.returncode if bot.process else None
                report.problems.append(f"the bot ended by itself (exit {code}): see its log")
                await bot.start()
                continue
            await bot.kill()
            await bot.start()
        await _confirmed(people, confirms)
        stop.set()
        await asyncio.gather(*going)
        await _settled(emulator, runtime)
        report.exit_code = await bot.stop()
        await _check(report, emulator, runtime, people, kills)
    finally:
        with contextlib.suppress(Exception):
            await bot.stop()
        await runtime.close()
        await emulator.stop()
    report.seconds = time.monotonic() - began
    return report


async def _confirmed(people: list[Resident], count: int, seconds: float = 120.0) -> None:
    """Until the residents have pressed `count` more Confirms (or `seconds` passed: a bot that
    stalls is killed all the same)."""
    target = sum(len(r.confirmed) for r in people) + count
    deadline = time.monotonic() + seconds
    while sum(len(r.confirmed) for r in people) < target and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)  # the residents' progress has no event to wait on


async def _bound(emulator: Emulator, runtime: Runtime, index: int) -> SimUser:
    building, unit = HOMES[index % len(HOMES)]
    async with runtime.uow_factory() as uow:
        estate = await directory.require_estate(uow, "BX")
        found = await directory.find_unit(uow, estate.id, building, unit)
        assert found is not None
        [created] = await invitations.create_unit_invitations(uow, [found.id], Relation.OWNER)
        await uow.commit()
    user = emulator.create_user(first_name=f"住户{index}", language_code="zh-hans")
    await user.send_command("start", args=created.code)
    await user.next_message(timeout=180)  # the first bot may take long to start on a busy machine
    return user


async def _settled(emulator: Emulator, runtime: Runtime, seconds: float = 120.0) -> None:
    """Until every update is acknowledged and handled and every message sent (an answer whose
    writer was killed waits out its lease first)."""
    queue = emulator.queue(emulator.default_bot)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        async with runtime.uow_factory() as uow:
            unhandled = await uow.session.scalar(
                select(func.count())
                .select_from(ProcessedUpdate)
                .where(ProcessedUpdate.payload.is_not(None))
            )
            unsent = await uow.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING)
            )
        if not queue.pending and not unhandled and not unsent:
            return
        await asyncio.sleep(0.5)


async def _check(
    report: CrashReport,
    emulator: Emulator,
    runtime: Runtime,
    people: list[Resident],
    kills: list[dict[int, int]],
) -> None:
    problems = report.problems
    confirmed = Counter(d for r in people for d in r.confirmed)
    report.confirmed = len(confirmed)
    report.rounds = sum(r.round for r in people)
    report.restarts = sum(r.restarts for r in people)
    async with runtime.uow_factory() as uow:
        descriptions = Counter(await uow.session.scalars(select(Order.description)))
        handled = set(
            await uow.session.scalars(
                select(ProcessedUpdate.update_id).where(ProcessedUpdate.payload.is_(None))
            )
        )
        unsent = await uow.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.notin_([OutboxStatus.SENT, OutboxStatus.SKIPPED]))
        )
    report.orders = sum(descriptions.values())
    for description in confirmed:
        if descriptions[description] != 1:
            problems.append(f"Confirm of {description!r}: {descriptions[description]} orders")
    for description in descriptions.keys() - confirmed.keys():
        problems.append(f"an order nobody confirmed: {description!r}")

    queue = emulator.queue(emulator.default_bot)
    issued = set(range(1, queue.next_update_id))
    report.updates = len(issued)
    if queue.pending:
        problems.append(f"{len(queue.pending)} updates never acknowledged")
    if lost := issued - handled:
        problems.append(f"{len(lost)} updates not handled: {sorted(lost)[:10]}")

    if unsent:
        problems.append(f"{unsent} outgoing messages not sent")
    recorded = await recorded_by_chat(runtime.uow_factory)
    report.messages = sum(len(rows) for rows in recorded.values())
    for chat in compare(recorded, delivered_by_chat(emulator)):
        if chat.missing:
            problems.append(f"chat {chat.chat_id}: recorded sent, never arrived: {chat.missing}")
        if chat.out_of_order:
            problems.append(f"chat {chat.chat_id}: messages out of order")
        for message_id in chat.copies:
            # The crash that ended the process which sent it: the first after its arrival.
            crash = next(
                (n for n, ends in enumerate(kills) if message_id < ends.get(chat.chat_id, 0)),
                len(kills),
            )
            report.duplicates[(crash, chat.chat_id)] += 1
    if report.duplicates and max(report.duplicates.values()) > COPIES_PER_CRASH_AND_CHAT:
        worst = report.duplicates.most_common(3)
        problems.append(f"more copies in a chat from one crash than the window allows: {worst}")

    for violation in emulator.violations:
        repeat = next((r for r in REPEATS if r in violation["description"]), None)
        if repeat is None:
            problems.append(f"Bot API refused {violation['method']}: {violation['description']}")
        else:
            report.repeats[repeat] += 1
    if report.exit_code != 0:
        problems.append(f"the last bot did not stop cleanly on SIGTERM: exit {report.exit_code}")
