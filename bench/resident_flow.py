"""The resident report flow under load, through the real aiogram front end and the emulator.

    .venv/bin/python -m bench.resident_flow --database postgresql+asyncpg://postgres@127.0.0.1:5432/test

Three bots are measured in the same run, one after the other, against one emulator: a bare
aiogram echo bot (the ceiling: polling, parsing and one sendMessage per update, nothing else);
a bare aiogram bot that makes the report flow's Bot API calls and nothing else (each press
answered, each step a question with Guanjia's keyboard: the floor under any bot serving this
flow through aiogram; `--no-shape` skips it); then Guanjia. Each bot runs alone in a process of
its own, as in production, where Telegram is elsewhere; the emulator and the simulated people
(the load) run in this process. For each bot:
- saturation: every simulated person acts as soon as the previous answer arrives; updates per
  second handled;
- fixed load: updates offered at --rate per second (open loop, spread over many people, each with
  at most one update in flight); p50 / p99 latency from the person's message to the bot's answer.
Guanjia's flow is the whole report: menu → report a repair → in my home → category →
description → Done → day → slot → urgency → Confirm, then again.

It creates its own PostgreSQL schema (or SQLite file) and drops it afterwards. Telegram's send
quota is lifted (the emulator enforces none here): this measures the bot's own cost.
`--profile PREFIX` writes a cProfile of each bot process. The figures are printed and written to
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import logging
import multiprocessing
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.engine import make_url

from bot.channels import aiogram_channel
from bot.channels.aiogram_channel import run_aiogram
from bot.runtime.core import Core
from bot.runtime.loop import run_event_loop
from bot.runtime.resources import Runtime, build_runtime, freeze_startup_heap
from bot.runtime.settings import Settings
from core.crypto import new_key
from core.db import SCHEMA_PARAM, create_engine, is_sqlite
from core.enums import Relation
from core.models import Base
from core.services import directory, importer, invitations
from sandbox.world import BOT_USERNAME, SAMPLE_ESTATE, TOKEN
from tg_emulator import Emulator, SimUser
from tg_emulator.state import BotState
from tg_emulator.transcript import TranscriptMessage

ECHO_TOKEN = "654321:ECHO-bench"
SHAPE_TOKEN = "654322:SHAPE-bench"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


STEP_NAMES = [
    "/cancel",
    "menu: report",
    "in my home",
    "category",
    "description",
    "Done",
    "day",
    "slot",
    "urgency",
    "Confirm",
]


@dataclass
class Measure:
    latencies: list[float] = field(default_factory=list)
    by_step: dict[str, list[float]] = field(default_factory=dict)
    started: float = 0.0
    ended: float = 0.0
    bot_cpu: float = float("nan")  # CPU seconds the bot's process used during the run

    def add(self, step: str, latency: float) -> None:
        self.latencies.append(latency)
        self.by_step.setdefault(step, []).append(latency)

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / max(self.ended - self.started, 1e-9)

    @property
    def cpu_per_update(self) -> float:
        return self.bot_cpu / max(self.count, 1)

    @property
    def cpu_share(self) -> float:
        return self.bot_cpu / max(self.ended - self.started, 1e-9)

    def quantile(self, q: float, step: str | None = None) -> float:
        latencies = self.latencies if step is None else self.by_step.get(step, [])
        if len(latencies) < 2:
            return latencies[0] if latencies else float("nan")
        return statistics.quantiles(latencies, n=100, method="inclusive")[int(q * 100) - 1]


# --- the people ------------------------------------------------------------------------------

Step = Callable[[], Awaitable[TranscriptMessage]]


class Reporter:
    """One resident going round the report flow; `step()` sends one update, awaits the answer."""

    def __init__(self, user: SimUser, bot: BotState | None = None) -> None:
        self.user = user
        self.bot = bot  # None: Guanjia, the emulator's first bot
        self.last: TranscriptMessage | None = None
        self.position = 0
        self.errors = 0
        self.step_name = STEP_NAMES[0]  # what the last step() sent

    async def step(self) -> TranscriptMessage:
        user, last = self.user, self.last
        position = self.position
        self.step_name = STEP_NAMES[position]
        if position == 0:  # /cancel: the menu, whatever a failed round left behind
            await user.send_command("cancel", bot=self.bot)
        elif position == 4:
            await user.send_text("厨房水管漏水了", bot=self.bot)
        else:
            assert last is not None
            if not last.buttons:  # an error answer: start over from the menu
                self.errors += 1
                self.position = 0
                return await self.step()
            await user.press(last.message_id, last.buttons[0][0]["callback_data"], bot=self.bot)
        reply = await user.next_message(timeout=30, bot=self.bot)
        if position == 9:  # Confirm: the summary is edited, then the menu comes
            self.position = 1
        else:
            self.position = position + 1
        self.last = reply
        return reply


class Echoer:
    step_name = "echo"

    def __init__(self, user: SimUser, bot) -> None:
        self.user = user
        self.bot = bot

    async def step(self) -> TranscriptMessage:
        await self.user.send_text("厨房水管漏水了", bot=self.bot)
        return await self.user.next_message(timeout=30, bot=self.bot)


# --- the runs --------------------------------------------------------------------------------


async def saturate(people: list, seconds: float) -> Measure:
    measure = Measure(started=time.perf_counter())
    deadline = measure.started + seconds

    async def loop(person) -> None:
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            await person.step()
            measure.add(person.step_name, time.perf_counter() - sent)

    await asyncio.gather(*(loop(p) for p in people))
    measure.ended = time.perf_counter()
    return measure


async def offered(people: list, rate: float, seconds: float) -> Measure:
    """Open loop: an update every 1/rate seconds, given to a person with nothing in flight."""
    idle: asyncio.Queue = asyncio.Queue()
    for person in people:
        idle.put_nowait(person)
    measure = Measure(started=time.perf_counter())
    tasks: set[asyncio.Task] = set()
    skipped = 0

    async def one(person) -> None:
        sent = time.perf_counter()
        await person.step()
        measure.add(person.step_name, time.perf_counter() - sent)
        idle.put_nowait(person)

    total = int(rate * seconds)
    for index in range(total):
        due = measure.started + index / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        if idle.empty():
            skipped += 1
            continue
        task = asyncio.create_task(one(idle.get_nowait()))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    measure.ended = time.perf_counter()
    if skipped:
        print(f"  ({skipped} offered updates found every person busy and were not sent)")
    return measure


# --- the bot under test, in a process of its own ----------------------------------------------


@dataclass(frozen=True)
class BotSpec:
    """What the bot's process needs to know; plain data, since it crosses a process boundary."""

    kind: str  # "echo" or "guanjia"
    token: str
    api_base: str
    settings: dict[str, Any]
    key: str
    profile: str | None = None  # a cProfile output file for the bot's whole life


