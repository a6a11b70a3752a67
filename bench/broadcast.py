"""One notice to many residents, delivered within Telegram's limits, against a peer.

    .venv/bin/python -m bench.broadcast --recipients 20000 \\
        --database postgresql+asyncpg://postgres@127.0.0.1:5432/test

The emulator runs with Telegram's limits on (30 messages a second per bot, about one a second
per private chat after a short burst, 429 with retry_after beyond; `--paid`: paid broadcasts,
1000 a second). `--recipients` bound residents are written in bulk; the real bot (`guanjia run`,
a process of its own, aiogram) is started, then one notice to the whole estate is written to the
outbox as `guanjia notice send` does, in a process of its own (`--write before`: while the bot is
stopped, before the clock starts), and the bot's sender delivers it. Measured: messages a
second (first to last delivery) as a share of the emulated limit, 429s the emulator answered,
wall time (from the send command to the last delivery), the bot process's RSS at rest, its peak
and once every ten seconds, and a resident's answer latency while the broadcast runs (a person
writes /menu every two seconds). The benchmark's own process runs the emulator and does little
else while the clock runs: deliveries are counted as the emulator stores them, not by walking
every chat.

Then, in the same run, the same messages (same texts, same chats, another bot token) are sent by
python-telegram-bot's `AIORateLimiter` (its defaults: 30 a second overall; `--paid`: 1000),
all at once, in a process of its own: its rate, 429s, wall time and peak RSS, and our rate as a
ratio of its rate. The figures are printed and written to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bench.resident_flow import scratch_database
from bot.runtime.resources import build_runtime, freeze_startup_heap
from bot.runtime.settings import Settings
from bot.views import notices as notice_views
from core.crypto import new_key
from core.models import Base
from core.services import importer, notices
from sandbox.broadcast import (
    bot_environment,
    kill,
    notice_to_estate,
    seed_residents,
    start_bot_process,
)
from sandbox.world import BOT_USERNAME, SAMPLE_ESTATE, TOKEN
from tg_emulator import Emulator, SimUser
from tg_emulator.limits import RateLimits
from tg_emulator.state import BotState, Conversation

PEER_TOKEN = "777000:PEER-bench-token"
RESULTS = Path(__file__).with_name("RESULTS.md")
ROOT = Path(__file__).resolve().parent.parent
TEXT = "本周六上午九点在会所举办亲子活动，欢迎各位住户参加。"


@dataclass
class Run:
    name: str
    recipients: int
    limit: float
    first: float | None = None
    last: float | None = None
    started: float = 0.0
    too_many: int = 0
    peak_rss_mb: float = 0.0
    rest_rss_mb: float | None = None  # before the broadcast
    latencies: list[float] = field(default_factory=list)
    rss_samples: list[float] = field(default_factory=list)  # VmRSS MB, once a second
    delivered: int = 0
    failed: int = 0

    @property
    def rate(self) -> float:
        if self.first is None or self.last is None or self.last <= self.first:
            return 0.0
        return (self.delivered - 1) / (self.last - self.first)

    @property
    def wall(self) -> float:
        return (self.last or self.started) - self.started


def peak_rss_mb(pid: int, field: str = "VmHWM") -> float:
    """VmHWM: the process's peak resident set (VmRSS: its resident set now; Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def delivered(emulator: Emulator, bot: BotState, users: list[SimUser]) -> int:
    """The bot's messages in the users' chats, counted one chat at a time (once, at the end)."""
    return sum(
        1
        for user in users
        for message in emulator.private_conversation(bot, user).messages
        if message.from_bot
    )


# Bot messages the emulator put into the recipients' chats, per bot id, counted as they are
# added: the watch reads a number instead of walking every recipient's chat. Walking them every
# 50 ms cost the benchmark's process (which also answers every send as the emulator) tens of
# milliseconds a time at 20,000 recipients, and more than the poll interval at 100,000.
BOT_MESSAGES: Counter[int] = Counter()
RECIPIENT_CHATS: set[int] = set()


