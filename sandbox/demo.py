"""`guanjia demo`: the emulator, a demo estate and the bot, with a resident's conversation played
and printed as the resident sees it. No token, no network; a throw-away SQLite database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from core.clock import FakeClock
from core.i18n import Translator
from sandbox.world import World, running_world
from tg_emulator import NoMessageError, SimUser, TranscriptMessage

WAIT = 10.0


class Narrator:
    """Plays one simulated person and prints the chat as they see it."""

    def __init__(self, user: SimUser, name: str) -> None:
        self.user = user
        self.name = name
        self.last: TranscriptMessage | None = None

    def _show(self, message: TranscriptMessage) -> None:
        tag = "📷 " if message.has_photo else ""
        print(f"  🤖 {tag}{message.body}".replace("\n", "\n     "))
        for row in message.buttons:
            print("     " + "  ".join(f"[{button['text']}]" for button in row))
        self.last = message

    async def read(self, count: int = 1) -> TranscriptMessage:
        for _ in range(count):
            self._show(await self.user.next_message(timeout=WAIT))
        assert self.last is not None
        return self.last

    async def say(self, text: str, replies: int = 1) -> TranscriptMessage:
        print(f"  👤 {self.name}: {text}")
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            await self.user.send_command(command, args=args or None)
        else:
            await self.user.send_text(text)
        return await self.read(replies)

    async def tap(self, index: tuple[int, int] = (0, 0), replies: int = 1) -> TranscriptMessage:
        assert self.last is not None
        button = self.last.buttons[index[0]][index[1]]
        print(f"  👤 {self.name} taps [{button['text']}]")
        await self.user.press(self.last.message_id, button["callback_data"])
        return await self.read(replies)

    async def tap_label(self, label: str, replies: int = 1) -> TranscriptMessage | None:
        """Taps the button with this text on the newest version of the last message."""
        assert self.last is not None
        for row in self.last.buttons:
            for button in row:
                if button["text"] == label:
                    print(f"  👤 {self.name} taps [{label}]")
                    await self.user.press(self.last.message_id, button["callback_data"])
                    return await self.read(replies) if replies else None
        raise AssertionError(f"no button {label!r} on {self.last.body!r}")

    async def edited(self, message: TranscriptMessage, text: str) -> TranscriptMessage:
        """Waits until the bot has edited `message` to say `text`, shows and keeps it."""
        for _ in range(int(WAIT / 0.05)):
            for entry in self.user.transcript():
                if entry.message_id == message.message_id and text in entry.body:
                    print(f"  🤖 ✎ {entry.body}".replace("\n", "\n     "))
                    for row in entry.buttons:
                        print("     " + "  ".join(f"[{button['text']}]" for button in row))
                    self.last = entry
                    return entry
            await asyncio.sleep(0.05)
        raise NoMessageError(f"message {message.message_id} never said {text!r}")

    async def show_edit_of(self, message: TranscriptMessage) -> None:
        for entry in self.user.transcript():
            if entry.message_id == message.message_id and entry.edited:
                print(f"  🤖 ✎ {entry.body}".replace("\n", "\n     "))


# What the resident types, in the script they write.
SCRIPTS = {
    "zh-hans": ("赵先生", "厨房水管漏水了，水槽下面一直在滴水"),
    "zh-hant": ("趙先生", "廚房水管漏水了，水槽下面一直在滴水"),
}


async def resident_reports_a_leak(world: World, language_code: str, title: str) -> Narrator:
    name, leak = SCRIPTS[language_code]
    print(f"\n====== {title} ======")
    code = await world.invitation("1栋", "101")
    print(
        f"  (the management office gives the resident the link "
        f"https://t.me/{world.core.config.bot_username}?start={code})"
    )
    person = Narrator(
        world.emulator.create_user(first_name=name[0], language_code=language_code), name
    )
    await person.say(f"/start {code}")
    await person.tap((0, 0))  # report a repair
    await person.tap((0, 0))  # in my home
    await person.tap((0, 0))  # water
    await person.say(leak)
    await person.tap((0, 0))  # done
    await person.tap((0, 0))  # the first day offered
    await person.tap((0, 0))  # the first slot
    summary = await person.tap((0, 0))  # normal urgency
    await person.tap((0, 0))  # confirm
    await person.show_edit_of(summary)
    return person


def chat_of(who: str) -> None:
    print(f"\n  ── {who} ──")


async def staff_handle_the_order(
    world: World, resident: Narrator, dispatcher: Narrator, technician: Narrator
) -> None:
    """The staff side, in Simplified: dispatch, accept, on my way, arrived, completed with a
    fee, and the resident confirms. Each step shows the chat of the person who sees it."""
    print("\n====== 员工端 (zh-hans): 派工 → 接单 → 上门 → 完工 → 住户确认 ======")
    t = Translator("zh_Hans")
    chat_of("王小姐 (客服中心 dispatcher)")
    await dispatcher.read()
    pick = await dispatcher.tap_label(t.gettext("Dispatch to a worker"))
    assert pick is not None
    await dispatcher.tap((0, 0), replies=0)  # 张师傅, on duty
    await dispatcher.edited(pick, "张师傅")
    chat_of("张师傅 (technician)")
    job = await technician.read()
    chat_of("赵先生 (resident)")
    await resident.read()  # dispatched to 张师傅
    chat_of("张师傅 (technician)")
    await technician.tap_label(t.gettext("Accept"), replies=0)
    await technician.edited(job, t.gettext("You accepted this job."))
    await technician.tap_label(t.gettext("On my way"), replies=0)
    chat_of("赵先生 (resident)")
    await resident.read(2)  # accepted, on the way
    chat_of("张师傅 (technician)")
    await technician.edited(job, t.gettext("Job updated."))
    await technician.tap_label(t.gettext("Arrived"), replies=0)
    await technician.edited(job, t.gettext("worker on site"))
    await technician.tap_label(t.gettext("Completed"))
    await technician.say("更换了水槽下的软管")
    await technician.tap_label(t.gettext("Next"))  # no photos before
    await technician.tap_label(t.gettext("Next"))  # no photos after: asked why
    await technician.say("住户家中不便拍照")
    await technician.say("软管一根")
    summary = await technician.say("80")
    await technician.tap_label(t.gettext("Confirm"), replies=0)
    await technician.edited(summary, "80")
    chat_of("赵先生 (resident)")
    await resident.read(2)  # arrived, completed
    await resident.tap_label(t.gettext("Confirm completion"), replies=0)
    await resident.edited(resident.last, "感谢")  # type: ignore[arg-type]
    chat_of("张师傅 (technician)")
    await technician.read()


async def resident_answers_the_callback(resident: Narrator) -> None:
    """The demo estate calls back right after the confirmation (callback delay 0): one
    question at a time, then the order closes (销项)."""
    print("\n====== 回访 (zh-hans): 满意度 → 评分 → 意见 → 销项 ======")
    t = Translator("zh_Hans")
    chat_of("赵先生 (resident)")
    await resident.read()  # satisfied?
    await resident.tap_label(t.gettext("Satisfied"))  # response speed
    await resident.tap_label("5")  # attitude
    await resident.tap_label("5")  # quality of work
    await resident.tap_label("4")  # a comment, or skip
    await resident.say("师傅很专业，谢谢！")
    await resident.say("/orders")
    await resident.tap((0, 0))  # the order's card: its timeline ends with the callback


async def demo_estate_calls_back_at_once(world: World) -> None:
    """The demo estate asks for the callback right at "Confirm completion" (delay 0)."""
    from core.services import callbacks, directory

    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        await callbacks.configure(uow, estate.id, delay_hours=0)
        await uow.commit()


async def the_next_festival_greets_everyone(
    world: World, clock: FakeClock, residents: list[Narrator]
) -> None:
    """The last act: the clock moves on to the next festival of the estate's region (the
    `holidays` package's calendar, lunar festivals included), at the estate's greeting hour,
    and the greeting broadcast reaches every household, each in its own script."""
    from core.models import Estate
    from core.services import directory, greetings

    async with world.uow as uow:
        estate = await uow.session.get_one(Estate, (await directory.require_estate(uow, "BX")).id)
        zone, region = ZoneInfo(estate.timezone), estate.region
        at = greetings.greeting_settings(estate.settings).at
    day = clock.now().astimezone(zone).date() + timedelta(days=1)
    while greetings.first_day_of_festival(region, day) is None:
        day += timedelta(days=1)
    clock.set(datetime.combine(day, at, zone).astimezone(UTC) + timedelta(minutes=1))
    print(f"\n====== {day.isoformat()}: 节日问候 / 節日問候 (broadcast) ======")
    scheduler = world.core.scheduler
    assert scheduler is not None
    # Only the greeting's part of the scheduler's tick: the month skipped would also bring the
    # time limits' apologies for the orders nobody handled in the demo.
    await scheduler.start_greetings()
    await scheduler.send_notices()
    scheduler.wake_sender()
    for resident in residents:
        chat_of(resident.name)
        await resident.read()


async def run_demo(locale: str = "both") -> None:
    logging.basicConfig(level=logging.WARNING)
    # The demo's own clock, set to now: the last act moves it to the next festival.
    clock = FakeClock(datetime.now(UTC))
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}"
        async with running_world(url, clock=clock) as world:
            try:
                await demo_estate_calls_back_at_once(world)
                residents = []
                if locale in ("both", "zh_Hans"):
                    dispatcher = Narrator(await world.staff_member("13800000003"), "王小姐")
                    technician = Narrator(await world.staff_member("13800000001"), "张师傅")
                    resident = await resident_reports_a_leak(world, "zh-hans", "简体中文 (zh-hans)")
                    await staff_handle_the_order(world, resident, dispatcher, technician)
                    await resident_answers_the_callback(resident)
                    residents.append(resident)
                if locale in ("both", "zh_Hant"):
                    residents.append(
                        await resident_reports_a_leak(world, "zh-hant", "繁體中文 (zh-hant)")
                    )
                await the_next_festival_greets_everyone(world, clock, residents)
            except NoMessageError as exc:
                print(f"\nThe demo stopped: {exc}")
                raise
            stats = world.emulator.stats()
            print(
                f"\nBot API calls: {sum(stats['calls'].values())}, "
                f"rule violations: {len(stats['violations'])}"
            )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_demo())