def _bot_process(spec: BotSpec, ready: Any, stop: Any) -> None:
    logging.basicConfig(level=logging.WARNING, format="bot %(levelname)s %(name)s: %(message)s")
    profiler = cProfile.Profile() if spec.profile else None
    if profiler is not None:
        profiler.enable()
    try:
        run_event_loop(_serve_bot(spec, ready, stop))  # as `guanjia run`, for every bot
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(spec.profile)


async def _serve_bot(spec: BotSpec, ready: Any, stop: Any) -> None:
    runtime = None
    if spec.kind in ("echo", "shape"):
        # aiogram as it comes: its own session settings, not Guanjia's (make_bot's orjson).
        session = AiohttpSession(api=TelegramAPIServer.from_base(spec.api_base.rstrip("/")))
        bare = Bot(token=spec.token, session=session)
        runner = _echo(bare) if spec.kind == "echo" else _flow_shape(bare)
    else:
        settings = Settings(**spec.settings, _env_file=None)  # type: ignore[call-arg]
        runtime = build_runtime(settings, key=spec.key)
        runner = run_aiogram(Core.build(runtime), spec.token, spec.api_base)
    freeze_startup_heap()  # as `guanjia run` does, for both bots
    task = asyncio.create_task(runner)
    ready.set()
    try:
        await asyncio.to_thread(stop.wait)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if runtime is not None:
            await runtime.close()