def count_bot_messages(users: list[SimUser]) -> None:
    RECIPIENT_CHATS.update(user.id for user in users)
    add = Conversation.add
    if getattr(add, "counting", False):
        return

    def counted_add(self: Conversation, *args: Any, **kwargs: Any) -> Any:
        message = add(self, *args, **kwargs)
        if message.from_bot and message.chat["id"] in RECIPIENT_CHATS:
            BOT_MESSAGES[message.bot_id] += 1
        return message

    counted_add.counting = True  # type: ignore[attr-defined]
    Conversation.add = counted_add  # type: ignore[method-assign]


def open_chats(emulator: Emulator, bot: BotState, users: list[SimUser]) -> None:
    """Each resident has talked to the bot (they are bound): the bot may write to them (the
    emulator answers 403 to a first message to someone who never started the bot)."""
    for user in users:
        emulator.private_conversation(bot, user)


async def watch(run: Run, emulator: Emulator, bot: BotState, users: list[SimUser]) -> None:
    """Until everyone has it: the moments of the first and the last delivery (counted from
    the watch's start), then the chats walked once to confirm."""
    count_bot_messages(users)
    base = BOT_MESSAGES[bot.id]
    while True:
        count = BOT_MESSAGES[bot.id] - base
        if count >= run.recipients:
            count = delivered(emulator, bot, users)
        now = time.monotonic()
        if count and run.first is None:
            run.first = now
        if count > run.delivered:
            run.delivered, run.last = count, now
        if count >= run.recipients:
            return
        await asyncio.sleep(0.05 if run.limit > 100 else 0.2)