async def _echo(bot: Any) -> None:
    """A bare aiogram bot: answers each message with the same text, nothing else."""
    dispatcher = Dispatcher()

    @dispatcher.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    @dispatcher.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()

    try:
        await aiogram_channel.poll(dispatcher, bot, 1)
    finally:
        await bot.session.close()


# What Guanjia answers at a step of the flow: its category question, nine buttons in pairs.
SHAPE_TEXT = "请问需要维修什么？"
SHAPE_KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[
        [
            InlineKeyboardButton(text=label, callback_data=f"rp:{123456 + n}:ca:{n}")
            for n, label in pair
        ]
        for pair in (
            ((1, "水"), (2, "电")),
            ((3, "门窗"), (4, "墙面天花")),
            ((5, "电梯"), (6, "下水道")),
            ((7, "燃气"), (8, "家电")),
            ((9, "其他"),),
        )
    ]
)


async def _flow_shape(bot: Any) -> None:
    """The report flow's Bot API calls and nothing else: every message and every press gets a
    question with Guanjia's keyboard; a press is answered first, as Guanjia answers it. What
    aiogram alone costs for this flow: the floor under any bot that serves it."""
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def question(message: Message) -> None:
        await message.answer(SHAPE_TEXT, reply_markup=SHAPE_KEYBOARD)

    @dispatcher.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()
        assert query.message is not None
        await bot.send_message(query.message.chat.id, SHAPE_TEXT, reply_markup=SHAPE_KEYBOARD)

    try:
        await aiogram_channel.poll(dispatcher, bot, 1)
    finally:
        await bot.session.close()


@contextlib.asynccontextmanager
async def bot_process(spec: BotSpec) -> AsyncIterator[int]:
    """Runs the bot in a fresh process (spawned: nothing inherited) until the block ends."""
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    process = context.Process(target=_bot_process, args=(spec, ready, stop), name=spec.kind)
    process.start()
    try:
        if not await asyncio.to_thread(ready.wait, 60):
            raise RuntimeError(f"the {spec.kind} bot did not start")
        assert process.pid is not None
        yield process.pid
    finally:
        stop.set()
        await asyncio.to_thread(process.join, 30)
        if process.is_alive():
            process.kill()
            await asyncio.to_thread(process.join)


# --- the harness: emulator, database, people ---------------------------------------------------


async def bind_resident(
    emulator: Emulator, runtime: Runtime, name: str, building: str, unit: str
) -> SimUser:
    """A person bound to a unit through an invitation, as sandbox.world does it."""
    async with runtime.uow_factory() as uow:
        estate = await directory.require_estate(uow, "BX")
        found = await directory.find_unit(uow, estate.id, building, unit)
        assert found is not None
        [created] = await invitations.create_unit_invitations(uow, [found.id], Relation.OWNER)
        await uow.commit()
    user = emulator.create_user(first_name=name, language_code="zh-hans")
    await user.send_command("start", args=created.code)
    await user.next_message(timeout=60)
    return user


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux), NaN where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def metered(pid: int, run: Awaitable[Measure]) -> Measure:
    before = cpu_seconds(pid)
    result = await run
    result.bot_cpu = cpu_seconds(pid) - before
    return result