async def sample_rss(pid: int, samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append(peak_rss_mb(pid, "VmRSS"))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


async def write_notice_elsewhere(url: str, key: str, paid: bool) -> tuple[int, int]:
    """The notice written as `guanjia notice send` writes it, in a process of its own: not in
    the benchmark's, which answers every send as the emulator. (notice id, messages written)"""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.broadcast",
        "--write-notice",
        url,
        *(["--paid"] if paid else []),
        cwd=str(ROOT),
        env={**os.environ, "DATA_KEY": key, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    output, _ = await process.communicate()
    if process.returncode:
        raise RuntimeError(f"writing the notice failed ({process.returncode})")
    notice_id, written = json.loads(output.decode().strip().splitlines()[-1])
    return notice_id, written


async def write_notice(url: str, paid: bool) -> None:
    runtime = build_runtime(
        Settings(database_url=url, _env_file=None),  # type: ignore[call-arg]
        key=os.environ["DATA_KEY"],
    )
    try:
        result = await notice_to_estate(runtime.uow_factory, TEXT, paid=paid)
    finally:
        await runtime.close()
    print(json.dumps(list(result)), flush=True)


async def probe(
    emulator: Emulator, person: SimUser, latencies: list[float], stop: asyncio.Event
) -> None:
    """A person writing /menu every two seconds: the time until the bot's answer is in the
    chat (counted in the emulator, so that no earlier message is taken for the answer)."""
    conversation = emulator.private_conversation(emulator.default_bot, person)

    def answers() -> int:
        return sum(1 for message in conversation.messages if message.from_bot)

    while not stop.is_set():
        before = answers()
        began = time.monotonic()
        await person.send_command("menu")
        await conversation.changes.wait_for(lambda seen=before: answers() > seen or None, 30)
        latencies.append(time.monotonic() - began if answers() > before else float("inf"))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 2.0)


async def guanjia(args: argparse.Namespace, emulator: Emulator, url: str) -> tuple[Run, dict]:
    key = new_key()
    runtime = build_runtime(Settings(database_url=url, _env_file=None), key=key)  # type: ignore[call-arg]
    try:
        async with runtime.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        began = time.monotonic()
        async with runtime.uow_factory() as uow:
            await importer.import_csv(uow, SAMPLE_ESTATE.read_bytes())
            users = await seed_residents(uow, emulator, args.recipients)
            await uow.commit()
        print(
            f"{args.recipients} residents written in {time.monotonic() - began:.1f} s", flush=True
        )
        open_chats(emulator, emulator.default_bot, users)
        freeze_startup_heap()  # the emulator's users and chats: no full collection walks them
        env = bot_environment(
            url,
            key,
            TOKEN,
            BOT_USERNAME,
            SEND_RATE_PER_SECOND=str(args.send_rate),
            ALLOW_PAID_BROADCAST="true" if args.paid else "false",
            LOG_LEVEL="WARNING",
        )
        log = Path(tempfile.gettempdir()) / f"bench-broadcast-{os.getpid()}.log"
        print(f"the bot's log: {log}", flush=True)
        process = await start_bot_process(emulator.base_url, env, "aiogram", log)
        person = emulator.create_user(first_name="问路人", language_code="zh-hans")
        try:
            await person.send_command("start")
            await person.next_message(
                timeout=180
            )  # the bot is up (slow to start on a busy machine)
            await asyncio.sleep(3)  # and its start-up routines are done
            emulator.reset_stats()
            run = Run("Guanjia (aiogram, outbox sender)", args.recipients, limit(args))
            run.rest_rss_mb = peak_rss_mb(process.pid, "VmRSS")
            stop = asyncio.Event()
            if args.write == "before":
                # The bot stopped (SIGSTOP) while the notice is written: the clock then
                # measures the sender alone, with nothing else writing.
                process.send_signal(signal.SIGSTOP)
                began = time.monotonic()
                notice_id, written = await notice_to_estate(
                    runtime.uow_factory, TEXT, paid=args.paid
                )
                written_at = time.monotonic() - began
                process.send_signal(signal.SIGCONT)
            run.started = time.monotonic()
            watcher = asyncio.create_task(watch(run, emulator, emulator.default_bot, users))
            prober = asyncio.create_task(probe(emulator, person, run.latencies, stop))
            sampler = asyncio.create_task(sample_rss(process.pid, run.rss_samples, stop))
            if args.write == "process":
                notice_id, written = await write_notice_elsewhere(url, key, args.paid)
                written_at = time.monotonic() - run.started
            # The bot's own minute tick may write some of the batches meanwhile (the cursor
            # keeps them apart): `written` is this command's share.
            assert written <= args.recipients, written
            await asyncio.wait_for(watcher, args.recipients / min(run.limit, 50) + 300)
            stop.set()
            await prober
            await sampler
            run.too_many = emulator.too_many_requests
            run.peak_rss_mb = peak_rss_mb(process.pid)
            async with runtime.uow_factory() as uow:
                view = await notices.get(uow, notice_id)
            texts = {
                locale: notice_views.render(view, locale)["text"]
                for locale in ("zh_Hans", "zh_Hant")
            }
            extra = {"written_s": written_at, "texts": texts, "users": users}
            return run, extra
        finally:
            await kill(process, signal.SIGTERM)
    finally:
        await runtime.close()


def limit(args: argparse.Namespace) -> float:
    limits = RateLimits()
    return limits.paid_broadcast_per_second if args.paid else limits.bot_per_second


async def peer(args: argparse.Namespace, emulator: Emulator, extra: dict) -> Run:
    users: list[SimUser] = extra["users"]
    texts = extra["texts"]
    jobs = [
        (user.id, texts["zh_Hant" if user.language_code == "zh-hant" else "zh_Hans"])
        for user in users
    ]
    bot = emulator.add_bot(PEER_TOKEN, username="peer_bench_bot")
    open_chats(emulator, bot, users)
    emulator.reset_stats()
    run = Run("python-telegram-bot AIORateLimiter", args.recipients, limit(args))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "jobs.json"
        path.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
        run.started = time.monotonic()
        watcher = asyncio.create_task(watch(run, emulator, bot, users))
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.ptb_peer",
            emulator.base_url,
            PEER_TOKEN,
            str(path),
            *(["--paid"] if args.paid else []),
            cwd=str(ROOT),
            stdout=asyncio.subprocess.PIPE,
        )
        output, _ = await process.communicate()
    watcher.cancel()
    result = json.loads(output.decode().strip().splitlines()[-1])
    run.delivered = delivered(emulator, bot, users)
    run.too_many = emulator.too_many_requests
    run.peak_rss_mb = result["rss"]
    print(
        f"peer: {result['failed']} sends failed ({result['errors']}), its own wall time "
        f"{result['wall']:.1f} s",
        flush=True,
    )
    run.failed = result["failed"]
    return run