async def measure(name: str, pid: int, people: list, args: argparse.Namespace) -> list:
    # This process (emulator, people, every message kept) collects garbage too: a full
    # collection here took 200-270 ms and landed in whichever measurement was under way.
    freeze_startup_heap()
    await saturate(people[:4], 1.0)  # warm up
    await saturate(people, 2.0)
    full = await metered(pid, saturate(people, args.seconds))
    print(f"{name}: saturated {full.rate:.1f} updates/s", flush=True)
    load = await metered(pid, offered(people, args.rate, args.seconds))
    print(
        f"{name}: at {args.rate:.0f}/s p50 {load.quantile(0.5) * 1000:.1f} ms, "
        f"p99 {load.quantile(0.99) * 1000:.1f} ms",
        flush=True,
    )
    return [(name, "saturation", full), (name, f"{args.rate:.0f}/s offered", load)]


@contextlib.asynccontextmanager
async def scratch_database(url: str) -> AsyncIterator[str]:
    if is_sqlite(url):
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{folder}/bench.db"
        return
    schema = "bench_" + secrets.token_hex(4)
    admin = create_engine(url)
    try:
        async with admin.begin() as connection:
            await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            yield (
                make_url(url)
                .update_query_dict({SCHEMA_PARAM: schema})
                .render_as_string(hide_password=False)
            )
        finally:
            async with admin.begin() as connection:
                await connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await admin.dispose()


async def run(args: argparse.Namespace) -> list[tuple[str, str, Measure]]:
    rows: list[tuple[str, str, Measure]] = []
    emulator = Emulator(rate_limits=False)
    await emulator.start(port=0)
    emulator.add_bot(TOKEN, username=BOT_USERNAME, first_name="Guanjia")
    echo_state = emulator.add_bot(ECHO_TOKEN, username="echo_bench_bot", first_name="Echo")
    shape_state = emulator.add_bot(SHAPE_TOKEN, username="shape_bench_bot", first_name="Shape")
    try:
        async with scratch_database(args.database) as url:
            settings = {
                "database_url": url,
                "bot_username": BOT_USERNAME,
                "api_base": emulator.base_url,
                "polling_timeout": 1,
                # Telegram's send quota lifted (the emulator enforces none here either): this
                # measures the bot's own cost.
                "send_rate_per_second": 10_000.0,
                "private_chat_burst": 1000,
                "group_per_minute": 1000,
                # Simulated residents tap far faster than anyone: none is slowed as a flood.
                "flood_burst": 10**6,
            }
            key = new_key()
            runtime = build_runtime(Settings(**settings, _env_file=None), key=key)  # type: ignore[call-arg]
            try:
                async with runtime.engine.begin() as connection:
                    await connection.run_sync(Base.metadata.create_all)
                async with runtime.uow_factory() as uow:
                    await importer.import_csv(uow, SAMPLE_ESTATE.read_bytes())
                    await uow.commit()

                def spec(kind: str, token: str) -> BotSpec:
                    profile = f"{args.profile}.{kind}.prof" if args.profile else None
                    return BotSpec(kind, token, emulator.base_url, settings, key, profile)

                async with bot_process(spec("echo", ECHO_TOKEN)) as pid:
                    echoers = [
                        Echoer(emulator.create_user(first_name=f"E{i}"), echo_state)
                        for i in range(args.people)
                    ]
                    rows += await measure("aiogram echo bot", pid, echoers, args)
                if not args.no_shape:
                    async with bot_process(spec("shape", SHAPE_TOKEN)) as pid:
                        shapers = [
                            Reporter(emulator.create_user(first_name=f"S{i}"), shape_state)
                            for i in range(args.people)
                        ]
                        rows += await measure("aiogram, the flow's calls only", pid, shapers, args)
                async with bot_process(spec("guanjia", TOKEN)) as pid:
                    residents = []
                    for index in range(args.people):
                        building, unit = ("1栋", "101") if index % 2 else ("2栋", "101")
                        user = await bind_resident(emulator, runtime, f"R{index}", building, unit)
                        residents.append(Reporter(user))
                    rows += await measure("Guanjia report flow", pid, residents, args)
                errors = sum(r.errors for r in residents)
                if errors:
                    print(f"  {errors} error answers during the Guanjia runs (see the log)")
            finally:
                await runtime.close()
    finally:
        await emulator.stop()
    return rows