def table(runs: list[Run]) -> str:
    rows = [
        "| sender | recipients | delivered | messages/s | share of the limit | 429s | wall s "
        "| RSS MB at rest / peak |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        rest = "–" if run.rest_rss_mb is None else f"{run.rest_rss_mb:.0f}"
        rows.append(
            f"| {run.name} | {run.recipients} | {run.delivered} | {run.rate:.1f} | "
            f"{run.rate / run.limit:.1%} of {run.limit:.0f}/s | {run.too_many} | "
            f"{run.wall:.1f} | {rest} / {run.peak_rss_mb:.0f} |"
        )
    return "\n".join(rows)


async def main_async(args: argparse.Namespace) -> str:
    emulator = Emulator(rate_limits=RateLimits())
    await emulator.start(port=0)
    emulator.add_bot(TOKEN, username=BOT_USERNAME, first_name="Guanjia")
    try:
        async with scratch_database(args.database) as url:
            ours, extra = await guanjia(args, emulator, url)
        runs = [ours]
        if not args.no_peer:
            runs.append(await peer(args, emulator, extra))
    finally:
        await emulator.stop()
    answered = sorted(ours.latencies)
    finite = [x for x in answered if x != float("inf")]
    latency = (
        f"A resident's /menu during the broadcast ({len(answered)} tries): median "
        f"{statistics.median(finite) * 1000:.0f} ms, slowest {max(answered) * 1000:.0f} ms."
        if finite
        else "A resident's /menu during the broadcast got no answer."
    )
    lines = [
        table(runs),
        "",
        f"The notice's {args.recipients} messages were written to the outbox in "
        f"{extra['written_s']:.1f} s (batches of {notices.BATCH}; "
        + (
            "before the clock, the bot stopped)."
            if args.write == "before"
            else "in a process of its own, while the sender already delivered)."
        ),
        latency,
        f"The bot's RSS (MB) every 10 s during the broadcast: "
        f"{' '.join(f'{mb:.0f}' for mb in ours.rss_samples[::10])}.",
    ]
    if len(runs) == 2 and runs[1].rate:
        lines.append(f"Guanjia's rate is {ours.rate / runs[1].rate:.2f} × the peer's.")
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:2] == ["--write-notice"]:  # the writer's own process (write_notice_elsewhere)
        asyncio.run(write_notice(sys.argv[2], "--paid" in sys.argv[3:]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=20000)
    parser.add_argument("--database", default="sqlite+aiosqlite:///bench.db")
    parser.add_argument(
        "--send-rate",
        type=float,
        default=Settings.model_fields["send_rate_per_second"].default,
        help="the bot's SEND_RATE_PER_SECOND (default: the product's default)",
    )
    parser.add_argument("--paid", action="store_true", help="ALLOW_PAID_BROADCAST: 1000/s")
    parser.add_argument(
        "--write",
        choices=("process", "before"),
        default="process",
        help="process: the notice is written while the clock runs, in a process of its own, "
        "as `guanjia notice send` does; before: written while the bot is stopped (SIGSTOP), so "
        "that the clock measures the sender alone",
    )
    parser.add_argument("--no-peer", action="store_true", help="skip python-telegram-bot")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    figures = asyncio.run(main_async(args))
    print(figures)
    if not args.no_save:
        backend = make_url(args.database).get_backend_name()
        command = (
            f"`python -m bench.broadcast --recipients {args.recipients} --database <{backend}>"
            f"{' --paid' if args.paid else ''} --send-rate {args.send_rate:g}"
            f"{' --write before' if args.write == 'before' else ''}` "
            f"({os.cpu_count()} cores)"
        )
        save(f"{command}\n\n{figures}", "paid" if args.paid else "limits")


def save(figures: str, which: str) -> None:
    """Replaces this run's figures in RESULTS.md (one block for the normal limits, one for
    paid broadcasts); the analysis around them is written by hand."""
    start, end = f"<!-- broadcast-{which} -->", f"<!-- /broadcast-{which} -->"
    block = f"{start}\n{figures}\n{end}"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if start in text and end in text:
        head, _, rest = text.partition(start)
        text = head + block + rest.partition(end)[2]
    else:
        text = f"{text.rstrip()}\n\n## Broadcast ({which})\n\n{block}\n"
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