def table(rows: list[tuple[str, str, Measure]]) -> str:
    lines = [
        "| bot | run | updates | updates/s | p50 ms | p99 ms | bot CPU | bot CPU ms/update |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, kind, m in rows:
        lines.append(
            f"| {name} | {kind} | {m.count} | {m.rate:.1f} | {m.quantile(0.5) * 1000:.1f} | "
            f"{m.quantile(0.99) * 1000:.1f} | {m.cpu_share * 100:.0f} % | "
            f"{m.cpu_per_update * 1000:.2f} |"
        )
    return "\n".join(lines)


def step_table(rows: list[tuple[str, str, Measure]]) -> str:
    """Guanjia's latency at the offered load, step by step."""
    lines = ["| step | updates | p50 ms | p99 ms | max ms |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, kind, m in rows:
        if not name.startswith("Guanjia") or kind == "saturation":
            continue
        for step in STEP_NAMES:
            found = m.by_step.get(step, [])
            if found:
                lines.append(
                    f"| {step} | {len(found)} | {m.quantile(0.5, step) * 1000:.1f} | "
                    f"{m.quantile(0.99, step) * 1000:.1f} | {max(found) * 1000:.1f} |"
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite+aiosqlite:///bench.db")
    parser.add_argument("--rate", type=float, default=100.0, help="offered updates per second")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument(
        "--no-shape", action="store_true", help="skip the bot that makes the flow's calls only"
    )
    parser.add_argument(
        "--profile", metavar="PREFIX", help="cProfile each bot process into PREFIX.<bot>.prof"
    )
    args = parser.parse_args()
    rows = asyncio.run(run(args))
    text = table(rows)
    steps = step_table(rows)
    print(text)
    print(steps)
    echo = next(m for n, k, m in rows if n.startswith("aiogram") and k == "saturation")
    ours = next(m for n, k, m in rows if n.startswith("Guanjia") and k == "saturation")
    loaded = next(m for n, k, m in rows if n.startswith("Guanjia") and k != "saturation")
    verdict = (
        f"Throughput ratio {ours.rate / echo.rate:.2f} × echo (aim ≥ 0.5); "
        f"p99 at {args.rate:.0f}/s {loaded.quantile(0.99) * 1000:.1f} ms (aim ≤ 50 ms)."
    )
    shape = next(
        (m for n, k, m in rows if n.startswith("aiogram, the flow") and k == "saturation"), None
    )
    if shape is not None:
        verdict += (
            f" The flow's Bot API calls alone, with no work: {shape.rate / echo.rate:.2f} × echo; "
            f"Guanjia reaches {ours.rate / shape.rate:.2f} × that."
        )
    print(verdict)
    if not args.no_save:
        backend = make_url(args.database).get_backend_name()
        save_figures(
            f"`python -m bench.resident_flow --database <{backend}>` — {args.people} people, "
            f"{args.seconds:.0f} s per run, {os.cpu_count()} cores. Each bot runs alone in a "
            "process of its own; the emulator and the simulated people run in another. Latency: "
            "from a person's update to the bot's answer in their chat, through aiogram, the "
            "emulator and the outbox. Bot CPU: the bot process's CPU time over the run.\n\n"
            f"{text}\n\n{verdict}\n\nGuanjia at {args.rate:.0f}/s, step by step:\n\n{steps}"
        )


FIGURES_START, FIGURES_END = "<!-- figures -->", "<!-- /figures -->"


def save_figures(figures: str) -> None:
    """Replaces the figures in RESULTS.md; the analysis around them is written by hand."""
    block = f"{FIGURES_START}\n{figures}\n{FIGURES_END}"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if FIGURES_START in text and FIGURES_END in text:
        head, _, rest = text.partition(FIGURES_START)
        text = head + block + rest.partition(FIGURES_END)[2]
    else:
        text = f"# Resident report flow benchmark\n\n{block}\n"
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
